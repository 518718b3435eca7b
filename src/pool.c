/* pool: the reader, the worker threads and the merger (see pool.h). */
#include "pool.h"

#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "classify.h"
#include "dispatch.h"
#include "dissector.h"
#include "session.h"
#include "flow.h"

#define LANE_SLOTS 4096u          /* packets queued per worker at most ... */
#define LANE_BYTES (8u << 20)     /* ... and bytes of them (a frame is at most 256 KiB, plus a
                                   * reassembled datagram of at most 64 KiB) */
#define ID_PENDING (1ull << 63)   /* an id not numbered yet: a flow's holds the frame that created
                                   * it, a session's its worker and place in its begin log */
#define ID_LANE_SHIFT 40
#define MERGE_EVERY 16            /* items a worker does between merges, while sessions wait */

enum item_kind { ITEM_PACKET, ITEM_EXPIRE, ITEM_FINISH };

/* One unit of a worker's work. Items are ordered by key across all workers: the reader counts
 * its events (a TCP packet, for one worker; a clock tick, the same key in every worker) in the
 * order one worker would do them; UINT64_MAX is the end of input. */
struct item {
    _Atomic uint64_t key;      /* read by the merger, in any thread */
    uint8_t kind;
    uint64_t frame;            /* the frame, or the last one read before the clock or the end */
    ts_us_t now;               /* ITEM_EXPIRE */
    uint64_t bytes_end;        /* the lane's byte count once this item's bytes are released */
    struct packet pkt;         /* ITEM_PACKET: pointers into the lane's bytes and tun */
    struct tunnel_stack tun;
};

/* Where a session's begin or end falls in one worker's order: the item's key; in a clock item,
 * the flow being ended (sub, see flow_end_key; 0 in a packet item); then the worker, and a
 * count within that (key, sub). */
struct order {
    uint64_t key, sub;
    uint32_t lane, seq;
};

/* The frames that created a worker's flows, ascending: the flow ids of all workers are
 * counted from these. */
struct flow_log {
    pthread_mutex_t mu;
    uint64_t *v;
    size_t n, cap;
};

/* The sessions a worker began, in its order; numbered (given their ids) by the merger. */
struct begin_entry {
    struct order at;
    uint64_t id;
};
struct begin_log {
    pthread_mutex_t mu;
    struct begin_entry *v;
    size_t n, cap, numbered;
};

/* Sessions a worker ended, in its order, waiting for the merger. */
struct ended {
    struct order at;
    struct session *s;
};
struct ended_queue {
    pthread_mutex_t mu;
    struct ended *v;
    size_t head, n, cap;     /* a ring */
};

struct lane {
    alignas(64) _Atomic uint64_t head;  /* items queued (the reader) */
    alignas(64) _Atomic uint64_t tail;  /* items done (the worker) */
    _Atomic uint64_t bytes_done;        /* bytes released (the worker) */
    alignas(64) uint64_t bytes_head;    /* bytes taken (the reader) */
    uint64_t head_local;                /* = head, the reader's copy */
    struct pool *pool;
    unsigned index;
    uint64_t key;                       /* the item the worker is at ... */
    _Atomic uint64_t sub;               /* ... and, in a clock item, the flow it is ending:
                                         * 0 before the first (see flow_end_key) */
    uint8_t kind;                       /* the item's kind */
    uint64_t seq_key, seq_sub;          /* next_order's count runs within one (key, sub) */
    uint32_t seq;
    unsigned since_merge;               /* items done since the last merge */
    bool ready;                         /* its worker is set up */
    struct item *items;
    uint8_t *bytes;
    struct flow_log log;
    struct begin_log begins;
    struct ended_queue ended;
    struct worker w;
    pthread_t thread;
    bool running;
};

