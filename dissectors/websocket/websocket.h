/* websocket: the WebSocket dissector (RFC 6455, RFC 7692): handshake checks as upgrade hooks,
 * frames in both directions after the switch, mid-stream pickup. */
#ifndef UPSCOPE_WEBSOCKET_H
#define UPSCOPE_WEBSOCKET_H

#include "dissector.h"

extern const struct dissector websocket_dissector;

/* ws_report.c: how the outputs show the WebSocket part of a session */
struct json_t *ws_report_json(const struct session *s, const void *part);
void ws_report_text(const struct text_out *o, const struct session *s, const void *part,
                    bool spoke);
void ws_report_detail(struct detail_out *o, const struct session *s, const void *part);
uint64_t ws_report_volume(const void *part);
extern const struct check_row ws_checks[];

#endif
