/* h2_websocket: WebSockets over HTTP/2 streams, RFC 8441 (see h2_websocket.h). */
#include "h2_websocket.h"

#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dissector.h"
#include "h2_session.h"
#include "ws_handshake.h"
#include "ws_session.h"

struct h2_ws {
    uint32_t stream;
    struct dissect *layer;         /* above the HTTP/2 layer; holds the WebSocket session */
    struct session *s;             /* the layer's session (NULL once it ended) */
    bool responded, accepted, started;
    bool ended[2];
    bool early_data_noted, late_data_noted[2];
};

/* ---- header lists ---- */

void h2_fieldlist_add(struct h2_fieldlist *l, const uint8_t *name, size_t nl,
                      const uint8_t *value, size_t vl)
{
    char *copy = l->n < H2WS_FIELDS_MAX && l->bytes + nl + vl <= H2WS_FIELD_BYTES
               ? malloc(nl + vl + 1) : NULL;
    if (!copy) {
        l->cut = true;
        return;
    }
    memcpy(copy, name, nl);
    memcpy(copy + nl, value, vl);
    l->names[l->n] = (struct span){ copy, nl };
    l->values[l->n] = (struct span){ copy + nl, vl };
    l->n++;
    l->bytes += nl + vl;
}

void h2_fieldlist_clear(struct h2_fieldlist *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        free((char *)l->names[i].p);
    memset(l, 0, sizeof *l);
}

static struct http_head *head_of(const struct h2_fieldlist *l, bool request, ts_us_t ts)
{
    return http_head_from_fields(l->names, l->values, l->n, request, ts);
}

/* ---- the set ---- */

struct h2_ws *h2ws_find(struct h2_ws_set *set, uint32_t stream)
{
    for (unsigned i = 0; i < set->n; i++)
        if (set->v[i]->stream == stream)
            return set->v[i];
    return NULL;
}

static void forget(struct h2_ws_set *set, struct h2_ws *w)
{
    for (unsigned i = 0; i < set->n; i++) {
        if (set->v[i] == w) {
            set->v[i] = set->v[--set->n];
            break;
        }
    }
    dissect_layer_free(w->layer);
    free(w);
}

/* The stream's WebSocket session ends (reported), and the stream is forgotten. */
static void finish(struct h2_ws_set *set, struct h2_ws *w, ts_us_t ts)
{
    dissect_layer_close(w->layer, ts);
    forget(set, w);
}

/* The HTTP/2 connection's own report lists its WebSocket streams. */
static void list_on_connection(struct dissect *dx, uint32_t stream, uint64_t id)
{
    struct session *conn = dissect_session(dx);
    struct h2_info *h2 = conn ? h2_info_of(conn) : NULL;
    if (!h2)
        return;
    if (h2->nwebsockets < H2_MAX_REQUESTS)
        h2->websockets[h2->nwebsockets++] = (struct h2_ws_ref){ stream, id };
    else
        h2->websockets_dropped++;
}

static void event_with_fields(struct session *s, ts_us_t ts, enum dir dir, const char *label,
                              const struct h2_fieldlist *l)
{
    int ev = session_event(s, ts, dir, PROTO_HTTP2, "%s", label);
    for (uint32_t i = 0; ev >= 0 && i < l->n; i++) {
        session_event_payload(s, ev, l->names[i].p, l->names[i].n);
        session_event_payload(s, ev, ": ", 2);
        session_event_payload(s, ev, l->values[i].p, l->values[i].n);
        session_event_payload(s, ev, "\n", 1);
    }
}

void h2ws_request(struct h2_ws_set *set, struct dissect *dx, uint32_t stream,
                  const struct h2_fieldlist *fields, bool setting, ts_us_t ts)
{
    struct session *conn = dissect_session(dx);
    struct h2_info *h2 = conn ? h2_info_of(conn) : NULL;
    struct h2_ws *w = set->n < H2WS_MAX ? calloc(1, sizeof *w) : NULL;
    if (!w) {
        if (h2)
            h2->websockets_dropped++;
        return;
    }
    w->stream = stream;
    w->layer = dissect_layer_new(dx, PROTO_HTTP2, stream, false);
    w->s = w->layer ? dissect_session_begin(w->layer, ts) : NULL;
    if (!w->s) {
        dissect_layer_free(w->layer);
        free(w);
        return;
    }
    set->v[set->n++] = w;
    w->s->transition = TRANSITION_WEBSOCKET;
    w->s->outcome = OUTCOME_NO_RESPONSE;
    w->s->request = head_of(fields, true, ts);
    if (w->s->request)
        w->s->request->frame = dissect_frame(dx);
    struct ws_info *ws = ws_info_of(w->s);
    if (ws) {
        ws->h2.present = true;
        ws->h2.stream = stream;
        ws->h2.first_end = -1;
    }
    char label[64];
    snprintf(label, sizeof label, "HEADERS stream=%u CONNECT :protocol=websocket", stream);
    event_with_fields(w->s, ts, DIR_C2S, label, fields);
    if (!setting) /* RFC 8441 §3: only once the server enabled it */
        session_finding(w->s, F_WS_H2_CONNECT_WITHOUT_SETTING, DIR_C2S, ts, "stream %u: "
                        "extended CONNECT, but the server has not sent "
                        "SETTINGS_ENABLE_CONNECT_PROTOCOL = 1", stream);
    if (w->s->request)
        ws_check_h2_request(w->s, w->s->request);
    list_on_connection(dx, stream, w->s->id);
}

