/* tls_session: the TLS part of a session (see tls_session.h). */
#include "tls_session.h"

#include <stdlib.h>
#include <string.h>

#include "http_fields.h"

static void *tls_info_new(void)
{
    struct tls_info *t = calloc(1, sizeof *t);
    if (t) {
        t->source = "upscope";
        t->failure = TLS_DECRYPT_NO_KEY;
    }
    return t;
}

static const char *const failure_names[TLS_DECRYPT_FAILURE_COUNT] = {
    [TLS_DECRYPT_OK] = "none",
    [TLS_DECRYPT_NO_KEY] = "no_key",
    [TLS_DECRYPT_UNSUPPORTED_SUITE] = "unsupported_suite",
    [TLS_DECRYPT_AUTH_FAILED] = "auth_failed",
    [TLS_DECRYPT_GAP] = "gap",
    [TLS_DECRYPT_MIDSTREAM] = "midstream",
};

const char *tls_decrypt_failure_name(enum tls_decrypt_failure f)
{
    return f < TLS_DECRYPT_FAILURE_COUNT ? failure_names[f] : "?";
}

void tls_info_clear(struct tls_info *t)
{
    free(t->sni);
    free(t->server_version);
    free(t->server_alpn);
    free(t->cipher_suite);
    strlist_free(&t->alpn);
    strlist_free(&t->versions);
    t->sni = t->server_version = t->server_alpn = t->cipher_suite = NULL;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void copy_list(struct strlist *dst, const struct strlist *src)
{
    for (uint32_t i = 0; i < src->n; i++)
        strlist_add(dst, src->v[i], strlen(src->v[i]));
    dst->dropped = src->dropped;
}

void tls_info_copy(struct tls_info *dst, const struct tls_info *src)
{
    tls_info_clear(dst);
    *dst = *src;
    dst->sni = dup_or_null(src->sni);
    dst->server_version = dup_or_null(src->server_version);
    dst->server_alpn = dup_or_null(src->server_alpn);
    dst->cipher_suite = dup_or_null(src->cipher_suite);
    memset(&dst->alpn, 0, sizeof dst->alpn);
    memset(&dst->versions, 0, sizeof dst->versions);
    copy_list(&dst->alpn, &src->alpn);
    copy_list(&dst->versions, &src->versions);
}

static void tls_info_free(void *data)
{
    tls_info_clear(data);
    free(data);
}

struct tls_info *tls_info_of(struct session *s)
{
    return session_part(s, PROTO_TLS, tls_info_new, tls_info_free);
}

const struct tls_info *tls_info_get(const struct session *s)
{
    return session_part_get(s, PROTO_TLS);
}

void tls_info_from_ndpi(struct session *s)
{
    if (tls_info_get(s) || strncmp(s->ndpi.protocol, "TLS", 3) != 0 ||
        (!s->ndpi.host[0] && !s->ndpi.alpn[0]))
        return;
    struct tls_info *t = tls_info_of(s);
    if (!t)
        return;
    t->source = "ndpi";
    t->client_hello = true;
    if (s->ndpi.host[0])
        t->sni = strdup(s->ndpi.host);
    struct span rest = { s->ndpi.alpn, strlen(s->ndpi.alpn) }, e;
    while (list_next(&rest, &e))
        strlist_add(&t->alpn, e.p, e.n);
}
