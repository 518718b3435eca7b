/* tls_crypto: what decrypting TLS records takes, on OpenSSL's libcrypto (no cipher is written
 * here) — the cipher suites upscope can decrypt, the TLS 1.3 key schedule steps that follow
 * from a logged traffic secret (HKDF-Expand-Label, RFC 8446 §7.1, §7.2, §7.3), the TLS 1.2 key
 * block from a logged master secret (the PRF, RFC 5246 §5, §6.3), and one record's decryption
 * with its authentication checked (AEAD: RFC 8446 §5.2, RFC 5288, RFC 7905; CBC with HMAC,
 * MAC-then-encrypt or encrypt-then-MAC: RFC 5246 §6.2.3.2, RFC 7366). */
#ifndef UPSCOPE_TLS_CRYPTO_H
#define UPSCOPE_TLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_SECRET_MAX 48        /* SHA-384 */
#define TLS_KEY_MAX 32
#define TLS_IV_MAX 16
#define TLS_MAC_MAX 48

enum tls_cipher { TLS_CIPHER_AES_128_GCM, TLS_CIPHER_AES_256_GCM, TLS_CIPHER_CHACHA20_POLY1305,
                  TLS_CIPHER_AES_128_CBC, TLS_CIPHER_AES_256_CBC };
enum tls_hash { TLS_HASH_SHA1, TLS_HASH_SHA256, TLS_HASH_SHA384 };

/* A cipher suite upscope can decrypt. */
struct tls_suite {
    uint16_t id;
    const char *name;            /* the IANA name, "TLS_AES_128_GCM_SHA256" */
    bool tls13;
    enum tls_cipher cipher;
    enum tls_hash prf;           /* the key schedule's / PRF's hash */
    enum tls_hash mac;           /* CBC suites: the record MAC */
};

/* The suite with this id, or NULL if upscope cannot decrypt it. */
const struct tls_suite *tls_suite_find(uint16_t id);

/* The IANA name of any suite id ("TLS_..."), or "0xXXXX" into buf (>= 8 bytes). */
const char *tls_suite_name(uint16_t id, char buf[8]);

size_t tls_hash_len(enum tls_hash h);

/* HKDF-Expand-Label(secret, label, context, out_len) (RFC 8446 §7.1); label without "tls13 ".
 * False if libcrypto fails. */
bool tls13_expand_label(enum tls_hash h, const uint8_t *secret, size_t secret_len,
                        const char *label, const uint8_t *context, size_t context_len,
                        uint8_t *out, size_t out_len);

/* One direction's record protection: what a traffic secret or a key block gives. */
struct tls_keys {
    const struct tls_suite *suite;
    uint8_t key[TLS_KEY_MAX];
    uint8_t iv[TLS_IV_MAX];          /* AEAD: the 12-byte (TLS 1.3, ChaCha) or 4-byte (GCM)
                                      * write IV; CBC: unused (explicit per record) */
    uint8_t mac_key[TLS_MAC_MAX];
    bool encrypt_then_mac;           /* CBC: RFC 7366 negotiated */
    void *ctx;                       /* EVP_CIPHER_CTX, set up on first use */
};

/* TLS 1.3 (RFC 8446 §7.3): key and iv from a traffic secret. */
bool tls13_keys_from_secret(struct tls_keys *k, const struct tls_suite *suite,
                            const uint8_t *secret, size_t secret_len);

/* TLS 1.3 KeyUpdate (RFC 8446 §7.2): the next application traffic secret, in place. */
bool tls13_next_secret(const struct tls_suite *suite, uint8_t *secret, size_t secret_len);

/* TLS 1.2 (RFC 5246 §6.3): both directions' keys from the 48-byte master secret. */
bool tls12_keys_from_master(struct tls_keys *client, struct tls_keys *server,
                            const struct tls_suite *suite, const uint8_t master[48],
                            const uint8_t client_random[32], const uint8_t server_random[32],
                            bool encrypt_then_mac);

void tls_keys_free(struct tls_keys *k);

/* Decrypts one record's body (rec[0..len), after the 5-byte header hdr) sent with sequence
 * number seq; the plaintext goes to out (len bytes at most). TLS 1.3: *type gets the inner
 * content type and the padding is removed. False if it does not authenticate (or is too short
 * to be a protected record). */
bool tls_record_decrypt(struct tls_keys *k, uint64_t seq, const uint8_t hdr[5],
                        const uint8_t *rec, size_t len, uint8_t *out, size_t *out_len,
                        uint8_t *type);

#endif
