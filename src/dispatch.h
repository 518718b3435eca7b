/* dispatch: hands each direction's reassembled bytes to the dissector that owns them.
 *
 * Owns struct dissect, the per-connection dissection state: for each role direction the
 * protocol now receiving its bytes and the bytes it has not consumed yet (bounded by
 * buffer_cap), plus one state object per protocol. The first bytes of a stream are probed
 * against the registry; the probe may also correct client/server roles that were only guessed.
 * Protocol hand-offs (dissect_switch, dissector.h) happen at exact byte positions. */
#ifndef UPSCOPE_DISPATCH_H
#define UPSCOPE_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dissector.h"
#include "flow.h"

struct dispatch_stats {
    uint64_t connections;             /* connections that carried data */
    uint64_t role_corrections;        /* guessed roles turned round by a probe */
    uint64_t buffer_overflows;        /* unconsumed bytes dropped at buffer_cap */
    uint64_t buffer_bytes;            /* bytes allocated for buffers now */
    uint64_t gap_bytes[2];            /* stream bytes missing, by role direction */
    uint64_t sessions;                /* sessions started */
};

struct dispatch_ctx {
    uint32_t buffer_cap;              /* max unconsumed bytes kept per direction */
    uint32_t probe_limit;             /* bytes a stream may show before probing gives up */
    void *app;                        /* passed to the callbacks below */
    /* Where sessions go when they end (it owns them from then on), and their numbering. */
    void (*on_session)(void *app, struct dissect *dx, struct session *s);
    void (*on_session_begin)(void *app, struct dissect *dx, struct session *s);
    uint64_t (*next_session_id)(void *app);
    bool record_events;               /* sessions keep their event history (for the UI) */
    struct dispatch_stats stats;
};

struct dissect_side {
    uint8_t proto;                    /* enum proto receiving this direction's bytes */
    bool kick;                        /* buffered bytes await a new protocol */
    bool resync;                      /* a gap hit while still probing */
    uint8_t probes;                   /* mid-stream probe attempts made */
    uint8_t *buf;                     /* unconsumed bytes */
    uint32_t len, cap;
};

struct dissect {
    struct dispatch_ctx *ctx;
    struct flow *flow;
    struct dissect_side side[2];      /* by role direction */
    void *state[PROTO_COUNT];
    struct session *session;          /* the open session, if any */
    uint32_t sessions;                /* sessions started on this connection */
    int delivering;                   /* direction inside data(), or -1 */
    bool closed;
    bool incomplete;                  /* the connection had not ended when it was closed */
};

void dispatch_init(struct dispatch_ctx *ctx, uint32_t buffer_cap, uint32_t probe_limit,
                   void *app);

/* Sets up dx for flow f (no allocation). */
void dispatch_conn_init(struct dispatch_ctx *ctx, struct dissect *dx, struct flow *f);

/* Frees buffers and dissector states (after dispatch_close). */
void dispatch_conn_release(struct dissect *dx);

/* Reassembly events for the key endpoint `side` of dx->flow. */
void dispatch_data(struct dissect *dx, int side, const uint8_t *p, size_t n, ts_us_t ts);
void dispatch_gap(struct dissect *dx, int side, uint64_t len, ts_us_t ts);
void dispatch_fin(struct dissect *dx, int side, ts_us_t ts);

/* The connection is over: every dissector finishes, then the open session ends. incomplete:
 * the connection itself had not ended (timeout, eviction, end of input). Safe to call twice. */
void dispatch_close(struct dissect *dx, ts_us_t ts, bool incomplete);


#endif