struct pool {
    unsigned n;
    struct lane *lanes;
    struct worker_sink sink;         /* the caller's */
    pthread_mutex_t mu;
    struct decoder dec;
    uint64_t seed;
    _Atomic uint64_t packets;        /* frames read */
    uint64_t bytes, frame;           /* wire bytes; the last frame read */
    uint64_t events;                 /* items' keys: packets and clock ticks, counted */
    _Atomic uint64_t events_queued;  /* = events, once that item is queued everywhere (the
                                      * merger's: no later item has a smaller key) */
    _Atomic uint64_t pending;        /* ended sessions waiting in the queues */
    struct worker totals;
    struct classify_stats ndpi;
};

/* ---- waiting: yield the CPU a few times (the other side is running and will be done soon),
 * then sleep, longer each time up to 1 ms: a spinning thread would take the core the others
 * need (more workers than cores), and a quiet live link must not cost a
 * busy core per worker. A ring holds 4,096 packets, many times what arrives in 1 ms. ---- */

#define SPIN_YIELDS 16
#define SLEEP_MIN_NS 10000
#define SLEEP_MAX_NS 1000000

static void backoff(unsigned *spins)
{
    if (++*spins <= SPIN_YIELDS) {
        sched_yield();
        return;
    }
    unsigned shift = *spins - SPIN_YIELDS - 1;
    long ns = shift >= 7 ? SLEEP_MAX_NS : (long)SLEEP_MIN_NS << shift;
    struct timespec ts = { 0, ns > SLEEP_MAX_NS ? SLEEP_MAX_NS : ns };
    nanosleep(&ts, NULL);
}

/* ---- the order of one worker's output ---- */

