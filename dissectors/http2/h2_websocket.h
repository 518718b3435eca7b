/* h2_websocket: WebSockets over HTTP/2 streams (RFC 8441). An extended CONNECT with
 * `:protocol websocket` opens a layer above the HTTP/2 dissector for its stream; the layer holds
 * one WebSocket session, which the response accepts (200) or declines, and the stream's DATA
 * payloads are its bytes, END_STREAM its FIN, RST_STREAM its abrupt end. The HTTP/2 dissector
 * owns the set and calls in at each event of such a stream. At most H2WS_MAX streams are
 * followed at once per connection; more are counted (h2c.websockets_dropped). */
#ifndef UPSCOPE_H2_WEBSOCKET_H
#define UPSCOPE_H2_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "http_head.h"
#include "packet.h"

struct dissect;

#define H2WS_MAX 32

/* A decoded header list, copied as it is decoded (capped: H2WS_FIELDS_MAX fields,
 * H2WS_FIELD_BYTES bytes; more are left out). */
#define H2WS_FIELDS_MAX 64
#define H2WS_FIELD_BYTES 8192
struct h2_fieldlist {
    struct span names[H2WS_FIELDS_MAX], values[H2WS_FIELDS_MAX];
    uint32_t n;
    size_t bytes;
    bool cut;                      /* fields were left out */
};

void h2_fieldlist_add(struct h2_fieldlist *l, const uint8_t *name, size_t nl,
                      const uint8_t *value, size_t vl);
void h2_fieldlist_clear(struct h2_fieldlist *l);

struct h2_ws;                      /* one extended CONNECT stream */

struct h2_ws_set {
    struct h2_ws *v[H2WS_MAX];
    unsigned n;
};

/* The stream's WebSocket, or NULL if the stream is not one. */
struct h2_ws *h2ws_find(struct h2_ws_set *set, uint32_t stream);

/* A client's extended CONNECT for a WebSocket (its whole header list) on a new stream; dx is
 * the HTTP/2 layer; setting: the server had enabled the extended CONNECT (RFC 8441 §3). */
void h2ws_request(struct h2_ws_set *set, struct dissect *dx, uint32_t stream,
                  const struct h2_fieldlist *fields, bool setting, ts_us_t ts);

/* The server's response (a final one, or a 101) on the stream. */
void h2ws_response(struct h2_ws *w, const struct h2_fieldlist *fields, int status, ts_us_t ts);

/* Payload bytes of a DATA frame of the stream; a hole of len bytes in one. */
void h2ws_data(struct h2_ws *w, enum dir dir, const uint8_t *p, size_t n, ts_us_t ts);
void h2ws_gap(struct h2_ws *w, enum dir dir, uint64_t len, ts_us_t ts);

/* The sender ended its half of the stream (END_STREAM), or reset it (RST_STREAM with this
 * error code). The stream's WebSocket session ends when both halves have, or on a reset. */
void h2ws_end_stream(struct h2_ws_set *set, struct h2_ws *w, enum dir dir, ts_us_t ts);
void h2ws_reset(struct h2_ws_set *set, struct h2_ws *w, enum dir dir, uint32_t code,
                ts_us_t ts);

/* The connection ends: every stream's WebSocket session ends with it. */
void h2ws_close_all(struct h2_ws_set *set, ts_us_t ts);
void h2ws_free_all(struct h2_ws_set *set);

#endif
