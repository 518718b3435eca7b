/* h2_session: the HTTP/2 part of a session (NDJSON key "h2c") — the decoded HTTP2-Settings of
 * an h2c upgrade, the prefaces, the server's SETTINGS, frames per direction and type, and one
 * request per stream, the WebSockets its streams carried (RFC 8441). Filled by h2c.c, http2.c and
 * h2_websocket.c; shown by h2_report.c. */
#ifndef UPSCOPE_H2_SESSION_H
#define UPSCOPE_H2_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"

/* HTTP/2 frame types (RFC 9113 §6), and one slot for types it does not define. */
enum h2_frame_kind { H2F_DATA, H2F_HEADERS, H2F_PRIORITY, H2F_RST_STREAM, H2F_SETTINGS,
                     H2F_PUSH_PROMISE, H2F_PING, H2F_GOAWAY, H2F_WINDOW_UPDATE, H2F_CONTINUATION,
                     H2F_UNKNOWN, H2F_KIND_COUNT };

struct h2_setting {
    uint16_t id;
    uint32_t value;
};

#define H2_MAX_SETTINGS 16
#define H2_MAX_REQUESTS 64

struct h2_request {
    uint32_t stream;
    char *method, *path, *authority;   /* raw; NULL if absent */
    int status;                        /* 0 until a response is seen */
    char *protocol;                    /* :protocol of an extended CONNECT (RFC 8441), or NULL */
};

/* A WebSocket this connection carried on one of its streams (RFC 8441). */
struct h2_ws_ref {
    uint32_t stream;
    uint64_t session;                  /* the id of its own session (report line) */
};

struct h2_info {
    bool settings_header;              /* HTTP2-Settings was in the upgrade request */
    struct h2_setting settings[H2_MAX_SETTINGS];   /* decoded from it */
    uint32_t nsettings;
    bool client_preface;               /* the client sent the connection preface */
    bool server_settings_seen;
    struct h2_setting server_settings[H2_MAX_SETTINGS];
    uint32_t nserver_settings;
    uint64_t frames[2][H2F_KIND_COUNT];
    uint32_t streams;                  /* streams opened (by either side) */
    struct h2_request requests[H2_MAX_REQUESTS];
    uint32_t nrequests, requests_dropped;
    struct h2_ws_ref websockets[H2_MAX_REQUESTS];
    uint32_t nwebsockets, websockets_dropped;   /* dropped: past the caps (H2WS_MAX at once) */
    /* picked up mid-connection (no preface in the capture): frames recognised by their shape */
    bool midstream;
    uint64_t resync_bytes[2];          /* skipped before the first frame boundary, per dir */
    uint64_t undecoded_blocks[2];      /* header blocks HPACK could not decode (table unknown) */
};

/* The HTTP/2 part of s, made on first use (NULL if memory runs out). */
struct h2_info *h2_info_of(struct session *s);

/* The HTTP/2 part of s, or NULL if it has none. */
const struct h2_info *h2_info_get(const struct session *s);

const char *h2_frame_kind_name(enum h2_frame_kind k);

#endif
