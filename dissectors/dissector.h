/* dissector: the contract between the stream dispatcher and a protocol dissector.
 *
 * A dissector is one static descriptor (like Suricata's app-layer parsers): a probe that
 * recognises the protocol from the first bytes of a stream, and handlers for the in-order bytes
 * of each direction, for gaps, for a direction's clean end and for the end of the connection.
 * One state object per protocol per connection serves both directions.
 *
 * data() returns how many of the n bytes it consumed. Bytes it did not consume are kept by the
 * dispatcher and presented again, with whatever arrived since, on the next call; a dissector
 * therefore only ever parses whole units (a head, a frame header) and never copies partial ones.
 * When the buffer reaches its cap without progress, the dispatcher drops it and calls gap().
 *
 * The hand-off: a dissector calls dissect_switch(dx, dir, proto) and returns the count of bytes
 * that were still its own; the rest of the same segment, and every later byte of that direction,
 * go to the new protocol. Bytes a dissector left unconsumed in the other direction (a client
 * that spoke before the server's 101) are re-presented to the new protocol. */
#ifndef UPSCOPE_DISSECTOR_H
#define UPSCOPE_DISSECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "http_head.h"
#include "packet.h"
#include "session.h"

/* enum proto comes from the module list (protocols.h). */

/* Output-side types a module's renderers write to (report_text.h, report_json.h,
 * detail_out.h); dissectors that render include those headers. */
struct text_out;
struct detail_out;
struct json_t;

/* Whether a session's bytes were readable: sent in clear, decrypted, or not. */
enum lock_state { LOCK_NONE, LOCK_OPEN, LOCK_CLOSED };

/* When a checklist row can be judged at all. */
enum check_need {
    NEED_REQUEST,                     /* a request was seen */
    NEED_UPGRADE,                     /* ... asking for an upgrade (not a CONNECT) */
    NEED_REQUEST_H1, NEED_REQUEST_H2, /* ... over HTTP/1.x; over HTTP/2 (RFC 8441) */
    NEED_REFUSAL,                     /* an HTTP/1.x response other than 101 */
    NEED_101,                         /* an HTTP/1.x 101 */
    NEED_ACCEPTED,                    /* a response that switched (101, or HTTP/2's 200) */
    NEED_RESPONSE_H2,                 /* an HTTP/2 response */
    NEED_SPOKEN,                      /* the new protocol was spoken */
};

/* A row of the UI's validation checklist: passed unless the session has the finding. */
struct check_row {
    enum finding_id id;
    enum check_need need;
    const char *label;
    /* lines under the row, if any (e.g. the Accept values received and computed) */
    void (*note)(struct detail_out *o, const struct session *s);
};

enum probe_result {
    PROBE_NO,            /* not this protocol */
    PROBE_MORE,          /* cannot tell yet: show me more bytes */
    PROBE_YES,
};

/* Per-connection handle the dispatcher gives dissectors (defined in dispatch.c). */
struct dissect;

struct dissector {
    const char *name;
    enum proto proto;
    /* Is this the start of a stream of the protocol? midstream: the capture missed the
     * connection's start. On PROBE_YES, *sender is the role that sent these bytes if the
     * bytes tell (a request: DIR_C2S), else left alone. NULL probe: only reached by a switch. */
    enum probe_result (*probe)(const uint8_t *p, size_t n, bool midstream, enum dir *sender);
    void *(*create)(struct dissect *dx);
    void (*destroy)(void *state);
    size_t (*data)(void *state, struct dissect *dx, enum dir dir, const uint8_t *p, size_t n,
                   ts_us_t ts);
    void (*gap)(void *state, struct dissect *dx, enum dir dir, uint64_t len, ts_us_t ts);
    void (*fin)(void *state, struct dissect *dx, enum dir dir, ts_us_t ts);
    void (*close)(void *state, struct dissect *dx, ts_us_t ts);
    /* Optional: the snap length cut dir's stream while p[0..n) waited for the rest of a unit
     * (a head): make what can be made of the part that was captured. A gap follows. */
    void (*cut)(void *state, struct dissect *dx, enum dir dir, const uint8_t *p, size_t n,
                ts_us_t ts);

    /* Its probe guesses from shapes (a run of WebSocket frames): it runs after the exact
     * signatures of the others. */
    bool probe_heuristic;

