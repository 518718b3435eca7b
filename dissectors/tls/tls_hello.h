/* tls_hello: ClientHello and ServerHello parsing (RFC 8446 §4.1.2, §4.1.3; RFC 6066 §3 SNI;
 * RFC 7301 ALPN) — what an observer can read before the handshake turns encrypted. */
#ifndef UPSCOPE_TLS_HELLO_H
#define UPSCOPE_TLS_HELLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_HELLO_MAX_LIST 16

struct tls_hello {
    uint16_t legacy_version;
    uint8_t random[32];
    uint16_t versions[TLS_HELLO_MAX_LIST];   /* client: supported_versions (or the legacy one);
                                              * server: the selected one */
    unsigned nversions;
    char sni[256];                           /* empty if none */
    char alpn[TLS_HELLO_MAX_LIST][64];       /* client: offered; server: selected */
    unsigned nalpn;
    bool retry_request;                      /* a HelloRetryRequest, not a real ServerHello */
    uint16_t cipher_suite;                   /* server: the one chosen */
    bool early_data;                         /* client: early_data offered (RFC 8446 §4.2.10) */
    bool psk;                                /* pre_shared_key: offered / selected (§4.2.11) */
    bool encrypt_then_mac;                   /* RFC 7366: offered / agreed */
};

/* The ALPN in an EncryptedExtensions body (TLS 1.3 says it there, encrypted), into alpn[64];
 * false if it names none. */
bool tls_encrypted_extensions_alpn(const uint8_t *body, size_t n, char alpn[64]);

enum { TLS_HS_CLIENT_HELLO = 1, TLS_HS_SERVER_HELLO = 2 };

/* Parses the body of a handshake message of type msg_type (1 or 2), the 4-byte handshake
 * header excluded. False if it does not parse. GREASE values (RFC 8701) are left out. */
bool tls_hello_parse(uint8_t msg_type, const uint8_t *body, size_t n, struct tls_hello *out);

/* "TLS 1.3", "SSL 3.0", or "0x7f1c" into buf (>= 16 bytes). */
const char *tls_version_name(uint16_t v, char buf[16]);

#endif
