/* reasm: TCP byte-stream reassembly, one direction at a time.
 *
 * A struct reasm_dir holds the state of one direction of one TCP connection: the next expected
 * sequence number, the out-of-order queue (bounded in bytes per direction and in total per
 * context) and a short history of delivered bytes used to notice retransmissions that carry
 * different data. It turns segments, in any order, into an in-order byte stream delivered
 * through the callbacks of its struct reasm_ctx:
 *   on_data(user, dir, bytes, len, ts)   the next bytes of the stream, exactly once each
 *   on_gap(user, dir, len, ts)           len bytes are missing here (lost or never captured)
 *   on_fin(user, dir, ts)                the stream ended cleanly (every byte before FIN seen)
 * First-seen data wins: a later segment covering delivered or queued bytes never replaces them;
 * when its bytes differ from those still known, the overlap is counted as a conflict.
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

struct reasm_stats {
    uint64_t segments;          /* segments with payload pushed */
    uint64_t out_of_order;      /* segments that arrived ahead of a hole */
    uint64_t retransmissions;   /* segments wholly or partly covering bytes already seen */
    uint64_t keepalives;        /* 1-byte probes just below next_seq: neither of the above */
    uint64_t conflicts;         /* overlaps whose bytes differ from the first-seen ones */
    uint64_t gaps;              /* holes delivered as gap events */
    uint64_t gap_bytes;
    uint64_t queue_limit_hits;  /* holes declared because a queue reached its byte cap */
    uint64_t queued_bytes;      /* bytes held in out-of-order queues now */
    uint64_t queued_bytes_peak;
};

struct reasm_ctx {
    struct reasm_ops ops;
    uint32_t dir_queue_cap;     /* max bytes queued per direction */
    uint64_t total_queue_cap;   /* max bytes queued in all directions of this context */
    uint32_t history_size;      /* delivered bytes remembered per direction (0: none) */
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
    uint32_t fin_seq;           /* sequence number the FIN occupies (valid if fin_seen) */
    uint8_t state;              /* enum reasm_state */
    bool syn_seen : 1;
    bool fin_seen : 1;
    bool midstream : 1;         /* picked up without a SYN */
    uint32_t queued;            /* bytes in ooo */
    struct reasm_seg *ooo;      /* out-of-order segments, sorted, non-overlapping */
    struct reasm_hist *hist;    /* last delivered bytes, allocated on first delivery */
    uint64_t delivered;         /* bytes delivered so far */
    uint32_t gaps;              /* gap events in this direction */
    uint32_t conflicts;
};

void reasm_ctx_init(struct reasm_ctx *ctx, const struct reasm_ops *ops,
                    uint32_t dir_queue_cap, uint64_t total_queue_cap, uint32_t history_size);

/* A SYN (or SYN-ACK) with sequence number seq: the stream starts at seq + 1. */
void reasm_syn(struct reasm_ctx *ctx, struct reasm_dir *d, uint32_t seq);

/* A segment: `len` bytes start at `seq`, of which the first `caplen` were captured (the rest
 * were cut by the snap length and become a gap). */
void reasm_push(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, uint32_t seq,
                const uint8_t *data, uint32_t caplen, uint32_t len, ts_us_t ts);

/* A FIN occupying sequence number fin_seq (= segment seq + payload length). */
void reasm_fin(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, uint32_t fin_seq,
               ts_us_t ts);

/* The peer acknowledged everything before `ack`: bytes before it that were never seen will not
 * come (they were lost from the capture) and are delivered as a gap now. */
void reasm_ack(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, uint32_t ack,
               ts_us_t ts);

/* The connection is over (RST, timeout, end of input): deliver what is queued, with gaps for the
 * holes, and stop. */
void reasm_flush(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, ts_us_t ts);

/* Frees queued segments and history; *d can then be discarded or reused. */
void reasm_dir_release(struct reasm_ctx *ctx, struct reasm_dir *d);

#endif
