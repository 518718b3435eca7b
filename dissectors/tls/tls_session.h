/* tls_session: the TLS part of a session — what the hellos said (SNI, ALPN, versions offered
 * and chosen) and the records counted per direction. Filled by the TLS dissector (or, with
 * --all, from nDPI's metadata for connections the dissector never saw); shown by
 * tls_report.c. */
#ifndef UPSCOPE_TLS_SESSION_H
#define UPSCOPE_TLS_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

struct tls_info {
    const char *source;                /* "upscope" (own parser) or "ndpi" */
    bool client_hello, server_hello;
    char *sni;
    struct strlist alpn;               /* offered by the client */
    struct strlist versions;           /* offered by the client: "TLS 1.3", ... */
    char *server_version;
    char *server_alpn;                 /* chosen (visible up to TLS 1.2) */
    uint64_t records[2], bytes[2];
};

/* The TLS part of s, made on first use (NULL if memory runs out). */
struct tls_info *tls_info_of(struct session *s);

/* The TLS part of s, or NULL if it has none. */
const struct tls_info *tls_info_get(const struct session *s);

/* A connection upscope's TLS dissector never saw (--all): the SNI and ALPN nDPI read, if it
 * classified the connection as TLS. */
void tls_info_from_ndpi(struct session *s);

#endif