static int order_cmp(const struct order *a, const struct order *b)
{
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    if (a->sub != b->sub)
        return a->sub < b->sub ? -1 : 1;
    if (a->lane != b->lane)
        return a->lane < b->lane ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/* The place of a flow the clock ends among all workers' ends in the same item: one flow table
 * expires its closed list, then its open one (flow_expire), and at the end of input ends the
 * open, then the closed (flow_table_destroy), each least recently seen first. */
static uint64_t flow_end_key(uint8_t kind, const struct flow *f)
{
    bool second = kind == ITEM_EXPIRE ? !f->closed : f->closed;
    return ((uint64_t)second << 62) | f->last_frame;
}

static void on_flow_end(void *app, const struct flow *f)
{
    struct lane *l = app;
    if (l->kind != ITEM_PACKET)
        atomic_store_explicit(&l->sub, flow_end_key(l->kind, f), memory_order_release);
}

/* The order of the worker's next begin or end. */
static struct order next_order(struct lane *l)
{
    uint64_t sub = atomic_load_explicit(&l->sub, memory_order_relaxed);
    if (l->key != l->seq_key || sub != l->seq_sub) {
        l->seq_key = l->key;
        l->seq_sub = sub;
        l->seq = 0;
    }
    return (struct order){ l->key, sub, l->index, l->seq++ };
}

/* ---- logs kept by each worker, read by the merger ---- */

static bool grow(void **v, size_t *cap, size_t size)
{
    size_t ncap = *cap ? *cap * 2 : 1024;
    void *nv = realloc(*v, ncap * size);
    if (!nv)
        return false;
    *v = nv;
    *cap = ncap;
    return true;
}

/* A flow's provisional id: the frame that created it (flow->id, copied into its sessions). */
static void on_flow_created(void *app, struct flow *f, uint64_t frame)
{
    struct lane *l = app;
    struct flow_log *log = &l->log;
    f->id = ID_PENDING | frame;
    pthread_mutex_lock(&log->mu);
    if (log->n < log->cap || grow((void **)&log->v, &log->cap, sizeof *log->v))
        log->v[log->n++] = frame;
    /* else out of memory: later flows' numbers come out one short for this one */
    pthread_mutex_unlock(&log->mu);
}

static size_t count_below(struct flow_log *log, uint64_t frame)
{
    pthread_mutex_lock(&log->mu);
    size_t lo = 0, hi = log->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->v[mid] < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    pthread_mutex_unlock(&log->mu);
    return lo;
}

/* A session's provisional id: its worker and the place of its begin in the worker's log. The
 * merger gives it its number (entry.id) in begin order. */
static uint64_t lane_next_session_id(void *app)
{
    struct lane *l = app;
    struct begin_log *log = &l->begins;
    struct order at = next_order(l);
    pthread_mutex_lock(&log->mu);
    uint64_t id = ID_PENDING | (uint64_t)l->index << ID_LANE_SHIFT | log->n;
    if (log->n < log->cap || grow((void **)&log->v, &log->cap, sizeof *log->v))
        log->v[log->n++] = (struct begin_entry){ at, 0 };
    else
        id = 0; /* out of memory: reported as session 0 */
    pthread_mutex_unlock(&log->mu);
    return id;
}

static void lane_session_begin(void *app, struct session *s)
{
    struct lane *l = app;
    struct pool *p = l->pool;
    if (!p->sink.on_session_begin)
        return;
    pthread_mutex_lock(&p->mu);
    p->sink.on_session_begin(p->sink.app, s);
    pthread_mutex_unlock(&p->mu);
}

/* An ended session waits in its worker's queue until the merger reports it in order. */
static void lane_session(void *app, struct session *s)
{
    struct lane *l = app;
    struct ended_queue *q = &l->ended;
    struct order at = next_order(l);
    pthread_mutex_lock(&q->mu);
    if (q->n == q->cap) {
        size_t old = q->cap;
        if (!grow((void **)&q->v, &q->cap, sizeof *q->v)) {
            pthread_mutex_unlock(&q->mu);
            session_free(s); /* out of memory: lost, as a session that could not be made */
            return;
        }
        /* full: the ring's wrapped part, v[0 .. head), moves on after its old end */
        for (size_t i = 0; i < q->head; i++)
            q->v[old + i] = q->v[i];
    }
    q->v[(q->head + q->n++) % q->cap] = (struct ended){ at, s };
    pthread_mutex_unlock(&q->mu);
    atomic_fetch_add_explicit(&l->pool->pending, 1, memory_order_relaxed);
}

/* ---- the merger: numbers sessions and reports them, as one worker would have ---- */

/* Nothing any worker does from now on comes before this: each worker's oldest unfinished
 * item (and, in a clock item, the flow it is ending); a worker with nothing queued gets no
 * item before the reader's next, the clock after the last frame it queued. */
static struct order watermark(struct pool *p)
{
    uint64_t queued = atomic_load_explicit(&p->events_queued, memory_order_acquire); /* first */
    struct order w = { queued + 1, 0, 0, 0 };
    for (unsigned j = 0; j < p->n; j++) {
        const struct lane *l = &p->lanes[j];
        uint64_t t = atomic_load_explicit(&l->tail, memory_order_acquire);
        if (t == atomic_load_explicit(&l->head, memory_order_acquire))
            continue;
        /* read in this order, a worker that moves on meanwhile only makes the mark lower
         * than it could be */
        struct order o = { atomic_load_explicit(&l->items[t % LANE_SLOTS].key,
                                                memory_order_relaxed),
                           atomic_load_explicit(&l->sub, memory_order_acquire), 0, 0 };
        if (order_cmp(&o, &w) < 0)
            w = o;
    }
    return w;
}

/* Numbers, in begin order, the sessions begun before the mark. */
static void number_begins(struct pool *p, const struct order *mark)
{
    for (;;) {
        struct begin_entry *first = NULL;
        struct lane *owner = NULL;
        for (unsigned j = 0; j < p->n; j++) {
            struct lane *l = &p->lanes[j];
            pthread_mutex_lock(&l->begins.mu);
            struct begin_entry *e = l->begins.numbered < l->begins.n
                                  ? &l->begins.v[l->begins.numbered] : NULL;
            if (e && order_cmp(&e->at, mark) < 0 && (!first || order_cmp(&e->at, &first->at) < 0)) {
                first = e;
                owner = l;
            }
            pthread_mutex_unlock(&l->begins.mu);
        }
        if (!owner)
            return;
        uint64_t id = p->sink.next_session_id(p->sink.app);
        pthread_mutex_lock(&owner->begins.mu); /* the log may have moved: index it again */
        owner->begins.v[owner->begins.numbered++].id = id;
        pthread_mutex_unlock(&owner->begins.mu);
    }
}

static uint64_t final_id(void *ctx, uint64_t id)
{
    struct pool *p = ctx;
    if (!(id & ID_PENDING))
        return id;
    unsigned lane = (unsigned)((id & ~ID_PENDING) >> ID_LANE_SHIFT);
    uint64_t index = id & ((1ull << ID_LANE_SHIFT) - 1);
    if (lane >= p->n)
        return 0;
    struct begin_log *log = &p->lanes[lane].begins;
    pthread_mutex_lock(&log->mu);
    uint64_t n = index < log->numbered ? log->v[index].id : 0;
    pthread_mutex_unlock(&log->mu);
    return n;
}

/* A flow's number in the whole capture, as one flow table counts them: 1 + the flows all
 * workers created at earlier frames (a frame creates at most one flow). */
static uint64_t final_flow_id(struct pool *p, uint64_t id)
{
    if (!(id & ID_PENDING))
        return id;
    uint64_t frame = id & ~ID_PENDING, n = 1;
    for (unsigned j = 0; j < p->n; j++)
        n += count_below(&p->lanes[j].log, frame);
    return n;
}

/* Every id a session holds, provisional until now, replaced by its number. */
static void renumber(struct pool *p, struct session *s)
{
    s->id = final_id(p, s->id);
    s->flow_id = final_flow_id(p, s->flow_id);
    for (unsigned i = 0; i < s->ncarriers; i++)
        s->carried_by[i].session = final_id(p, s->carried_by[i].session);
    for (int k = 0; k < PROTO_COUNT; k++) {
        const struct dissector *d = dissector_get((enum proto)k);
        void *part = session_part_find(s, (enum proto)k);
        if (d && d->map_session_ids && part)
            d->map_session_ids(part, final_id, p);
    }
}

/* Reports, in order, the ended sessions before the mark. */
static void report_ended(struct pool *p, const struct order *mark)
{
    for (;;) {
        struct ended first = { { 0, 0, 0, 0 }, NULL };
        struct lane *owner = NULL;
        for (unsigned j = 0; j < p->n; j++) {
            struct ended_queue *q = &p->lanes[j].ended;
            pthread_mutex_lock(&q->mu);
            if (q->n && order_cmp(&q->v[q->head].at, mark) < 0 &&
                (!owner || order_cmp(&q->v[q->head].at, &first.at) < 0)) {
                first = q->v[q->head];
                owner = &p->lanes[j];
            }
            pthread_mutex_unlock(&q->mu);
        }
        if (!owner)
            return;
        struct ended_queue *q = &owner->ended;
        pthread_mutex_lock(&q->mu);
        q->head = (q->head + 1) % q->cap;
        q->n--;
        pthread_mutex_unlock(&q->mu);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_relaxed);
        renumber(p, first.s);
        p->sink.on_session(p->sink.app, first.s);
    }
}

