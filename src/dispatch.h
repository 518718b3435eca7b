/* dispatch: hands each direction's bytes to the dissector that owns them.
 *
 * Owns struct dissect, the dissection state of one layer of a connection: for each role
 * direction the protocol now receiving its bytes and the bytes it has not consumed yet (bounded
 * by buffer_cap), plus one state object per protocol and the layer's open session. The first
 * bytes of a stream are probed against the registry; at the bottom layer the probe may also
 * correct client/server roles that were only guessed. Protocol hand-offs (dissect_switch,
 * dissector.h) happen at exact byte positions.
 *
 * Layers: the bottom layer gets TCP's reassembled bytes. A dissector that carries other
 * protocols (TLS carries its plaintext; an HTTP/2 stream carries a WebSocket) opens a layer
 * above itself (dissect_layer_new, dissector.h) and feeds it the bytes it produces, exactly as
 * TCP feeds the bottom one; sessions begun in a layer know the chain that carries them. */
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
    uint64_t layers;                  /* layers opened above connections (TLS, streams) */
};

struct dispatch_ctx {
    uint32_t buffer_cap;              /* max unconsumed bytes kept per direction */
    uint32_t probe_limit;             /* bytes a stream may show before probing gives up */
    uint32_t head_limit;              /* the largest message head inspected (--max-head) */
    void *app;                        /* passed to the callbacks below */
    /* Where sessions go when they end (it owns them from then on), and their numbering. */
    void (*on_session)(void *app, struct dissect *dx, struct session *s);
    void (*on_session_begin)(void *app, struct dissect *dx, struct session *s);
    uint64_t (*next_session_id)(void *app);
    bool record_events;               /* sessions keep their event history (for the UI) */
    uint64_t frame;                   /* the packet being processed (its number in the capture) */
    const char *source;               /* the capture file or interface, for the reports */
    void *module_ctx[PROTO_COUNT];    /* each protocol module's run-wide context (TLS: the key
                                       * log), or NULL */
    struct dispatch_stats stats;
};

struct dissect_side {
    uint8_t proto;                    /* enum proto receiving this direction's bytes */
    bool kick;                        /* buffered bytes await a new protocol */
    bool resync;                      /* a gap hit while still probing */
    uint8_t probes;                   /* mid-stream probe attempts made */
    bool waiting;                     /* matched no probe: kept until the other side speaks */
    uint8_t *buf;                     /* unconsumed bytes */
    uint32_t len, cap;
    uint32_t layer_gaps;              /* above the bottom: holes the carrier left (a TLS
                                       * record that did not open) */
};

struct dissect {
    struct dispatch_ctx *ctx;
    struct flow *flow;                /* the TCP connection at the bottom */
    struct dissect *parent;           /* the layer below (NULL: the bottom, on TCP) */
    uint8_t carrier;                  /* enum proto of the parent's dissector carrying this
                                       * layer (PROTO_NONE at the bottom) */
    uint32_t carrier_id;              /* which of its streams (HTTP/2 stream id), or 0 */
    bool layer_midstream[2];          /* above the bottom: picked up without its start */
    struct dissect_side side[2];      /* by role direction */
    void *state[PROTO_COUNT];
    struct session *session;          /* the open session, if any */
    uint32_t sessions;                /* sessions started in this layer and those above it */
    int delivering;                   /* direction inside data(), or -1 */
    bool closed;
    bool incomplete;                  /* the connection had not ended when it was closed */
    bool cutting;                     /* a snaplen cut is being handed to a dissector */
    uint64_t cut_total[2];            /* bytes the snap length cut so far, by direction: a
                                       * session begun from cut heads is marked with them */
    bool report_wanted;               /* a dissector asks that the connection be reported
                                       * even if no session began (bottom layer) */
};

void dispatch_init(struct dispatch_ctx *ctx, uint32_t buffer_cap, uint32_t probe_limit,
                   void *app);

/* Sets up dx for flow f (no allocation). */
void dispatch_conn_init(struct dispatch_ctx *ctx, struct dissect *dx, struct flow *f);

/* Frees buffers and dissector states (after dispatch_close). */
void dispatch_conn_release(struct dissect *dx);

/* Reassembly events for the key endpoint `side` of dx->flow (the bottom layer). */
void dispatch_data(struct dissect *dx, int side, const uint8_t *p, size_t n, ts_us_t ts);
/* cut: the hole is bytes the snap length cut off, not a loss (see dissector.cut) */
void dispatch_gap(struct dissect *dx, int side, uint64_t len, ts_us_t ts, bool cut);
void dispatch_fin(struct dissect *dx, int side, ts_us_t ts);

/* The connection is over: every dissector finishes, then the open session ends. incomplete:
 * the connection itself had not ended (timeout, eviction, end of input). Safe to call twice. */
void dispatch_close(struct dissect *dx, ts_us_t ts, bool incomplete);


#endif