    /* A tunnel (HTTP CONNECT): its session is what rides inside when that is a session of
     * nothing else, so a layer it carries reports there what it knows of the connection
     * (dissect_tunnel_session: the TLS handshake of an HTTPS tunnel). */
    bool tunnel;

    /* ---- its part of a session, and how the outputs show it (all optional) ---- */
    const char *report_key;           /* the NDJSON key of its part ("websocket", "h2c") */
    /* the NDJSON object of its part (part is NULL-checked by the caller) */
    struct json_t *(*report_json)(const struct session *s, const void *part);
    /* lines of the text summary; spoke: the new protocol was spoken (frames to count) */
    void (*report_text)(const struct text_out *o, const struct session *s, const void *part,
                        bool spoke);
    /* lines of the UI detail's "Negotiated" section */
    void (*report_detail)(struct detail_out *o, const struct session *s, const void *part);
    /* checklist rows for sessions of its transition (TRANSITION_NONE: for every session),
     * ending with a row whose label is NULL */
    const struct check_row *checks;
    /* frames or records counted, for the session list */
    uint64_t (*volume)(const void *part);
    /* for a protocol that encrypts: could upscope see inside? (the session list's lock) */
    enum lock_state (*lock)(const void *part);

    /* the ids of other sessions its part holds (an HTTP/2 connection's WebSocket streams),
     * each replaced by map(ctx, id): --workers numbers sessions when they are reported */
    void (*map_session_ids)(void *part, uint64_t (*map)(void *ctx, uint64_t id), void *ctx);

    /* ---- the session's lifecycle (lifecycle.c; all optional) ---- */
    /* how the protocol itself ended the session ("close_handshake", ...; NULL: it did not
     * say) and by which side (*by, -1: neither) */
    const char *(*ended_by)(const struct session *s, const void *part, int *by);
    /* its figures: keys added to the NDJSON lifecycle object, text appended to the summary's
     * lifecycle line ("; ..."), lines of the UI detail's lifecycle section */
    void (*lifecycle_json)(struct json_t *life, const struct session *s, const void *part);
    void (*lifecycle_text)(const struct text_out *o, const struct session *s, const void *part);
    void (*lifecycle_detail)(struct detail_out *o, const struct session *s, const void *part);

    /* A session carried in a layer above this protocol begins or ends: add to it what this
     * layer knows (TLS: its handshake on the ladder; its version, suite, SNI, ALPN, whether it
     * was decrypted). Optional. */
    void (*carried_begin)(void *state, struct dissect *dx, struct session *s);
    void (*carried_end)(void *state, struct dissect *dx, struct session *s);

    /* ---- for protocols reached through an HTTP/1.1 upgrade (all optional) ---- */
    enum transition transition;       /* what reports call a switch to this protocol */
    /* Does this Upgrade token (e.g. "websocket", "TLS/1.2") name the protocol? */
    bool (*upgrade_token)(struct span token);
    /* Protocol-specific checks of the upgrade request, and of the response to it. */
    void (*upgrade_request)(struct session *s, const struct http_head *req);
    void (*upgrade_response)(struct session *s, const struct http_head *req,
                             const struct http_head *resp);
};

/* The registry (registry.c): one static table, indexed by enum proto. */
const struct dissector *dissector_get(enum proto p);
const char *proto_name(enum proto p);

/* The protocol an Upgrade token names, or PROTO_NONE. */
enum proto dissector_for_upgrade_token(struct span token);

/* Runs every probe over the first bytes of a stream, in table order. Returns the protocol that
 * said yes, PROTO_UNKNOWN if one still wants more bytes, PROTO_NONE if none matched. */
enum proto dissector_probe(const uint8_t *p, size_t n, bool midstream, enum dir *sender);

/* ---- what a dissector may ask of the dispatcher (implemented in dispatch.c) ---- */

/* From the byte after those this call consumes, dir's bytes go to protocol p. */
void dissect_switch(struct dissect *dx, enum dir dir, enum proto p);

/* The state of protocol p on this connection, created on first use (NULL if out of memory). */
void *dissect_state(struct dissect *dx, enum proto p);

/* Bytes of dir presented but not consumed so far (an incomplete unit at a FIN or close). */
size_t dissect_pending(const struct dissect *dx, enum dir dir);

/* True if dir's stream was picked up without its start (no SYN captured, or after a gap). */
bool dissect_midstream(const struct dissect *dx, enum dir dir);