/* Numbers and reports what can be; every_last: the workers have ended, everything can. Any
 * thread may merge: the workers do, between items, so that rendering the reports does not
 * fall on the reader. wait: take the lock; else give up if another thread holds it (that
 * merge, or a later one, reports what this one would have). */
static void merge(struct pool *p, bool every_last, bool wait)
{
    struct order mark = every_last ? (struct order){ UINT64_MAX, UINT64_MAX, UINT32_MAX,
                                                     UINT32_MAX }
                                   : watermark(p);
    if (wait)
        pthread_mutex_lock(&p->mu);
    else if (pthread_mutex_trylock(&p->mu) != 0)
        return;
    number_begins(p, &mark);
    report_ended(p, &mark);
    pthread_mutex_unlock(&p->mu);
}

/* ---- the worker threads ---- */

static bool run_item(struct lane *l, struct item *it)
{
    switch (it->kind) {
    case ITEM_PACKET:
        worker_decoded(&l->w, &it->pkt);
        return false;
    case ITEM_EXPIRE:
        l->w.dispatch.frame = it->frame; /* as one worker's: the last frame read */
        worker_expire(&l->w, it->now);
        return false;
    default:
        l->w.dispatch.frame = it->frame;
        worker_finish(&l->w);
        return true;
    }
}

