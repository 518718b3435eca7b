/* reasm: per-direction TCP reassembly with a bounded out-of-order queue (see reasm.h). */
#include "reasm.h"

#include <stdlib.h>
#include <string.h>

/* Sequence-number order modulo 2^32 (RFC 9293 §3.4). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)

/* A hole larger than this, announced by an ACK, is not believed: half the sequence space
 * would make the comparison itself ambiguous, and a real capture loss that large is better
 * reported when the next segment arrives. */
#define ACK_GAP_MAX (1u << 30)

struct reasm_seg {
    struct reasm_seg *next;
    uint32_t seq;
    uint32_t len;
    ts_us_t ts;
    bool missing;        /* bytes known to exist but not captured: becomes a gap */
    uint8_t data[];
};

/* Ring of the last `len` delivered bytes, ending just before next_seq. */
struct reasm_hist {
    uint32_t size;
    uint32_t len;
    uint32_t head;       /* where the next byte goes */
    uint8_t buf[];
};

void reasm_ctx_init(struct reasm_ctx *ctx, const struct reasm_ops *ops,
                    uint32_t dir_queue_cap, uint64_t total_queue_cap, uint32_t history_size)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->ops = *ops;
    ctx->dir_queue_cap = dir_queue_cap;
    ctx->total_queue_cap = total_queue_cap;
    ctx->history_size = history_size;
}

/* ---- history of delivered bytes ---- */

static void hist_append(struct reasm_ctx *ctx, struct reasm_dir *d, const uint8_t *p, size_t n)
{
    if (ctx->history_size == 0)
        return;
    if (!d->hist) {
        d->hist = malloc(sizeof *d->hist + ctx->history_size);
        if (!d->hist)
            return;
        d->hist->size = ctx->history_size;
        d->hist->len = 0;
        d->hist->head = 0;
    }
    struct reasm_hist *h = d->hist;
    if (n > h->size) {
        p += n - h->size;
        n = h->size;
    }
    size_t first = h->size - h->head;
    if (first > n)
        first = n;
    memcpy(h->buf + h->head, p, first);
    memcpy(h->buf, p + first, n - first);
    h->head = (uint32_t)((h->head + n) % h->size);
    h->len = (uint32_t)(h->len + n > h->size ? h->size : h->len + n);
}

/* Old bytes [seq, seq+n) arrived again: do they match what was delivered, as far as the
 * history still remembers it? */
static bool hist_conflicts(const struct reasm_dir *d, uint32_t seq, const uint8_t *p, size_t n)
{
    const struct reasm_hist *h = d->hist;
    if (!h || h->len == 0 || n == 0)
        return false;
    uint32_t known_from = d->next_seq - h->len;
    if (SEQ_LT(seq, known_from)) {
        uint32_t skip = known_from - seq;
        if (skip >= n)
            return false;
        p += skip;
        n -= skip;
        seq = known_from;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t back = d->next_seq - (uint32_t)(seq + i); /* 1..len */
        if (back == 0 || back > h->len)
            break;
        uint32_t idx = (h->head + h->size - back) % h->size;
        if (h->buf[idx] != p[i])
            return true;
    }
    return false;
}

/* ---- delivery ---- */

static void check_fin(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir,
                      ts_us_t ts)
{
    if (d->fin_seen && d->state == REASM_OPEN && d->next_seq == d->fin_seq) {
        d->state = REASM_DONE;
        if (ctx->ops.on_fin)
            ctx->ops.on_fin(user, dir, ts);
    }
}

static void deliver_data(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir,
                         const uint8_t *p, uint32_t n, ts_us_t ts)
{
    if (n == 0)
        return;
    hist_append(ctx, d, p, n);
    d->next_seq += n;
    d->delivered += n;
    ctx->ops.on_data(user, dir, p, n, ts);
}

static void deliver_gap(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir,
                        uint32_t n, ts_us_t ts)
{
    if (n == 0)
        return;
    d->next_seq += n;
    d->gaps++;
    if (d->hist)
        d->hist->len = 0; /* the bytes before a hole no longer end at next_seq */
    ctx->stats.gaps++;
    ctx->stats.gap_bytes += n;
    if (ctx->ops.on_gap)
        ctx->ops.on_gap(user, dir, n, ts);
}

/* ---- the out-of-order queue ---- */

static void seg_free(struct reasm_ctx *ctx, struct reasm_dir *d, struct reasm_seg *s)
{
    if (!s->missing) {
        d->queued -= s->len;
        ctx->stats.queued_bytes -= s->len;
    }
    free(s);
}

