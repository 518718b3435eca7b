/* tls_session: the TLS part of a session — what the hellos said (SNI, ALPN, versions offered
 * and chosen) and the records counted per direction. Filled by the TLS dissector (or, with
 * --all, from nDPI's metadata for connections the dissector never saw); shown by
 * tls_report.c. */
#ifndef UPSCOPE_TLS_SESSION_H
#define UPSCOPE_TLS_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

/* Why a connection's records were not all decrypted (NDJSON "decrypt_failure"): a contract,
 * values are only added. */
enum tls_decrypt_failure {
    TLS_DECRYPT_OK,
    TLS_DECRYPT_NO_KEY,             /* no key log, or no secret for this client random */
    TLS_DECRYPT_UNSUPPORTED_SUITE,  /* a cipher suite upscope does not decrypt */
    TLS_DECRYPT_AUTH_FAILED,        /* a record did not authenticate with the logged keys */
    TLS_DECRYPT_GAP,                /* bytes missing: the record sequence is lost from there */
    TLS_DECRYPT_MIDSTREAM,          /* the capture began after the hellos */
    TLS_DECRYPT_FAILURE_COUNT
};

struct tls_info {
    const char *source;                /* "upscope" (own parser) or "ndpi" */
    bool client_hello, server_hello;
    char *sni;
    struct strlist alpn;               /* offered by the client */
    struct strlist versions;           /* offered by the client: "TLS 1.3", ... */
    char *server_version;
    char *server_alpn;                 /* chosen (visible up to TLS 1.2) */
    uint64_t records[2], bytes[2];
    /* decryption (with a key log) */
    char *cipher_suite;                /* the suite chosen, by its IANA name */
    bool decrypted;                    /* every protected record seen was decrypted */
    uint8_t failure;                   /* enum tls_decrypt_failure: why not */
    bool resumed;                      /* the server accepted a PSK (RFC 8446 §2.2) */
    bool early_data;                   /* 0-RTT data was decrypted (RFC 8446 §2.3) */
    uint64_t records_decrypted[2], auth_failures[2], key_updates[2];
};

/* dst becomes a copy of src (its strings duplicated); what dst held is freed. */
void tls_info_copy(struct tls_info *dst, const struct tls_info *src);

/* Frees what the strings of t hold (not t itself). */
void tls_info_clear(struct tls_info *t);

const char *tls_decrypt_failure_name(enum tls_decrypt_failure f);

/* The TLS part of s, made on first use (NULL if memory runs out). */
struct tls_info *tls_info_of(struct session *s);

/* The TLS part of s, or NULL if it has none. */
const struct tls_info *tls_info_get(const struct session *s);

/* A connection upscope's TLS dissector never saw (--all): the SNI and ALPN nDPI read, if it
 * classified the connection as TLS. */
void tls_info_from_ndpi(struct session *s);

#endif
