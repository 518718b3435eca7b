/* session: one protocol-switch attempt on one connection — everything a report says about it.
 *
 * A session starts when upscope sees an attempt (a request with Upgrade, an unrequested 101, a
 * 426, a server offering an upgrade, WebSocket frames picked up mid-stream, an HTTP/2 preface
 * without upgrade) and ends when its outcome is settled: at the refusing response, or when the
 * connection ends for a switched one. Dissectors fill it through the current-session calls of
 * dissector.h; when it ends it goes, whole and self-contained (no pointer back into the flow
 * table), to the outputs, which own it from then on. */
#ifndef UPSCOPE_SESSION_H
#define UPSCOPE_SESSION_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "findings.h"
#include "flow.h"
#include "http_head.h"
#include "packet.h"

/* The protocol switched to, or asked for (NDJSON "transition"). */
enum transition { TRANSITION_NONE, TRANSITION_WEBSOCKET, TRANSITION_H2C, TRANSITION_TLS,
                  TRANSITION_COUNT };

/* NDJSON "outcome". Values are a contract: add, never rename. */
enum outcome {
    OUTCOME_NO_RESPONSE,      /* asked, no response seen (yet) */
    OUTCOME_SWITCHED,         /* 101 to an offered protocol */
    OUTCOME_DECLINED,         /* a final response other than 101 and 426 */
    OUTCOME_REQUIRED,         /* 426 Upgrade Required */
    OUTCOME_UNSOLICITED,      /* 101 to a request that asked for no upgrade */
    OUTCOME_MIDSTREAM,        /* capture began after the switch */
    OUTCOME_PRIOR_KNOWLEDGE,  /* HTTP/2 preface with no upgrade */
    OUTCOME_OFFERED,          /* a server advertised Upgrade on an ordinary response */
    OUTCOME_NONE,             /* --all: a connection that attempted no switch */
    OUTCOME_COUNT
};

/* A short list of strings copied from the wire (raw bytes, NUL-terminated). */
#define STRLIST_MAX 32
struct strlist {
    char *v[STRLIST_MAX];
    uint32_t n;
    uint32_t dropped;          /* items past STRLIST_MAX */
};

void strlist_add(struct strlist *l, const char *p, size_t n);
bool strlist_has_ci(const struct strlist *l, const char *p, size_t n);
void strlist_free(struct strlist *l);

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
};

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
};

struct tls_info {
    const char *source;                /* "upscope" (own parser) or "ndpi" */
    bool client_hello, server_hello;
    char *sni;
    struct strlist alpn;               /* offered by the client */
    struct strlist versions;           /* offered by the client: "TLS 1.3", ... */
    char *server_version;
    char *server_alpn;                 /* chosen (visible up to TLS 1.2) */
    uint64_t records[2], bytes[2];
};

/* nDPI's verdict on the connection, copied out of nDPI (the second opinion). */
struct ndpi_info {
    bool present;
    char protocol[64];                 /* "HTTP", "TLS.Google", ... (master.app) */
    char category[48];
    uint64_t risk;                     /* bitmap of ndpi_risk_enum */
    char host[96];                     /* SNI or HTTP Host as nDPI saw it */
    char alpn[96];                     /* TLS ALPN offered, comma-separated */
};

/* The ladder: what happened on the connection, in order, with the findings each step raised.
 * Recorded only when someone will look (the UI); capped, with exact counts of what was left
 * out. */
enum session_event_kind { EV_HTTP_REQUEST, EV_HTTP_RESPONSE, EV_WS_FRAME, EV_H2_FRAME,
                          EV_TLS_RECORD, EV_NOTE, EV_KIND_COUNT };

#define SESSION_MAX_EVENTS 4096
#define EVENT_PAYLOAD_MAX 1024            /* bytes kept per event */
#define SESSION_PAYLOAD_MAX (1u << 20)    /* bytes kept per session */
#define EVENT_FINDINGS 4

struct session_event {
    ts_us_t ts;
    uint8_t dir;                       /* enum dir */
    uint8_t kind;                      /* enum session_event_kind */
    uint16_t findings[EVENT_FINDINGS]; /* finding id + 1, 0 = none */
    char label[112];                   /* "TEXT FIN MASK len=13" (from the dissector; may hold
                                        * escaped wire text) */
    uint8_t *payload;                  /* the first bytes, as the application sees them
                                        * (unmasked, decompressed, decoded headers) */
    uint32_t payload_len;
    uint64_t full_len;                 /* the payload's real length */
};