/* Does the lane's oldest queued item and retires it; true after the last. Between items, now
 * and then, a merge (if sessions wait). */
static bool lane_do(struct lane *l)
{
    uint64_t t = atomic_load_explicit(&l->tail, memory_order_relaxed); /* its own */
    struct item *it = &l->items[t % LANE_SLOTS];
    l->key = atomic_load_explicit(&it->key, memory_order_relaxed);
    l->kind = it->kind;
    bool last = run_item(l, it);
    atomic_store_explicit(&l->sub, 0, memory_order_relaxed); /* made visible by tail's */
    atomic_store_explicit(&l->bytes_done, it->bytes_end, memory_order_release);
    atomic_store_explicit(&l->tail, t + 1, memory_order_release);
    if (!last && ++l->since_merge >= MERGE_EVERY &&
        atomic_load_explicit(&l->pool->pending, memory_order_relaxed)) {
        l->since_merge = 0;
        merge(l->pool, false, false);
    }
    return last;
}

static void *lane_main(void *arg)
{
    struct lane *l = arg;
    unsigned spins = 0;
    for (;;) {
        if (atomic_load_explicit(&l->tail, memory_order_relaxed) ==
            atomic_load_explicit(&l->head, memory_order_acquire)) {
            backoff(&spins);
            continue;
        }
        spins = 0;
        if (lane_do(l))
            return NULL;
    }
}

/* ---- the reader ---- */

static struct item *reserve(struct lane *l)
{
    unsigned spins = 0;
    while (l->head_local - atomic_load_explicit(&l->tail, memory_order_acquire) >= LANE_SLOTS)
        backoff(&spins);
    return &l->items[l->head_local % LANE_SLOTS];
}

static void publish(struct lane *l, struct item *it, uint64_t key)
{
    it->bytes_end = l->bytes_head;
    atomic_store_explicit(&it->key, key, memory_order_relaxed);
    atomic_store_explicit(&l->head, ++l->head_local, memory_order_release);
}

/* Room for n contiguous bytes in the lane's ring of bytes (waits for the worker to release). */
static uint8_t *take_bytes(struct lane *l, size_t n)
{
    uint64_t off = l->bytes_head % LANE_BYTES;
    if (off + n > LANE_BYTES) {
        l->bytes_head += LANE_BYTES - off; /* the rest of the ring's end stays unused */
        off = 0;
    }
    unsigned spins = 0;
    while (l->bytes_head + n - atomic_load_explicit(&l->bytes_done, memory_order_acquire) >
           LANE_BYTES)
        backoff(&spins);
    l->bytes_head += n;
    return l->bytes + off;
}

/* ptr, if it points into [from, from + len] (the end included: an empty payload may point
 * there), moved to the same place in to. */
static bool rebase(const uint8_t **ptr, const uint8_t *from, size_t len, const uint8_t *to)
{
    if (!*ptr || *ptr < from || *ptr > from + len)
        return false;
    *ptr = to + (*ptr - from);
    return true;
}

/* The decoder's tunnel stack (reused for the next packet), into the item. */
static void copy_tunnels(struct item *it, const struct packet *pkt)
{
    it->tun.n = pkt->tunnels ? pkt->tunnels->n : 0;
    if (it->tun.n)
        memcpy(it->tun.v, pkt->tunnels->v, it->tun.n * sizeof it->tun.v[0]);
    it->pkt.tunnels = &it->tun;
}

