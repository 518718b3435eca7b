/* ws_session: the WebSocket part of a session (see ws_session.h). */
#include "ws_session.h"

#include <stdlib.h>

static const char *const frame_kind_names[WSF_KIND_COUNT] = {
    "continuation", "text", "binary", "close", "ping", "pong", "reserved",
};

const char *ws_frame_kind_name(enum ws_frame_kind k)
{
    return k < WSF_KIND_COUNT ? frame_kind_names[k] : "?";
}

static void *ws_info_new(void)
{
    struct ws_info *w = calloc(1, sizeof *w);
    if (w)
        w->close.code = -1;
    return w;
}

static void ws_info_free(void *data)
{
    struct ws_info *w = data;
    free(w->key);
    free(w->accept);
    free(w->accept_expected);
    free(w->version);
    free(w->subprotocol);
    free(w->close.reason);
    strlist_free(&w->subprotocols_offered);
    strlist_free(&w->extensions_offered);
    strlist_free(&w->extensions);
    free(w);
}

struct ws_info *ws_info_of(struct session *s)
{
    return session_part(s, PROTO_WEBSOCKET, ws_info_new, ws_info_free);
}

const struct ws_info *ws_info_get(const struct session *s)
{
    return session_part_get(s, PROTO_WEBSOCKET);
}