/* Links a new segment for [seq, seq+len) before *link; data NULL means missing bytes. */
static struct reasm_seg **seg_link(struct reasm_ctx *ctx, struct reasm_dir *d,
                                   struct reasm_seg **link, uint32_t seq, const uint8_t *data,
                                   uint32_t len, ts_us_t ts)
{
    if (len == 0)
        return link;
    struct reasm_seg *s = malloc(sizeof *s + (data ? len : 0));
    if (!s)
        return link; /* the bytes become a hole when the queue drains past them */
    s->seq = seq;
    s->len = len;
    s->ts = ts;
    s->missing = data == NULL;
    if (data) {
        memcpy(s->data, data, len);
        d->queued += len;
        ctx->stats.queued_bytes += len;
        if (ctx->stats.queued_bytes > ctx->stats.queued_bytes_peak)
            ctx->stats.queued_bytes_peak = ctx->stats.queued_bytes;
    }
    s->next = *link;
    *link = s;
    return &s->next;
}

/* Queues the part [from, to) (offsets from seq) of a new segment whose first caplen bytes were
 * captured: up to two pieces, captured then missing. */
static struct reasm_seg **queue_range(struct reasm_ctx *ctx, struct reasm_dir *d,
                                      struct reasm_seg **link, uint32_t seq, const uint8_t *data,
                                      uint32_t caplen, uint32_t from, uint32_t to, ts_us_t ts)
{
    uint32_t cap_end = to < caplen ? to : caplen;
    if (from < cap_end) {
        link = seg_link(ctx, d, link, seq + from, data + from, cap_end - from, ts);
        from = cap_end;
    }
    return seg_link(ctx, d, link, seq + from, NULL, to - from, ts);
}

/* Inserts [seq, seq+len) into the queue, filling only the holes between queued segments (first
 * seen wins) and comparing the covered parts. Returns true if any new byte was queued. */
static bool queue_insert(struct reasm_ctx *ctx, struct reasm_dir *d, uint32_t seq,
                         const uint8_t *data, uint32_t caplen, uint32_t len, ts_us_t ts)
{
    struct reasm_seg **link = &d->ooo;
    uint32_t cur = 0; /* offset in the new segment up to which it is placed */
    bool added = false;
    while (cur < len) {
        struct reasm_seg *s = *link;
        uint32_t at = seq + cur;
        if (s && SEQ_LEQ(s->seq + s->len, at)) { /* s lies wholly before what is left */
            link = &s->next;
            continue;
        }
        if (!s || SEQ_LEQ(seq + len, s->seq)) { /* nothing queued over the rest */
            queue_range(ctx, d, link, seq, data, caplen, cur, len, ts);
            return true;
        }
        if (SEQ_LT(at, s->seq)) { /* a hole before s */
            uint32_t hole_end = s->seq - seq;
            link = queue_range(ctx, d, link, seq, data, caplen, cur, hole_end, ts);
            cur = hole_end;
            added = true;
            continue;
        }
        /* s covers [at, ...): compare what both sides captured */
        uint32_t over_end = SEQ_LT(s->seq + s->len, seq + len) ? s->seq + s->len - seq : len;
        if (!s->missing && cur < caplen) {
            uint32_t cmp_end = over_end < caplen ? over_end : caplen;
            if (memcmp(s->data + (at - s->seq), data + cur, cmp_end - cur) != 0) {
                ctx->stats.conflicts++;
                d->conflicts++;
            }
        }
        cur = over_end;
        link = &s->next;
    }
    return added;
}

/* Delivers queued segments while the first one starts at next_seq. */
static void drain(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir)
{
    while (d->ooo && SEQ_LEQ(d->ooo->seq, d->next_seq)) {
        struct reasm_seg *s = d->ooo;
        d->ooo = s->next;
        uint32_t skip = d->next_seq - s->seq; /* 0 unless a gap jumped over part of it */
        if (skip < s->len) {
            if (s->missing)
                deliver_gap(ctx, d, user, dir, s->len - skip, s->ts);
            else
                deliver_data(ctx, d, user, dir, s->data + skip, s->len - skip, s->ts);
        }
        ts_us_t ts = s->ts;
        seg_free(ctx, d, s);
        check_fin(ctx, d, user, dir, ts);
    }
}

/* A full queue stops waiting for its hole: declare it a gap and deliver what follows. */
static void enforce_caps(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir)
{
    while (d->ooo && (d->queued > ctx->dir_queue_cap ||
                      ctx->stats.queued_bytes > ctx->total_queue_cap)) {
        ctx->stats.queue_limit_hits++;
        deliver_gap(ctx, d, user, dir, d->ooo->seq - d->next_seq, d->ooo->ts);
        drain(ctx, d, user, dir);
    }
}

/* ---- public entry points ---- */

