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

/* How a WebSocket lived: silences, liveness (pings matched to pongs), traffic. */
#define WS_PINGS_TRACKED 16              /* pings awaiting their pong, per direction */
#define WS_RTT_SAMPLES 128               /* ping round trips kept for the median */
struct ws_ping {
    uint64_t hash;                       /* of its payload: the pong echoes it (§5.5.3) */
    ts_us_t ts;
};
struct ws_life {
    ts_us_t first_message[2];            /* when each side's first data message ended */
    ts_us_t last_frame[2], last_data[2];
    uint64_t longest_silence[2];         /* between a side's consecutive frames, µs */
    uint32_t pings[2], pongs[2], unsolicited_pongs[2];
    struct ws_ping waiting[2][WS_PINGS_TRACKED];   /* pings from each side not yet answered */
    uint8_t nwaiting[2];
    uint32_t untracked[2];               /* pings pushed out of the table unanswered */
    uint64_t rtt[WS_RTT_SAMPLES];        /* the first round trips, µs */
    uint32_t nrtt;
    uint64_t rtt_min, rtt_max, rtt_count;
    uint64_t largest_message[2];         /* after decompression */
    uint64_t deflated_wire[2], deflated_out[2];  /* compressed messages: sent, inflated */
    uint64_t peak_per_second;            /* data messages in the busiest second */
    uint64_t second;                     /* the second being counted, and its count */
    uint32_t in_second;
};

struct ws_info {
    char *key, *accept, *accept_expected, *version;
    bool accept_checked, accept_valid;
    struct strlist subprotocols_offered;
    char *subprotocol;
    struct strlist extensions_offered, extensions;
    bool deflate;                      /* permessage-deflate in force */
    struct ws_deflate_params deflate_params;
    uint64_t frames[2][WSF_KIND_COUNT];
    uint64_t messages[2];              /* complete data messages */
    uint64_t payload_bytes[2];         /* frame payload bytes seen, as sent (all frames) */
    uint64_t message_bytes[2];         /* complete messages' bytes after decompression */
    uint64_t partial_messages[2];      /* a message the end of the stream cut short ... */
    uint64_t partial_bytes[2];         /* ... and its bytes so far (after decompression) */
    struct {
        bool seen;
        int code;                      /* -1: no status code in the frame */
        char *reason;
        uint32_t reason_len;           /* it may hold NUL bytes */
        enum dir initiator;
        bool replied;                  /* the other side sent its close too */
    } close;
    struct ws_app_info app;            /* what its messages carry (MQTT, STOMP, ...) */
    struct ws_life life;
    struct {                           /* RFC 8441: the HTTP/2 stream that carried it */
        bool present;
        uint32_t stream;
        bool end_stream[2];            /* each side ended its half of the stream */
        int first_end;                 /* the side that ended its half first, -1: none */
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