struct session_events {
    struct session_event *v;
    uint32_t n, cap;
    uint64_t dropped;                  /* events past SESSION_MAX_EVENTS */
    uint64_t payload_bytes;            /* kept, all events */
    int last[2];                       /* latest event per direction, -1 if none */
};

struct session_finding {
    enum finding_id id;
    int dir;                           /* DIR_C2S, DIR_S2C, or -1 for the connection */
    char *message;                     /* raw: may hold wire bytes, escape when printing */
    ts_us_t ts;
    uint32_t count;                    /* occurrences (past SESSION_MESSAGES_PER_KIND distinct
                                        * messages, further ones count on the first) */
};

#define SESSION_MAX_FINDINGS 64
#define SESSION_MESSAGES_PER_KIND 4   /* distinct messages kept per id and direction */

struct session_stats {
    uint64_t packets[2], bytes[2];     /* by role direction, IP bytes */
    uint64_t stream_bytes[2];          /* reassembled payload bytes */
    uint32_t gaps[2];
};

struct session {
    uint64_t id;
    uint64_t flow_id;
    uint8_t family;
    struct ip_addr client_ip, server_ip;
    uint16_t client_port, server_port;
    ts_us_t start, end;
    enum transition transition;
    enum outcome outcome;
    bool incomplete;                   /* reported before its connection ended */
    struct http_head *request, *response;
    struct ws_info *ws;
    struct h2_info *h2;
    struct tls_info *tls;
    struct ndpi_info ndpi;
    struct session_events *events;     /* NULL unless the history is recorded */
    uint64_t ui_stamp;                 /* the store's version when it last changed (UI) */
    /* which packets of its connection (flow_id) the export spool holds for it
     * (pcap_export.c): from packet spool_first to before spool_end, as numbered in the
     * capture; -1: none / still open */
    int64_t spool_first, spool_end;
    struct session_finding findings[SESSION_MAX_FINDINGS];
    uint32_t nfindings, findings_dropped;
    uint32_t severity_count[SEV_COUNT];
    struct session_stats stats;
};

/* A new session for flow f, started at ts. NULL if memory runs out. */
struct session *session_new(uint64_t id, const struct flow *f, ts_us_t ts);
void session_free(struct session *s);

/* The protocol parts, created on first use (NULL if memory runs out). */
struct ws_info *session_ws(struct session *s);
struct h2_info *session_h2(struct session *s);
struct tls_info *session_tls(struct session *s);

/* Is the event history being recorded? (Dissectors skip the work of events otherwise.) */
static inline bool session_recording(const struct session *s)
{
    return s && s->events;
}

/* Starts recording the event history (before the first event). */
void session_events_enable(struct session *s);

/* Adds an event; returns its index, or -1 if not recorded. The label is formatted text (pass
 * wire bytes only through escape first). */
int session_event(struct session *s, ts_us_t ts, int dir, enum session_event_kind kind,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Appends payload bytes to event idx (up to the caps); `full` counts every byte offered. */
void session_event_payload(struct session *s, int idx, const void *p, size_t n);

/* Rewrites the label of event idx (e.g. once a close code is known). */
void session_event_relabel(struct session *s, int idx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records a finding. The same id, direction and message again only raises its count. When the
 * history is recorded, the finding is marked on the direction's latest event. */
void session_finding(struct session *s, enum finding_id id, int dir, ts_us_t ts,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* True if the session has a finding with this id (any direction). */
bool session_has_finding(const struct session *s, enum finding_id id);

/* Worst severity found, or -1 if none. */
int session_worst(const struct session *s);

/* Copies the connection's counters into s->stats (roles as the flow has them now). */
void session_take_stats(struct session *s, const struct flow *f);

const char *transition_name(enum transition t);
const char *outcome_name(enum outcome o);
const char *ws_frame_kind_name(enum ws_frame_kind k);
const char *h2_frame_kind_name(enum h2_frame_kind k);
const char *dir_name(int dir);   /* "client", "server", "connection" */

#endif
