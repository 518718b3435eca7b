/* tls_session: the TLS part of a session (see tls_session.h). */
#include "tls_session.h"

#include <stdlib.h>
#include <string.h>

#include "http_fields.h"

static void *tls_info_new(void)
{
    struct tls_info *t = calloc(1, sizeof *t);
    if (t)
        t->source = "upscope";
    return t;
}

static void tls_info_free(void *data)
{
    struct tls_info *t = data;
    free(t->sni);
    free(t->server_version);
    free(t->server_alpn);
    strlist_free(&t->alpn);
    strlist_free(&t->versions);
    free(t);
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