/* Is the connection (or the layer) ending without having ended (a timeout, an eviction, the
 * end of the capture)? Meaningful while closing. */
bool dissect_incomplete(const struct dissect *dx);

/* The number of the packet being processed in the capture (1-based; 0 when none: at an idle
 * timeout), so that reports can point Wireshark at it. */
uint64_t dissect_frame(const struct dissect *dx);

/* One parsing step: consumes one unit (a head, a frame header, a stretch of payload) at p and
 * returns the bytes it used, or 0 when it needs more bytes. */
typedef size_t (*dissect_step_fn)(void *state, struct dissect *dx, enum dir dir,
                                  const uint8_t *p, size_t n, ts_us_t ts);

/* A dissector's data(): runs step over p[0..n) until the bytes are used up, a step needs more,
 * or a step hands dir to another protocol. Returns the bytes used. */
size_t dissect_steps(struct dissect *dx, enum dir dir, dissect_step_fn step, void *state,
                     const uint8_t *p, size_t n, ts_us_t ts);

/* ---- layers: protocols that carry protocols ---- */

/* A layer above dx carried by protocol carrier (its stream carrier_id, or 0): bytes fed to it
 * are probed and dissected like a TCP stream's; sessions begun in it know what carries them.
 * midstream: it starts without its beginning. NULL if memory runs out. The carrying dissector
 * owns it: it closes it (dissect_layer_close) when its own stream ends, and frees it. */
struct dissect *dissect_layer_new(struct dissect *dx, enum proto carrier, uint32_t carrier_id,
                                  bool midstream);

/* Its bytes start as protocol p (no probing: an HTTP/2 stream that agreed on a WebSocket). */
void dissect_layer_start(struct dissect *layer, enum proto p);

/* The carried bytes of direction dir, a hole in them, the direction's clean end. */
void dissect_layer_data(struct dissect *layer, enum dir dir, const uint8_t *p, size_t n,
                        ts_us_t ts);
void dissect_layer_gap(struct dissect *layer, enum dir dir, uint64_t len, ts_us_t ts);
void dissect_layer_fin(struct dissect *layer, enum dir dir, ts_us_t ts);

/* The carrying stream ended; the layer's sessions end (incomplete if the connection closed
 * before its own end). */
void dissect_layer_close(struct dissect *layer, ts_us_t ts);
void dissect_layer_free(struct dissect *layer);

/* The protocol the layer's direction dir turned out to speak (PROTO_UNKNOWN: not decided yet,
 * PROTO_NONE: nothing upscope reads), and the sessions begun in it so far. */
enum proto dissect_layer_proto(const struct dissect *layer, enum dir dir);
uint32_t dissect_layer_sessions(const struct dissect *layer);

/* dx's session; or, in a layer a tunnel carries (dissector.tunnel), with no session of its
 * own, the tunnel's: where connection-level facts of the layer go (TLS's SNI, ALPN, version). */
struct session *dissect_tunnel_session(struct dissect *dx);

/* The largest HTTP message head to inspect (--max-head, at most the buffer's cap). */
uint32_t dissect_head_limit(const struct dissect *dx);

/* A finding of the connection's: into the open session, or, when none is open, into a session
 * begun for it (outcome none), so that nothing found is dropped; the next session the
 * connection begins replaces it. */
void dissect_finding(struct dissect *dx, enum finding_id id, int dir, ts_us_t ts,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The run-wide context of protocol p's module (TLS: the key log), or NULL. */
void *dissect_module_ctx(const struct dissect *dx, enum proto p);

/* The protocol that carries dx's layer (PROTO_NONE: TCP itself). */
enum proto dissect_carrier(const struct dissect *dx);

/* Asks that the connection be reported even if no session begins on it (the TLS dissector
 * does when a key log was given and the connection could not be decrypted). */
void dissect_want_report(struct dissect *dx);

/* The flow this connection belongs to (addresses, ports, counters). Read only. */
const struct flow *dissect_flow(const struct dissect *dx);

/* The connection's open session, or NULL. Never keep the pointer across calls: a session
 * goes to the outputs when it ends. */
struct session *dissect_session(struct dissect *dx);

/* Starts a new session on this connection at ts (ending the open one first). */
struct session *dissect_session_begin(struct dissect *dx, ts_us_t ts);

/* Ends the open session at ts and hands it to the outputs. */
void dissect_session_end(struct dissect *dx, ts_us_t ts);

#endif
