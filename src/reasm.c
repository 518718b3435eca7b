/* reasm: per-direction TCP reassembly with a bounded out-of-order tree (see reasm.h). */
#include "reasm.h"

#include <stdlib.h>
#include <string.h>

/* Sequence-number order modulo 2^32 (RFC 9293 §3.4). */
#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

/* A hole larger than this, announced by an ACK, is not believed: half the sequence space
 * would make the comparison itself ambiguous, and a real capture loss that large is better
 * reported when the next segment arrives. */
#define ACK_GAP_MAX (1u << 30)

/* Segments starting further than this past next_seq are dropped: it keeps every queued
 * sequence number within half the sequence space of the others, so SEQ_LT orders the tree
 * consistently. No TCP window is that large (RFC 7323 §2.3: at most 2^30). */
#define AHEAD_MAX (1u << 30)

#define SEC_US 1000000u

/* An out-of-order segment: a node of an AVL tree ordered by seq. Segments never overlap. */
struct reasm_seg {
    struct reasm_seg *left, *right;
    uint32_t seq;
    uint32_t len;
    ts_us_t ts;
    uint8_t height;
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

void reasm_limits_defaults(struct reasm_limits *lim)
{
    lim->dir_bytes = 1u << 20;
    lim->dir_segments = 4096;
    lim->total_bytes = 64ull << 20;
    lim->history = 256;
    lim->reorder_packets = 64;
    lim->reorder_time = SEC_US;
}

void reasm_ctx_init(struct reasm_ctx *ctx, const struct reasm_ops *ops,
                    const struct reasm_limits *lim)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->ops = *ops;
    ctx->lim = *lim;
}

/* ---- the tree ---- */

static int height(const struct reasm_seg *n)
{
    return n ? n->height : 0;
}

static void fix_height(struct reasm_seg *n)
{
    int l = height(n->left), r = height(n->right);
    n->height = (uint8_t)((l > r ? l : r) + 1);
}

static struct reasm_seg *rotate_right(struct reasm_seg *n)
{
    struct reasm_seg *l = n->left;
    n->left = l->right;
    l->right = n;
    fix_height(n);
    fix_height(l);
    return l;
}

static struct reasm_seg *rotate_left(struct reasm_seg *n)
{
    struct reasm_seg *r = n->right;
    n->right = r->left;
    r->left = n;
    fix_height(n);
    fix_height(r);
    return r;
}

static struct reasm_seg *rebalance(struct reasm_seg *n)
{
    fix_height(n);
    int balance = height(n->left) - height(n->right);
    if (balance > 1) {
        if (height(n->left->left) < height(n->left->right))
            n->left = rotate_left(n->left);
        return rotate_right(n);
    }
    if (balance < -1) {
        if (height(n->right->right) < height(n->right->left))
            n->right = rotate_right(n->right);
        return rotate_left(n);
    }
    return n;
}

/* Depth is at most 1.44 log2(segments): recursion is bounded by the segment cap. */
static struct reasm_seg *tree_insert(struct reasm_seg *root, struct reasm_seg *s)
{
    if (!root) {
        s->left = s->right = NULL;
        s->height = 1;
        return s;
    }
    if (SEQ_LT(s->seq, root->seq))
        root->left = tree_insert(root->left, s);
    else
        root->right = tree_insert(root->right, s);
    return rebalance(root);
}

static struct reasm_seg *tree_pop_min(struct reasm_seg *root, struct reasm_seg **min)
{
    if (!root->left) {
        *min = root;
        return root->right;
    }
    root->left = tree_pop_min(root->left, min);
    return rebalance(root);
}

static struct reasm_seg *tree_min(struct reasm_seg *n)
{
    while (n && n->left)
        n = n->left;
    return n;
}

