/* ws_session: the WebSocket part of a session — the negotiation (key, Accept, version,
 * subprotocols, extensions, permessage-deflate), frame and message counts per direction, and
 * the close. Filled by the handshake checks and the frame dissector; shown by ws_report.c. */
#ifndef UPSCOPE_WS_SESSION_H
#define UPSCOPE_WS_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"
#include "ws_app.h"

/* permessage-deflate parameters as agreed in the server's response (RFC 7692 §7.1). */
struct ws_deflate_params {
    bool server_no_context_takeover;
    bool client_no_context_takeover;
    uint8_t server_max_window_bits;   /* 8..15 */
    uint8_t client_max_window_bits;
};

enum ws_frame_kind { WSF_CONTINUATION, WSF_TEXT, WSF_BINARY, WSF_CLOSE, WSF_PING, WSF_PONG,
                     WSF_RESERVED, WSF_KIND_COUNT };

struct ws_info {
    char *key, *accept, *accept_expected, *version;
    bool accept_checked, accept_valid;
    struct strlist subprotocols_offered;
    char *subprotocol;
    struct strlist extensions_offered, extensions;
    bool deflate;                      /* permessage-deflate in force */
    struct ws_deflate_params deflate_params;
    uint64_t frames[2][WSF_KIND_COUNT];
    uint64_t messages[2];
    uint64_t payload_bytes[2];         /* frame payload bytes, as sent */
    uint64_t message_bytes[2];         /* message bytes after decompression */
    struct {
        bool seen;
        int code;                      /* -1: no status code in the frame */
        char *reason;
        uint32_t reason_len;           /* it may hold NUL bytes */
        enum dir initiator;
        bool replied;                  /* the other side sent its close too */
    } close;
    struct ws_app_info app;            /* what its messages carry (MQTT, STOMP, ...) */
    struct {                           /* RFC 8441: the HTTP/2 stream that carried it */
        bool present;
        uint32_t stream;
        bool end_stream[2];            /* each side ended its half of the stream */
        bool reset;                    /* RST_STREAM ended it */
        int reset_dir;
        uint32_t reset_code;
    } h2;
};

/* The WebSocket part of s, made on first use (NULL if memory runs out). */
struct ws_info *ws_info_of(struct session *s);

/* The WebSocket part of s, or NULL if it has none. */
const struct ws_info *ws_info_get(const struct session *s);

const char *ws_frame_kind_name(enum ws_frame_kind k);

#endif