/* The WebSocket dissector takes the stream's bytes from here on. */
static void start(struct h2_ws *w)
{
    if (!w->started) {
        w->started = true;
        dissect_layer_start(w->layer, PROTO_WEBSOCKET);
    }
}

void h2ws_response(struct h2_ws *w, const struct h2_fieldlist *fields, int status, ts_us_t ts)
{
    if (!w->s || w->responded || (status >= 100 && status < 200 && status != 101))
        return; /* an interim response: the final one is still to come */
    w->responded = true;
    char label[48];
    snprintf(label, sizeof label, "HEADERS stream=%u :status=%d", w->stream, status);
    event_with_fields(w->s, ts, DIR_S2C, label, fields);
    w->s->response = head_of(fields, false, ts);
    if (w->s->response)
        w->s->response->frame = dissect_frame(w->layer);
    /* RFC 8441 §5: 200 accepts; a 101 (which HTTP/2 does not have) the peers may still treat
     * as acceptance: then it is judged as one, with its finding */
    w->accepted = status == 200 || status == 101 || (status > 200 && status < 300);
    w->s->outcome = w->accepted ? OUTCOME_SWITCHED : OUTCOME_DECLINED;
    if (w->accepted && w->s->response)
        ws_check_h2_response(w->s, w->s->response);
    if (w->accepted)
        start(w);
}

void h2ws_data(struct h2_ws *w, enum dir dir, const uint8_t *p, size_t n, ts_us_t ts)
{
    if (!w->s || n == 0)
        return;
    if (w->ended[dir]) {
        if (!w->late_data_noted[dir])
            session_finding(w->s, F_WS_H2_DATA_AFTER_END_STREAM, dir, ts, "stream %u: DATA "
                            "after the %s's END_STREAM", w->stream, dir_name(dir));
        w->late_data_noted[dir] = true;
        return;
    }
    if (!w->responded && dir == DIR_C2S && !w->early_data_noted) {
        session_finding(w->s, F_WS_H2_DATA_BEFORE_RESPONSE, DIR_C2S, ts, "stream %u: the "
                        "client sent WebSocket data before the server answered", w->stream);
        w->early_data_noted = true;
    }
    start(w); /* what flows is WebSocket, answered or not: read it */
    dissect_layer_data(w->layer, dir, p, n, ts);
}

void h2ws_gap(struct h2_ws *w, enum dir dir, uint64_t len, ts_us_t ts)
{
    if (w->s && w->started && !w->ended[dir])
        dissect_layer_gap(w->layer, dir, len, ts);
}

void h2ws_end_stream(struct h2_ws_set *set, struct h2_ws *w, enum dir dir, ts_us_t ts)
{
    if (w->ended[dir])
        return;
    w->ended[dir] = true;
    session_event(w->s, ts, dir, PROTO_HTTP2, "END_STREAM stream=%u", w->stream);
    struct ws_info *ws = w->s ? ws_info_of(w->s) : NULL;
    if (ws) {
        ws->h2.end_stream[dir] = true;
        if (ws->h2.first_end < 0)
            ws->h2.first_end = dir;
    }
    if (w->started)
        dissect_layer_fin(w->layer, dir, ts);
    /* both halves closed, or a refusal that ended the stream */
    if ((w->ended[DIR_C2S] && w->ended[DIR_S2C]) || (dir == DIR_S2C && !w->accepted))
        finish(set, w, ts);
}

void h2ws_reset(struct h2_ws_set *set, struct h2_ws *w, enum dir dir, uint32_t code,
                ts_us_t ts)
{
    session_event(w->s, ts, dir, PROTO_HTTP2, "RST_STREAM stream=%u %s", w->stream,
                  nghttp2_http2_strerror(code));
    struct ws_info *ws = w->s ? ws_info_of(w->s) : NULL;
    if (ws) {
        ws->h2.reset = true;
        ws->h2.reset_dir = dir;
        ws->h2.reset_code = code;
        bool closed = ws->close.seen && ws->close.replied;
        session_finding(w->s, F_WS_H2_STREAM_RESET, dir, ts, "stream %u reset by the %s "
                        "(%s) %s", w->stream, dir_name(dir), nghttp2_http2_strerror(code),
                        closed ? "after the close handshake"
                        : ws->close.seen ? "before the close was answered"
                                         : "without a close frame");
    }
    finish(set, w, ts);
}

void h2ws_close_all(struct h2_ws_set *set, ts_us_t ts)
{
    while (set->n)
        finish(set, set->v[set->n - 1], ts);
}

void h2ws_free_all(struct h2_ws_set *set)
{
    while (set->n)
        forget(set, set->v[set->n - 1]);
}