/* The last segment starting at or before seq. */
static struct reasm_seg *tree_floor(struct reasm_seg *n, uint32_t seq)
{
    struct reasm_seg *best = NULL;
    while (n) {
        if (SEQ_LEQ(n->seq, seq)) {
            best = n;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return best;
}

/* The first segment starting after seq. */
static struct reasm_seg *tree_after(struct reasm_seg *n, uint32_t seq)
{
    struct reasm_seg *best = NULL;
    while (n) {
        if (SEQ_GT(n->seq, seq)) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

/* ---- history of delivered bytes ---- */

static void hist_append(struct reasm_ctx *ctx, struct reasm_dir *d, const uint8_t *p, size_t n)
{
    if (ctx->lim.history == 0)
        return;
    if (!d->hist) {
        d->hist = malloc(sizeof *d->hist + ctx->lim.history);
        if (!d->hist)
            return;
        d->hist->size = ctx->lim.history;
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
    d->last_gap_start = d->next_seq;
    d->last_gap_end = d->next_seq + n;
    d->next_seq += n;
    if (d->cutting)
        d->cut_bytes += n;  /* not a hole in the stream: the capture kept only a prefix */
    else
        d->gaps++;
    if (d->hist)
        d->hist->len = 0; /* the bytes before a hole no longer end at next_seq */
    ctx->stats.gaps++;
    ctx->stats.gap_bytes += n;
    if (ctx->ops.on_gap)
        ctx->ops.on_gap(user, dir, n, ts);
}

/* ---- the out-of-order queue ---- */

static uint32_t seg_cost(const struct reasm_seg *s)
{
    return (uint32_t)sizeof *s + (s->missing ? 0 : s->len);
}

static void seg_free(struct reasm_ctx *ctx, struct reasm_dir *d, struct reasm_seg *s)
{
    uint32_t cost = seg_cost(s);
    d->queued -= cost;
    d->queued_segments--;
    ctx->stats.queued_bytes -= cost;
    ctx->stats.queued_segments--;
    free(s);
}

/* Queues [seq, seq+len); data NULL means missing bytes. */
static void seg_add(struct reasm_ctx *ctx, struct reasm_dir *d, uint32_t seq,
                    const uint8_t *data, uint32_t len, ts_us_t ts)
{
    if (len == 0)
        return;
    struct reasm_seg *s = malloc(sizeof *s + (data ? len : 0));
    if (!s)
        return; /* the bytes become a hole when the queue drains past them */
    s->seq = seq;
    s->len = len;
    s->ts = ts;
    s->missing = data == NULL;
    if (data)
        memcpy(s->data, data, len);
    uint32_t cost = seg_cost(s);
    d->queued += cost;
    d->queued_segments++;
    struct reasm_stats *st = &ctx->stats;
    st->queued_bytes += cost;
    st->queued_segments++;
    if (st->queued_bytes > st->queued_bytes_peak)
        st->queued_bytes_peak = st->queued_bytes;
    if (st->queued_segments > st->queued_segments_peak)
        st->queued_segments_peak = st->queued_segments;
    d->ooo = tree_insert(d->ooo, s);
}

/* Queues the part [from, to) (offsets from seq) of a new segment whose first caplen bytes were
 * captured: up to two pieces, captured then missing. */
static void queue_range(struct reasm_ctx *ctx, struct reasm_dir *d, uint32_t seq,
                        const uint8_t *data, uint32_t caplen, uint32_t from, uint32_t to,
                        ts_us_t ts)
{
    uint32_t cap_end = to < caplen ? to : caplen;
    if (from < cap_end) {
        seg_add(ctx, d, seq + from, data + from, cap_end - from, ts);
        from = cap_end;
    }
    seg_add(ctx, d, seq + from, NULL, to - from, ts);
}

/* Part of a new segment lies over queued segment s, up to offset over_end: compare what both
 * captured. */
static void compare_overlap(struct reasm_ctx *ctx, struct reasm_dir *d,
                            const struct reasm_seg *s, uint32_t at, const uint8_t *data,
                            uint32_t cur, uint32_t caplen, uint32_t over_end)
{
    if (s->missing || cur >= caplen)
        return;
    uint32_t cmp_end = over_end < caplen ? over_end : caplen;
    if (memcmp(s->data + (at - s->seq), data + cur, cmp_end - cur) != 0) {
        ctx->stats.conflicts++;
        d->conflicts++;
    }
}

/* Inserts [seq, seq+len) into the queue, filling only the holes between queued segments (first
 * seen wins) and comparing the covered parts. Returns true if any new byte was queued. */
static bool queue_insert(struct reasm_ctx *ctx, struct reasm_dir *d, uint32_t seq,
                         const uint8_t *data, uint32_t caplen, uint32_t len, ts_us_t ts)
{
    uint32_t cur = 0; /* offset in the new segment up to which it is placed */
    bool added = false;
    while (cur < len) {
        uint32_t at = seq + cur;
        struct reasm_seg *s = tree_floor(d->ooo, at);
        if (s && SEQ_GT(s->seq + s->len, at)) { /* s covers at */
            uint32_t over_end = SEQ_LT(s->seq + s->len, seq + len) ? s->seq + s->len - seq
                                                                    : len;
            compare_overlap(ctx, d, s, at, data, cur, caplen, over_end);
            cur = over_end;
            continue;
        }
        struct reasm_seg *next = tree_after(d->ooo, at);
        uint32_t to = next && SEQ_LT(next->seq, seq + len) ? next->seq - seq : len;
        queue_range(ctx, d, seq, data, caplen, cur, to, ts);
        added = true;
        cur = to;
    }
    return added;
}

static void hole_done(struct reasm_ctx *ctx, struct reasm_dir *d, bool filled)
{
    if (!d->hole_held)
        return;
    d->hole_held = false;
    if (filled)
        ctx->stats.reorder_filled++;
    else
        ctx->stats.reorder_expired++;
}

/* Delivers queued segments while the first one starts at next_seq. */
static void drain(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir)
{
    struct reasm_seg *s;
    while ((s = tree_min(d->ooo)) && SEQ_LEQ(s->seq, d->next_seq)) {
        d->ooo = tree_pop_min(d->ooo, &s);
        uint32_t skip = d->next_seq - s->seq; /* 0 unless a gap jumped over part of it */
        if (skip < s->len) {
            if (s->missing) {
                d->cutting = true;  /* queued missing bytes are the snap length's */
                deliver_gap(ctx, d, user, dir, s->len - skip, s->ts);
                d->cutting = false;
            }
            else
                deliver_data(ctx, d, user, dir, s->data + skip, s->len - skip, s->ts);
        }
        ts_us_t ts = s->ts;
        seg_free(ctx, d, s);
        check_fin(ctx, d, user, dir, ts);
    }
    if (d->hole_held && SEQ_GEQ(d->next_seq, d->hole_upto))
        hole_done(ctx, d, true);
}

/* Stops waiting for the hole at next_seq: it becomes a gap, and what follows is delivered. */
static void declare_first_hole(struct reasm_ctx *ctx, struct reasm_dir *d, void *user,
                               int dir, uint32_t upto, ts_us_t ts)
{
    struct reasm_seg *first = tree_min(d->ooo);
    uint32_t to = first && SEQ_LT(first->seq, upto) ? first->seq : upto;
    deliver_gap(ctx, d, user, dir, to - d->next_seq, first ? first->ts : ts);
    check_fin(ctx, d, user, dir, ts);
    drain(ctx, d, user, dir);
}

static bool over_caps(const struct reasm_ctx *ctx, const struct reasm_dir *d)
{
    return d->queued > ctx->lim.dir_bytes || d->queued_segments > ctx->lim.dir_segments ||
           ctx->stats.queued_bytes > ctx->lim.total_bytes;
}

/* A full queue stops waiting for its hole: declare it a gap and deliver what follows. */
static void enforce_caps(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir)
{
    while (d->ooo && d->state == REASM_OPEN && over_caps(ctx, d)) {
        ctx->stats.queue_limit_hits++;
        struct reasm_seg *first = tree_min(d->ooo);
        declare_first_hole(ctx, d, user, dir, first->seq, first->ts);
    }
}

/* The acknowledged hole waited long enough: every hole up to what the peer acknowledged is a
 * gap now. */
static void expire_hole(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir,
                        ts_us_t ts)
{
    uint32_t upto = d->hole_upto;
    hole_done(ctx, d, false);
    while (d->state == REASM_OPEN && SEQ_LT(d->next_seq, upto))
        declare_first_hole(ctx, d, user, dir, upto, ts);
}

/* One more packet of the connection: has an acknowledged hole waited long enough? */
static void hole_tick(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir,
                      ts_us_t ts)
{
    if (!d->hole_held)
        return;
    if (d->next_seq != d->hole_from) {
        /* part of the hole came: a capture point lagging steadily behind the ACKs (a
         * buffering mirror port) fills it while new ACKs extend it; wait afresh for the rest */
        d->hole_from = d->next_seq;
        d->hole_since = ts;
        d->hole_packets = 0;
        return;
    }
    d->hole_packets++;
    if (d->hole_packets > ctx->lim.reorder_packets || ts >= d->hole_since + ctx->lim.reorder_time)
        expire_hole(ctx, d, user, dir, ts);
}

/* ---- public entry points ---- */

void reasm_syn(struct reasm_ctx *ctx, struct reasm_dir *d, uint32_t seq)
{
    (void)ctx;
    if (d->state != REASM_NONE)
        return; /* a retransmitted SYN, or one after data: the first sync stands */
    d->isn = seq;
    d->next_seq = d->high_seq = seq + 1;
    d->syn_seen = true;
    d->state = REASM_OPEN;
}

/* Old bytes came again: late ones for a declared gap, or a retransmission (compared). */
static void note_old_bytes(struct reasm_ctx *ctx, struct reasm_dir *d, uint32_t seq,
                           const uint8_t *data, uint32_t caplen, uint32_t len)
{
    uint32_t end = seq + len;
    if (d->last_gap_start != d->last_gap_end && SEQ_LT(seq, d->last_gap_end) &&
        SEQ_GT(end, d->last_gap_start)) {
        uint32_t from = SEQ_GT(seq, d->last_gap_start) ? seq : d->last_gap_start;
        uint32_t to = SEQ_LT(end, d->last_gap_end) ? end : d->last_gap_end;
        ctx->stats.late_segments++;
        ctx->stats.late_bytes += to - from;
        d->late++;
        return;
    }
    ctx->stats.retransmissions++;
    if (hist_conflicts(d, seq, data, caplen)) {
        ctx->stats.conflicts++;
        d->conflicts++;
    }
}

/* Data beyond a FIN not yet reached: one of the two is false, and the FIN costs less to
 * disbelieve (bytes are first-seen-wins; a spoofed FIN must not cut the stream). */
static void discredit_fin(struct reasm_ctx *ctx, struct reasm_dir *d)
{
    d->fin_seen = false;
    ctx->stats.fins_discredited++;
}

void reasm_push(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, uint32_t seq,
                const uint8_t *data, uint32_t caplen, uint32_t len, ts_us_t ts)
{
    if (len == 0)
        return;
    ctx->stats.segments++;
    if (d->state == REASM_NONE) { /* mid-stream pickup: the stream starts here */
        d->isn = seq - 1;
        d->next_seq = d->high_seq = seq;
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
    if (SEQ_GT(seq, n) && seq - n > AHEAD_MAX) {
        ctx->stats.too_far_ahead++;
        return;
    }
    hole_tick(ctx, d, user, dir, ts);
    n = d->next_seq;
    if (d->state != REASM_OPEN)
        return;
    if (SEQ_LEQ(seq + len, n)) {
        note_old_bytes(ctx, d, seq, data, caplen, len);
        return;
    }
    if (SEQ_LT(seq, n)) { /* starts with old bytes: keep the new tail */
        uint32_t skip = n - seq;
        note_old_bytes(ctx, d, seq, data, caplen < skip ? caplen : skip, skip);
        seq = n;
        len -= skip;
        data += skip;
        caplen = caplen > skip ? caplen - skip : 0;
    }
    if (SEQ_GT(seq + len, d->high_seq))
        d->high_seq = seq + len;
    if (d->fin_seen && SEQ_GT(seq + len, d->fin_seq))
        discredit_fin(ctx, d);
    if (seq == n && !d->ooo) { /* the common case: in order, nothing waiting, no copy */
        deliver_data(ctx, d, user, dir, data, caplen, ts);
        d->cutting = true;
        deliver_gap(ctx, d, user, dir, len - caplen, ts);
        d->cutting = false;
        if (d->hole_held && SEQ_GEQ(d->next_seq, d->hole_upto))
            hole_done(ctx, d, true);
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
        d->next_seq = d->high_seq = fin_seq;
        d->midstream = true;
        d->state = REASM_OPEN;
    }
    if (d->state != REASM_OPEN || d->fin_seen)
        return; /* the first FIN stands until data proves it wrong */
    if (SEQ_LT(fin_seq, d->next_seq) || SEQ_LT(fin_seq, d->high_seq)) {
        discredit_fin(ctx, d); /* bytes beyond it were already seen */
        return;
    }
    d->fin_seen = true;
    d->fin_seq = fin_seq;
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
    if (!SEQ_LEQ(limit, d->next_seq) && limit - d->next_seq <= ACK_GAP_MAX) {
        if (!d->hole_held) {
            d->hole_held = true;
            d->hole_upto = limit;
            d->hole_since = ts;
            d->hole_packets = 0;
            d->hole_from = d->next_seq;
            ctx->stats.reorder_waits++;
            if (ctx->lim.reorder_packets == 0 || ctx->lim.reorder_time == 0)
                expire_hole(ctx, d, user, dir, ts); /* no window: a gap at once */
            return; /* the window counts the packets after this one */
        } else if (SEQ_GT(limit, d->hole_upto)) {
            d->hole_upto = limit;
        }
    }
    if (d->hole_held && d->fin_seen && SEQ_GT(ack, d->fin_seq)) {
        /* the peer has everything up to the FIN: nothing more is coming to wait for */
        expire_hole(ctx, d, user, dir, ts);
        return;
    }
    hole_tick(ctx, d, user, dir, ts);
}

bool reasm_seq_plausible(const struct reasm_dir *d, uint32_t seq, uint32_t window)
{
    if (d->state == REASM_NONE)
        return true;
    uint32_t top = SEQ_GT(d->high_seq, d->next_seq) ? d->high_seq : d->next_seq;
    return SEQ_GEQ(seq, d->next_seq - 1) && SEQ_LEQ(seq, top + window);
}

void reasm_flush(struct reasm_ctx *ctx, struct reasm_dir *d, void *user, int dir, ts_us_t ts)
{
    if (d->state != REASM_OPEN)
        return;
    while (d->ooo && d->state == REASM_OPEN) {
        struct reasm_seg *first = tree_min(d->ooo);
        declare_first_hole(ctx, d, user, dir, first->seq, ts);
    }
    if (d->state == REASM_OPEN && d->fin_seen && SEQ_LT(d->next_seq, d->fin_seq)) {
        deliver_gap(ctx, d, user, dir, d->fin_seq - d->next_seq, ts);
        check_fin(ctx, d, user, dir, ts);
    }
    hole_done(ctx, d, false);
    d->state = REASM_DONE;
}

static void tree_free(struct reasm_ctx *ctx, struct reasm_dir *d, struct reasm_seg *n)
{
    if (!n)
        return;
    tree_free(ctx, d, n->left);
    tree_free(ctx, d, n->right);
    seg_free(ctx, d, n);
}

void reasm_dir_release(struct reasm_ctx *ctx, struct reasm_dir *d)
{
    tree_free(ctx, d, d->ooo);
    d->ooo = NULL;
    free(d->hist);
    d->hist = NULL;
}
