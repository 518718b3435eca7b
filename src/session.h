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
#include "protocols.h"

/* The protocol switched to, or asked for (NDJSON "transition"). */
enum transition { TRANSITION_NONE, TRANSITION_WEBSOCKET, TRANSITION_H2C, TRANSITION_TLS,
                  TRANSITION_H2,            /* HTTP/2 over TLS, chosen by ALPN */
                  TRANSITION_CONNECT,       /* an HTTP CONNECT tunnel (RFC 9110 §9.3.6) */
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
    OUTCOME_ALPN,             /* the protocol was chosen by TLS ALPN (h2) */
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

#define SESSION_MAX_EVENTS 4096
#define EVENT_PAYLOAD_MAX 1024            /* bytes kept per event */
#define SESSION_PAYLOAD_MAX (1u << 20)    /* bytes kept per session */
#define EVENT_FINDINGS 4

struct session_event {
    ts_us_t ts;
    uint8_t dir;                       /* enum dir */
    uint8_t proto;                     /* enum proto: the protocol that told */
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

/* A protocol's part of a session (its negotiation, counters, close analysis ...), owned by its
 * module (dissectors/NAME/): made on first use, freed with the session. The outputs show it
 * through the module's renderers in the registry. */
struct session_part {
    void *data;
    void (*destroy)(void *data);
};

/* One layer that carries a session above TCP (TLS; an HTTP/2 stream), outermost first. */
#define SESSION_MAX_CARRIERS 4
struct session_carrier {
    uint8_t proto;                     /* enum proto */
    uint32_t stream;                   /* its stream id (HTTP/2), or 0 */
    uint64_t session;                  /* the id of the session open in that layer, or 0 */
};

struct session_finding {
    enum finding_id id;
    int dir;                           /* DIR_C2S, DIR_S2C, or -1 for the connection */
    char *message;                     /* raw: may hold wire bytes, escape when printing */
    ts_us_t ts;
    uint32_t count;                    /* occurrences (past SESSION_MESSAGES_PER_KIND distinct
                                        * messages, further ones count on the first) */
    uint64_t frame;                    /* the capture's packet (1-based) that showed it, or 0 */
};

#define SESSION_MAX_FINDINGS 64
#define SESSION_MESSAGES_PER_KIND 4   /* distinct messages kept per id and direction */

/* Why a session ended, before its protocol says more (lifecycle.c). */
enum session_end { SESSION_END_OPEN, SESSION_END_REPLACED, SESSION_END_CONNECTION,
                   SESSION_END_LAYER };

/* An event of the connection rather than a message (a silence, the end): drawn across. */
#define SESSION_EVENT_NOTE 2

/* The connection's life (flow.h's struct flow_life) by role direction. */
struct session_tcp {
    ts_us_t syn, synack, ack;          /* the handshake as the capture point saw it, or 0 */
    ts_us_t fin[2];                    /* each side's FIN, or 0 */
    ts_us_t rst;                       /* the RST, or 0 ... */
    int rst_dir;                       /* ... its sender */
    uint32_t rst_in_flight;            /* bytes towards its sender it had not acknowledged */
    bool ended;                        /* the connection's end is known: */
    uint8_t end;                       /* enum flow_end */
};

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
    ts_us_t last_data;                 /* when bytes of it last arrived */
    uint64_t first_frame, frame_now;   /* the capture's packet it began at, and the one whose
                                        * bytes it is reading now (for Wireshark) */
    const char *source;                /* the capture file or interface (the app's string) */
    enum transition transition;
    enum outcome outcome;
    bool incomplete;                   /* reported before its connection ended */
    struct http_head *request, *response;
    struct session_part parts[PROTO_COUNT];  /* each protocol's own part, by enum proto */
    struct session_carrier carried_by[SESSION_MAX_CARRIERS];  /* outermost first */
    uint8_t ncarriers;                 /* 0: directly on TCP */
    struct tunnel_pair *tunnels;       /* the tunnels under IP, the client's side first
                                        * (src/tunnel.h); NULL: none */
    struct ndpi_info ndpi;
    struct session_events *events;     /* NULL unless the history is recorded */
    uint64_t ui_stamp;                 /* the store's version when it last changed (UI) */
    /* which packets of its connection (flow_id) the export spool holds for it
     * (pcap_export.c): from packet spool_first to before spool_end, as numbered in the
     * capture; -1: none / still open */
    int64_t spool_first, spool_end;
    struct session_finding findings[SESSION_MAX_FINDINGS];
    uint32_t nfindings, findings_dropped;
    uint64_t truncated[2];             /* bytes the snap length cut off, by direction */
    uint64_t drop_epoch;               /* live: the kernel drop count's epoch when it began */
    bool capture_drops;                /* live: the kernel dropped packets while it was open */
    uint32_t findings_withheld;        /* not raised: they could rest on those bytes */
    uint32_t severity_count[SEV_COUNT];
    struct session_stats stats;
    struct session_tcp tcp;            /* the connection's life when the session ended */
    uint8_t end_cause;                 /* enum session_end */
};

/* A new session for flow f, started at ts. NULL if memory runs out. */
struct session *session_new(uint64_t id, const struct flow *f, ts_us_t ts);
void session_free(struct session *s);

/* Protocol p's part of s, made by create on first use (NULL if memory runs out); destroy frees
 * it with the session. Modules wrap this in a typed accessor (ws_info_of, ...). */
void *session_part(struct session *s, enum proto p, void *(*create)(void),
                   void (*destroy)(void *));

/* Protocol p's part of s, or NULL if it has none (to read, and to change without making it). */
const void *session_part_get(const struct session *s, enum proto p);
void *session_part_find(struct session *s, enum proto p);

/* Is the event history being recorded? (Dissectors skip the work of events otherwise.) */
static inline bool session_recording(const struct session *s)
{
    return s && s->events;
}

/* Starts recording the event history (before the first event). */
void session_events_enable(struct session *s);

/* Adds an event; returns its index, or -1 if not recorded. The label is formatted text (pass
 * wire bytes only through escape first). */
int session_event(struct session *s, ts_us_t ts, int dir, enum proto source, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

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
/* The snap length cut n bytes off dir's stream: from now on the session's findings are
 * withheld (counted), since any may rest on bytes that were never captured. */
void session_truncated(struct session *s, int dir, uint64_t n);

bool session_has_finding(const struct session *s, enum finding_id id);

/* Was the new protocol spoken (so its frames can be counted and judged)? */
bool session_spoke(const struct session *s);

/* Worst severity found, or -1 if none. */
int session_worst(const struct session *s);

/* Copies the connection's counters into s->stats (roles as the flow has them now). */
void session_take_stats(struct session *s, const struct flow *f);

const char *transition_name(enum transition t);
const char *outcome_name(enum outcome o);
const char *dir_name(int dir);   /* "client", "server", "connection" */

#endif