/* The decoded packet, copied with what its pointers reach: the frame, and the reassembled
 * datagram when it came in fragments (the decoder's buffer, reused for the next one). A frame
 * of a mapped file stays readable until the capture is closed, after the pool finished: only
 * the packet's description is copied then. */
static void copy_packet(struct lane *l, struct item *it, const struct packet *pkt)
{
    bool own_ip = pkt->ip && pkt->ip_len &&
                  (pkt->ip < pkt->frame || pkt->ip >= pkt->frame + pkt->caplen);
    if (pkt->frame_kept && !own_ip) {
        it->pkt = *pkt;
        copy_tunnels(it, pkt);
        return;
    }
    size_t n = pkt->caplen + (own_ip ? pkt->ip_len : 0);
    uint8_t *dst = take_bytes(l, n);
    memcpy(dst, pkt->frame, pkt->caplen);
    if (own_ip)
        memcpy(dst + pkt->caplen, pkt->ip, pkt->ip_len);
    it->pkt = *pkt;
    it->pkt.frame = dst;
    if (own_ip) {
        it->pkt.ip = dst + pkt->caplen;
        if (!rebase(&it->pkt.payload, pkt->ip, pkt->ip_len, dst + pkt->caplen))
            rebase(&it->pkt.payload, pkt->frame, pkt->caplen, dst);
    } else {
        rebase(&it->pkt.ip, pkt->frame, pkt->caplen, dst);
        rebase(&it->pkt.payload, pkt->frame, pkt->caplen, dst);
    }
    copy_tunnels(it, pkt);
}

/* Symmetric (the key is canonical) and seeded: which worker a connection goes to. */
static unsigned lane_of(const struct pool *p, const struct flow_key *key)
{
    uint64_t w[sizeof *key / 8], h = p->seed;
    memcpy(w, key, sizeof w);
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        h ^= w[i];
        h *= 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    /* worker 0 runs in the reader's thread, which also reads and decodes: it takes a smaller
     * share (weight 2 against the others' 3) so that the threads finish together */
    uint64_t total = 2 + 3 * (uint64_t)(p->n - 1), x = ((h >> 32) * total) >> 32;
    return x < 2 ? 0 : 1 + (unsigned)((x - 2) / 3);
}

