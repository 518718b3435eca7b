/* ws_life: how a WebSocket lived — the silences, the liveness (each pong matched to its ping by
 * payload, RFC 6455 §5.5.2-§5.5.3, with round-trip times), the traffic (largest message,
 * compression ratio, busiest second) and how it ended (close handshake, one-sided close, or
 * none), with the findings that follow at its end. The frame dissector (websocket.c) feeds it;
 * the lifecycle renderers (lifecycle.c and the module's hooks) show it. */
#ifndef UPSCOPE_WS_LIFE_H
#define UPSCOPE_WS_LIFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ws_session.h"

struct json_t;
struct text_out;
struct detail_out;

/* A side's frame begins at ts (its silence before it; a long silence marked on the ladder). */
void ws_life_frame(struct ws_info *wi, struct session *s, enum dir dir, ts_us_t ts);

/* A whole ping or pong from dir, its payload (control frames carry at most 125 bytes). */
void ws_life_ping(struct ws_info *wi, enum dir dir, const uint8_t *p, size_t n, ts_us_t ts);
void ws_life_pong(struct ws_info *wi, enum dir dir, const uint8_t *p, size_t n, ts_us_t ts);

/* A data message ended: wire bytes (payload as sent), bytes after decompression. */
void ws_life_message(struct ws_info *wi, enum dir dir, uint64_t wire, uint64_t out,
                     bool compressed, ts_us_t ts);

/* The WebSocket ends at ts (incomplete: the connection itself had not ended): the findings of
 * its lifecycle — no close frame, a close not answered, pings not answered. */
void ws_life_end(struct ws_info *wi, struct session *s, const struct flow *f, bool incomplete,
                 ts_us_t ts);

/* The module's lifecycle hooks (dissector.h). */
const char *ws_life_ended_by(const struct session *s, const void *part, int *by);
void ws_life_json(struct json_t *life, const struct session *s, const void *part);
void ws_life_text(const struct text_out *o, const struct session *s, const void *part);
void ws_life_detail(struct detail_out *o, const struct session *s, const void *part);

#endif
