/* h2_session: the HTTP/2 part of a session (see h2_session.h). */
#include "h2_session.h"

#include <stdlib.h>

static const char *const frame_names[H2F_KIND_COUNT] = {
    "DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
    "WINDOW_UPDATE", "CONTINUATION", "UNKNOWN",
};

const char *h2_frame_kind_name(enum h2_frame_kind k)
{
    return k < H2F_KIND_COUNT ? frame_names[k] : "?";
}

static void *h2_info_new(void)
{
    return calloc(1, sizeof(struct h2_info));
}

static void h2_info_free(void *data)
{
    struct h2_info *h = data;
    for (uint32_t i = 0; i < h->nrequests; i++) {
        free(h->requests[i].method);
        free(h->requests[i].path);
        free(h->requests[i].authority);
        free(h->requests[i].protocol);
    }
    free(h);
}

struct h2_info *h2_info_of(struct session *s)
{
    return session_part(s, PROTO_HTTP2, h2_info_new, h2_info_free);
}

const struct h2_info *h2_info_get(const struct session *s)
{
    return session_part_get(s, PROTO_HTTP2);
}