void pool_packet(struct pool *p, struct packet *pkt)
{
    atomic_store_explicit(&p->packets, atomic_load_explicit(&p->packets, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    p->bytes += pkt->wirelen;
    p->frame = pkt->number;
    if (decode_packet(&p->dec, pkt) != DECODE_OK)
        return;
    struct flow_key fk;
    int side;
    flow_key_from_packet(pkt, &fk, &side);
    unsigned j = lane_of(p, &fk);
    uint64_t key = ++p->events;
    struct lane *l = &p->lanes[j];
    struct item *it = reserve(l);
    it->kind = ITEM_PACKET;
    it->frame = pkt->number;
    if (j == 0) { /* the reader's own: done now, on the reader's bytes, no copy */
        it->pkt = *pkt;
        publish(l, it, key);
        lane_do(l);
    } else {
        copy_packet(l, it, pkt);
        publish(l, it, key);
    }
    atomic_store_explicit(&p->events_queued, key, memory_order_release);
}

void pool_poll(struct pool *p)
{
    merge(p, false, true);
}

void pool_expire(struct pool *p, ts_us_t now)
{
    decode_expire(&p->dec, now);
    uint64_t key = ++p->events; /* one key for all: the same instant in every worker */
    for (unsigned j = 0; j < p->n; j++) {
        struct lane *l = &p->lanes[j];
        struct item *it = reserve(l);
        it->kind = ITEM_EXPIRE;
        it->frame = p->frame;
        it->now = now;
        publish(l, it, key);
        if (j == 0)
            lane_do(l);
    }
    atomic_store_explicit(&p->events_queued, key, memory_order_release);
    merge(p, false, true); /* live, on a quiet link: what ended reaches the outputs */
}

/* ---- totals for --stats ---- */

static void add_totals(struct pool *p, const struct worker *w)
{
    struct worker *t = &p->totals;
    uint64_t heap_peak = t->count.heap_peak; /* the process's: the largest, not a sum */
    const uint64_t *from = (const uint64_t *)&w->count;
    uint64_t *to = (uint64_t *)&t->count;
    for (size_t i = 0; i < sizeof w->count / sizeof *from; i++) /* all uint64_t counters */
        to[i] += from[i];
    t->count.heap_peak = heap_peak > w->count.heap_peak ? heap_peak : w->count.heap_peak;
    const uint64_t *ff = (const uint64_t *)&w->flows.stats;
    uint64_t *ft = (uint64_t *)&t->flows.stats;
    for (size_t i = 0; i < sizeof w->flows.stats / sizeof *ff; i++)
        ft[i] += ff[i];
    const uint64_t *tf = (const uint64_t *)&w->tcp;
    uint64_t *tt = (uint64_t *)&t->tcp;
    for (size_t i = 0; i < sizeof w->tcp / sizeof *tf; i++)
        tt[i] += tf[i];
    const uint64_t *rf = (const uint64_t *)&w->reasm.stats;
    uint64_t *rt = (uint64_t *)&t->reasm.stats;
    for (size_t i = 0; i < sizeof w->reasm.stats / sizeof *rf; i++)
        rt[i] += rf[i];
    const uint64_t *df = (const uint64_t *)&w->dispatch.stats;
    uint64_t *dt = (uint64_t *)&t->dispatch.stats;
    for (size_t i = 0; i < sizeof w->dispatch.stats / sizeof *df; i++)
        dt[i] += df[i];
    if (w->classify) {
        const struct classify_stats *c = classify_stats(w->classify);
        p->ndpi.flows += c->flows;
        p->ndpi.detected += c->detected;
        p->ndpi.given_up += c->given_up;
        p->ndpi.skipped_tls += c->skipped_tls;
        p->ndpi.active += c->active;
    }
}

/* The end item to every running worker, and their threads joined. */
static void end_lanes(struct pool *p)
{
    for (unsigned j = 0; j < p->n; j++) {
        struct lane *l = &p->lanes[j];
        if (!l->running && !(j == 0 && l->ready))
            continue;
        struct item *it = reserve(l);
        it->kind = ITEM_FINISH;
        it->frame = p->frame;
        publish(l, it, UINT64_MAX);
        if (j == 0)
            lane_do(l);
    }
    for (unsigned j = 0; j < p->n; j++) {
        if (p->lanes[j].running)
            pthread_join(p->lanes[j].thread, NULL);
        p->lanes[j].running = false;
    }
}

void pool_finish(struct pool *p)
{
    end_lanes(p);
    merge(p, true, true);
    memset(&p->totals, 0, sizeof p->totals);
    memset(&p->ndpi, 0, sizeof p->ndpi);
    p->totals.cfg = p->lanes[0].w.cfg;
    p->totals.decode = p->dec;   /* a view of the reader's decoder: read, never freed */
    for (unsigned j = 0; j < p->n; j++)
        add_totals(p, &p->lanes[j].w);
    p->totals.count.packets = atomic_load(&p->packets);
    p->totals.count.bytes = p->bytes;
}

const struct worker *pool_totals(struct pool *p)
{
    return &p->totals;
}

const struct classify_stats *pool_ndpi_totals(const struct pool *p)
{
    return p->lanes[0].w.classify ? &p->ndpi : NULL;
}

uint64_t pool_packets(const struct pool *p)
{
    return atomic_load_explicit(&((struct pool *)p)->packets, memory_order_relaxed);
}

/* ---- start and end ---- */

static bool lane_init(struct pool *p, unsigned j, const struct worker_config *cfg)
{
    struct lane *l = &p->lanes[j];
    l->pool = p;
    l->index = j;
    atomic_init(&l->head, 0);
    atomic_init(&l->tail, 0);
    atomic_init(&l->bytes_done, 0);
    pthread_mutex_init(&l->log.mu, NULL);
    pthread_mutex_init(&l->begins.mu, NULL);
    pthread_mutex_init(&l->ended.mu, NULL);
    l->items = calloc(LANE_SLOTS, sizeof *l->items);
    l->bytes = j ? malloc(LANE_BYTES) : NULL; /* worker 0 works on the reader's bytes */
    if (!l->items || (j && !l->bytes))
        return false;
    for (unsigned i = 0; i < LANE_SLOTS; i++)
        atomic_init(&l->items[i].key, 0);
    atomic_init(&l->sub, 0);
    struct worker_sink sink = { l, lane_session_begin, lane_session, lane_next_session_id,
                                on_flow_created, on_flow_end };
    l->ready = worker_init(&l->w, cfg, &sink);
    return l->ready;
}

struct pool *pool_start(unsigned n, const struct worker_config *cfg,
                        const struct worker_sink *sink, char *err, size_t errlen)
{
    struct pool *p = calloc(1, sizeof *p);
    if (!p || n < 2 || n > POOL_MAX_WORKERS) {
        snprintf(err, errlen, p ? "--workers: 2 to %d" : "out of memory", POOL_MAX_WORKERS);
        free(p);
        return NULL;
    }
    p->n = n;
    p->sink = *sink;
    pthread_mutex_init(&p->mu, NULL);
    atomic_init(&p->packets, 0);
    atomic_init(&p->events_queued, 0);
    atomic_init(&p->pending, 0);
    if (getrandom(&p->seed, sizeof p->seed, 0) != sizeof p->seed)
        p->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
    p->lanes = aligned_alloc(64, n * sizeof *p->lanes);
    bool ok = p->lanes && decoder_init(&p->dec, &cfg->decode);
    if (p->lanes)
        memset(p->lanes, 0, n * sizeof *p->lanes);
    for (unsigned j = 0; ok && j < n; j++)
        ok = lane_init(p, j, cfg); /* nDPI's start-up, one at a time: not known thread-safe */
    for (unsigned j = 1; ok && j < n; j++) { /* worker 0 is the reader's thread */
        struct lane *l = &p->lanes[j];
        l->running = pthread_create(&l->thread, NULL, lane_main, l) == 0;
        ok = l->running;
        char name[32]; /* what top -H and perf show (15 characters at most) */
        snprintf(name, sizeof name, "upscope-w%u", j);
        name[15] = '\0';
        if (ok)
            pthread_setname_np(l->thread, name);
    }
    if (!ok) {
        snprintf(err, errlen, "cannot start %u workers (out of memory or threads)", n);
        if (p->lanes)
            end_lanes(p);
        pool_free(p);
        return NULL;
    }
    return p;
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    for (unsigned j = 0; p->lanes && j < p->n; j++) {
        struct lane *l = &p->lanes[j];
        worker_free(&l->w);
        free(l->items);
        free(l->bytes);
        free(l->log.v);
        pthread_mutex_destroy(&l->log.mu);
        free(l->begins.v);
        pthread_mutex_destroy(&l->begins.mu);
        for (size_t i = 0; i < l->ended.n; i++) /* none after pool_finish's merge */
            session_free(l->ended.v[(l->ended.head + i) % l->ended.cap].s);
        free(l->ended.v);
        pthread_mutex_destroy(&l->ended.mu);
    }
    free(p->lanes);
    decoder_free(&p->dec);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

void pool_lock(struct pool *p)
{
    pthread_mutex_lock(&p->mu);
}

void pool_unlock(struct pool *p)
{
    pthread_mutex_unlock(&p->mu);
}