void reasm_syn(struct reasm_ctx *ctx, struct reasm_dir *d, uint32_t seq)
{
    (void)ctx;
    if (d->state != REASM_NONE)
        return; /* a retransmitted SYN, or one after data: the first sync stands */
    d->isn = seq;
    d->next_seq = seq + 1;
    d->syn_seen = true;
    d->state = REASM_OPEN;
}

/* Old bytes came again: count, and compare with the history. */
static void note_retransmission(struct reasm_ctx *ctx, struct reasm_dir *d, uint32_t seq,
                                const uint8_t *data, uint32_t caplen)
{
    ctx->stats.retransmissions++;
    if (hist_conflicts(d, seq, data, caplen)) {
        ctx->stats.conflicts++;
        d->conflicts++;
    }
}

void reasm_push(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, uint32_t seq,
                const uint8_t *data, uint32_t caplen, uint32_t len, ts_us_t ts)
{
    if (len == 0)
        return;
    ctx->stats.segments++;
    if (d->state == REASM_NONE) { /* mid-stream pickup: the stream starts here */
        d->isn = seq - 1;
        d->next_seq = seq;
        d->midstream = true;
        d->state = REASM_OPEN;
    }
    if (d->state == REASM_DONE)
        return;
    if (caplen > len)
        caplen = len;
    uint32_t n = d->next_seq;
    if (len == 1 && seq == n - 1) {
        /* a keep-alive probe: one old byte, often garbage, by design (RFC 9293 §3.8.4) */
        ctx->stats.keepalives++;
        return;
    }
    if (SEQ_LEQ(seq + len, n)) {
        note_retransmission(ctx, d, seq, data, caplen);
        return;
    }
    if (SEQ_LT(seq, n)) { /* starts with old bytes: keep the new tail */
        uint32_t skip = n - seq;
        note_retransmission(ctx, d, seq, data, caplen < skip ? caplen : skip);
        seq = n;
        len -= skip;
        data += skip;
        caplen = caplen > skip ? caplen - skip : 0;
    }
    if (d->fin_seen && SEQ_GT(seq + len, d->fin_seq)) { /* nothing exists beyond the FIN */
        if (SEQ_LEQ(d->fin_seq, seq))
            return;
        len = d->fin_seq - seq;
        if (caplen > len)
            caplen = len;
    }
    if (seq == n && !d->ooo) { /* the common case: in order, nothing waiting, no copy */
        deliver_data(ctx, d, user, dir, data, caplen, ts);
        deliver_gap(ctx, d, user, dir, len - caplen, ts);
        check_fin(ctx, d, user, dir, ts);
        return;
    }
    if (seq != n)
        ctx->stats.out_of_order++;
    if (!queue_insert(ctx, d, seq, data, caplen, len, ts))
        ctx->stats.retransmissions++;
    drain(ctx, d, user, dir);
    enforce_caps(ctx, d, user, dir);
}

void reasm_fin(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, uint32_t fin_seq,
               ts_us_t ts)
{
    if (d->state == REASM_NONE) { /* a bare FIN is all we saw of this direction */
        d->next_seq = fin_seq;
        d->midstream = true;
        d->state = REASM_OPEN;
    }
    if (!d->fin_seen) {
        d->fin_seen = true;
        d->fin_seq = fin_seq;
    }
    check_fin(ctx, d, user, dir, ts);
}

void reasm_ack(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, uint32_t ack,
               ts_us_t ts)
{
    if (d->state != REASM_OPEN)
        return;
    uint32_t limit = ack;
    if (d->fin_seen && SEQ_GT(limit, d->fin_seq))
        limit = d->fin_seq; /* the ACK of a FIN covers the FIN's own sequence number */
    if (SEQ_LEQ(limit, d->next_seq) || limit - d->next_seq > ACK_GAP_MAX)
        return;
    queue_insert(ctx, d, d->next_seq, NULL, 0, limit - d->next_seq, ts);
    drain(ctx, d, user, dir);
}

void reasm_flush(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, ts_us_t ts)
{
    if (d->state != REASM_OPEN)
        return;
    while (d->ooo) {
        deliver_gap(ctx, d, user, dir, d->ooo->seq - d->next_seq, d->ooo->ts);
        drain(ctx, d, user, dir);
    }
    if (d->state == REASM_OPEN && d->fin_seen && SEQ_LT(d->next_seq, d->fin_seq)) {
        deliver_gap(ctx, d, user, dir, d->fin_seq - d->next_seq, ts);
        check_fin(ctx, d, user, dir, ts);
    }
    d->state = REASM_DONE;
}

void reasm_dir_release(struct reasm_ctx *ctx, struct reasm_dir *d)
{
    while (d->ooo) {
        struct reasm_seg *s = d->ooo;
        d->ooo = s->next;
        seg_free(ctx, d, s);
    }
    free(d->hist);
    d->hist = NULL;
}
