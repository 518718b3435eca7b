/* reasm: TCP byte-stream reassembly, one direction at a time.
 *
 * A struct reasm_dir holds the state of one direction of one TCP connection: the next expected
 * sequence number, the out-of-order segments (a balanced tree keyed by sequence number, bounded
 * in segments and in bytes per direction and in bytes per context) and a short history of
 * delivered bytes used to notice retransmissions that carry different data. It turns segments,
 * in any order, into an in-order byte stream delivered through the callbacks of its
 * struct reasm_ctx:
 *   on_data(user, dir, bytes, len, ts)   the next bytes of the stream, exactly once each
 *   on_gap(user, dir, len, ts)           len bytes are missing here (lost or never captured)
 *   on_fin(user, dir, ts)                the stream ended cleanly (every byte before FIN seen)
 * First-seen data wins: a later segment covering delivered or queued bytes never replaces them;
 * when its bytes differ from those still known, the overlap is counted as a conflict.
 *
 * A hole is declared a gap when a queue cap is reached, at the connection's end, or when the
 * peer acknowledged the missing bytes and they still did not come within the reorder window
 * (packets and capture time): capture points reorder packets, so an ACK alone proves nothing
 * yet. Bytes that arrive for a hole already declared are counted as late, never delivered twice.
 * A FIN is believed only until data shows up beyond it (a spoofed FIN cannot cut the stream).
 * Sequence numbers are compared modulo 2^32. The module knows nothing of flows or protocols:
 * `user` and `dir` are passed through untouched. */
#ifndef UPSCOPE_REASM_H
#define UPSCOPE_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

struct reasm_ops {
    void (*on_data)(void *user, int dir, const uint8_t *data, size_t len, ts_us_t ts);
    void (*on_gap)(void *user, int dir, uint64_t len, ts_us_t ts);
    void (*on_fin)(void *user, int dir, ts_us_t ts);
};

struct reasm_limits {
    uint32_t dir_bytes;         /* bytes held out of order per direction: data plus the
                                 * bookkeeping of each segment */
    uint32_t dir_segments;      /* segments held out of order per direction */
    uint64_t total_bytes;       /* bytes held in all directions of this context */
    uint32_t history;           /* delivered bytes remembered per direction (0: none) */
    uint32_t reorder_packets;   /* an acknowledged hole is waited for this many packets ... */
    ts_us_t reorder_time;       /* ... and this much capture time (0 and 0: not at all) */
};

struct reasm_stats {
    uint64_t segments;          /* segments with payload pushed */
    uint64_t out_of_order;      /* segments that arrived ahead of a hole */
    uint64_t retransmissions;   /* segments wholly or partly covering bytes already seen */
    uint64_t keepalives;        /* 1-byte probes just below next_seq: neither of the above */
    uint64_t conflicts;         /* overlaps whose bytes differ from the first-seen ones */
    uint64_t gaps;              /* holes delivered as gap events */
    uint64_t gap_bytes;
    uint64_t queue_limit_hits;  /* holes declared because a queue reached a cap */
    uint64_t queued_bytes;      /* bytes held out of order now (data and bookkeeping) */
    uint64_t queued_bytes_peak;
    uint64_t queued_segments;   /* segments held out of order now */
    uint64_t queued_segments_peak;
    uint64_t too_far_ahead;     /* segments starting implausibly far past next_seq: dropped */
    uint64_t reorder_waits;     /* acknowledged holes held open for reordering */
    uint64_t reorder_filled;    /* ... that the missing bytes then filled */
    uint64_t reorder_expired;   /* ... declared gaps after the reorder window */
    uint64_t late_segments;     /* segments carrying bytes of a hole already declared a gap */
    uint64_t late_bytes;
    uint64_t fins_discredited;  /* FINs with data seen beyond them, or before delivered data */
};

struct reasm_ctx {
    struct reasm_ops ops;
    struct reasm_limits lim;
    struct reasm_stats stats;
};

enum reasm_state {
    REASM_NONE,       /* nothing seen yet */
    REASM_OPEN,       /* synchronised: next_seq is meaningful */
    REASM_DONE,       /* every byte up to the FIN delivered, or flushed */
};

struct reasm_seg;
struct reasm_hist;

struct reasm_dir {
    uint32_t isn;
    uint32_t next_seq;          /* sequence number of the next byte to deliver */
    uint32_t high_seq;          /* the end of the furthest segment seen */
    uint32_t fin_seq;           /* sequence number the FIN occupies (valid if fin_seen) */
    uint8_t state;              /* enum reasm_state */
    bool syn_seen : 1;
    bool fin_seen : 1;
    bool midstream : 1;         /* picked up without a SYN */
    bool hole_held : 1;         /* the peer acknowledged bytes not seen yet: waiting */
    uint32_t hole_upto;         /* ... up to here */
    uint32_t hole_packets;      /* packets since the wait began, or since bytes last came */
    uint32_t hole_from;         /* next_seq then: bytes coming into the hole restart it */
    ts_us_t hole_since;
    uint32_t last_gap_start, last_gap_end;  /* the latest hole declared a gap */
    uint32_t queued;            /* bytes held out of order (data and bookkeeping) */
    uint32_t queued_segments;
    struct reasm_seg *ooo;      /* out-of-order segments: a tree, non-overlapping */
    struct reasm_hist *hist;    /* last delivered bytes, allocated on first delivery */
    uint64_t delivered;         /* bytes delivered so far */
    uint32_t gaps;              /* gap events in this direction (snaplen cuts aside) */
    uint64_t cut_bytes;         /* bytes the snap length cut off (known, never captured) */
    bool cutting;               /* the gap being delivered is a snaplen cut */
    uint32_t conflicts;
    uint32_t late;              /* late segments in this direction */
};

/* The defaults (documented in the man page). */
void reasm_limits_defaults(struct reasm_limits *lim);

void reasm_ctx_init(struct reasm_ctx *ctx, const struct reasm_ops *ops,
                    const struct reasm_limits *lim);

/* A SYN (or SYN-ACK) with sequence number seq: the stream starts at seq + 1. */
void reasm_syn(struct reasm_ctx *ctx, struct reasm_dir *d, uint32_t seq);

/* A segment: `len` bytes start at `seq`, of which the first `caplen` were captured (the rest
 * were cut by the snap length and become a gap). */
void reasm_push(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, uint32_t seq,
                const uint8_t *data, uint32_t caplen, uint32_t len, ts_us_t ts);

/* A FIN occupying sequence number fin_seq (= segment seq + payload length). */
void reasm_fin(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, uint32_t fin_seq,
               ts_us_t ts);

/* The peer acknowledged everything before `ack`. Bytes before it never seen are waited for
 * within the reorder window, then delivered as a gap. Called for every ACK, it also counts the
 * packets of the window. */
void reasm_ack(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, uint32_t ack,
               ts_us_t ts);

/* Could a segment of this direction carry sequence number seq (for RST and FIN checks)? True
 * from next_seq - 1 up to window bytes past the furthest byte seen, or when the direction has
 * not been synchronised. */
bool reasm_seq_plausible(const struct reasm_dir *d, uint32_t seq, uint32_t window);

/* The connection is over (RST, timeout, end of input): deliver what is queued, with gaps for the
 * holes, and stop. */
void reasm_flush(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, ts_us_t ts);

/* Frees queued segments and history; *d can then be discarded or reused. */
void reasm_dir_release(struct reasm_ctx *ctx, struct reasm_dir *d);

#endif
