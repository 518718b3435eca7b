/* pool: the reader, the worker threads and the sequencer (see pool.h). */
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
#include "flow.h"

#define LANE_SLOTS 4096u          /* packets queued per worker at most ... */
#define LANE_BYTES (8u << 20)     /* ... and bytes of them (a frame is at most 256 KiB, plus a
                                   * reassembled datagram of at most 64 KiB) */
#define ID_PENDING (1ull << 63)   /* flow->id holds the frame that created it, not its number */

enum item_kind { ITEM_PACKET, ITEM_EXPIRE, ITEM_FINISH };

/* One unit of a worker's work. Items are ordered by key across all workers, ties by worker:
 * 2 × frame for a packet, 2 × frame + 1 for the clock after that frame, UINT64_MAX for the
 * end of input. The reader queues them in that order. */
struct item {
    _Atomic uint64_t key;      /* read by other workers (the sequencer) */
    uint8_t kind;
    uint64_t frame;            /* the frame, or the last one read before the clock or the end */
    ts_us_t now;               /* ITEM_EXPIRE */
    uint64_t bytes_end;        /* the lane's byte count once this item's bytes are released */
    struct packet pkt;         /* ITEM_PACKET: pointers into the lane's bytes and tun */
    struct tunnel_stack tun;
};

/* The frames that created a worker's flows, ascending: the flow ids of all workers are
 * counted from these. */
struct flow_log {
    pthread_mutex_t mu;
    uint64_t *v;
    size_t n, cap;
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
    struct item *items;
    uint8_t *bytes;
    struct flow_log log;
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
    struct worker totals;
    struct classify_stats ndpi;
};

/* ---- waiting: yield the CPU first (the other side is running), then sleep a little (a quiet
 * live link must not cost a spinning core per worker) ---- */

static void backoff(unsigned *spins)
{
    if (++*spins < 200) {
        sched_yield();
        return;
    }
    struct timespec ts = { 0, 200 * 1000 };
    nanosleep(&ts, NULL);
}

/* ---- the sequencer ---- */

/* Has other unfinished work ordered before what me is at? Work is ordered by item key; in the
 * same clock item (every worker has one), by the flows being ended, as one worker's LRU lists
 * would end them, then by worker. Once false it stays false: the reader queues items in key
 * order, and a worker ends its flows in sub-key order. */
static bool ahead_of(const struct lane *other, const struct lane *me)
{
    uint64_t t = atomic_load_explicit(&other->tail, memory_order_acquire);
    uint64_t h = atomic_load_explicit(&other->head, memory_order_acquire);
    if (t == h)
        return false;
    /* the slot may meanwhile hold a newer item: its key is larger still, which is as good */
    uint64_t k = atomic_load_explicit(&other->items[t % LANE_SLOTS].key, memory_order_relaxed);
    if (k != me->key)
        return k < me->key;
    uint64_t s = atomic_load_explicit(&other->sub, memory_order_acquire), mine = me->sub;
    return s < mine || (s == mine && other->index < me->index);
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

/* Waits until every other worker has done all the work ordered before me's: what they report
 * from then on comes after, as it would from one worker. No cycle: the worker at the smallest
 * (key, sub-key, index) never waits. */
static void wait_turn(struct lane *me)
{
    unsigned spins = 0;
    for (unsigned j = 0; j < me->pool->n; j++) {
        const struct lane *o = &me->pool->lanes[j];
        while (o != me && ahead_of(o, me))
            backoff(&spins);
    }
}

/* ---- flow ids ---- */

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

/* A flow's number in the whole capture, as one flow table counts them: 1 + the flows all
 * workers created at earlier frames (a frame creates at most one flow). Called in turn, when
 * every worker is past the frame. */
static void resolve_flow_id(struct pool *p, struct flow *f)
{
    if (!(f->id & ID_PENDING))
        return;
    uint64_t frame = f->id & ~ID_PENDING, id = 1;
    for (unsigned j = 0; j < p->n; j++)
        id += count_below(&p->lanes[j].log, frame);
    f->id = id;
}

static void on_flow_created(void *app, struct flow *f, uint64_t frame)
{
    struct lane *l = app;
    struct flow_log *log = &l->log;
    f->id = ID_PENDING | frame;
    pthread_mutex_lock(&log->mu);
    if (log->n == log->cap) {
        size_t cap = log->cap ? log->cap * 2 : 4096;
        uint64_t *v = realloc(log->v, cap * sizeof *v);
        if (v) {
            log->v = v;
            log->cap = cap;
        }
    }
    if (log->n < log->cap)
        log->v[log->n++] = frame;
    /* else out of memory: later flows' numbers come out one short for this one */
    pthread_mutex_unlock(&log->mu);
}

/* ---- the sink each worker sees: in turn, then under the lock, the caller's ---- */

static uint64_t lane_next_session_id(void *app, struct flow *f)
{
    struct lane *l = app;
    struct pool *p = l->pool;
    wait_turn(l);
    pthread_mutex_lock(&p->mu);
    if (f)
        resolve_flow_id(p, f);
    uint64_t id = p->sink.next_session_id(p->sink.app, f);
    pthread_mutex_unlock(&p->mu);
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

static void lane_session(void *app, struct session *s)
{
    struct lane *l = app;
    struct pool *p = l->pool;
    wait_turn(l);
    pthread_mutex_lock(&p->mu);
    p->sink.on_session(p->sink.app, s);
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

static void *lane_main(void *arg)
{
    struct lane *l = arg;
    uint64_t t = 0;
    unsigned spins = 0;
    for (;;) {
        if (t == atomic_load_explicit(&l->head, memory_order_acquire)) {
            backoff(&spins);
            continue;
        }
        spins = 0;
        struct item *it = &l->items[t % LANE_SLOTS];
        l->key = atomic_load_explicit(&it->key, memory_order_relaxed);
        l->kind = it->kind;
        bool last = run_item(l, it);
        atomic_store_explicit(&l->sub, 0, memory_order_relaxed); /* made visible by tail's */
        atomic_store_explicit(&l->bytes_done, it->bytes_end, memory_order_release);
        atomic_store_explicit(&l->tail, ++t, memory_order_release);
        if (last)
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

/* The decoded packet, copied with what its pointers reach: the frame, and the reassembled
 * datagram when it came in fragments (the decoder's buffer, reused for the next one). */
static void copy_packet(struct lane *l, struct item *it, const struct packet *pkt)
{
    bool own_ip = pkt->ip && pkt->ip_len &&
                  (pkt->ip < pkt->frame || pkt->ip >= pkt->frame + pkt->caplen);
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
    it->tun.n = pkt->tunnels ? pkt->tunnels->n : 0;
    if (it->tun.n)
        memcpy(it->tun.v, pkt->tunnels->v, it->tun.n * sizeof it->tun.v[0]);
    it->pkt.tunnels = &it->tun;
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
    return (unsigned)((h >> 32) % p->n);
}

void pool_packet(struct pool *p, struct packet *pkt)
{
    atomic_store_explicit(&p->packets, atomic_load_explicit(&p->packets, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    p->bytes += pkt->wirelen;
    p->frame = pkt->number;
    if (decode_packet(&p->dec, pkt) != DECODE_OK)
        return;
    struct flow_key key;
    int side;
    flow_key_from_packet(pkt, &key, &side);
    struct lane *l = &p->lanes[lane_of(p, &key)];
    struct item *it = reserve(l);
    it->kind = ITEM_PACKET;
    it->frame = pkt->number;
    copy_packet(l, it, pkt);
    publish(l, it, 2 * pkt->number);
}

void pool_expire(struct pool *p, ts_us_t now)
{
    decode_expire(&p->dec, now);
    for (unsigned j = 0; j < p->n; j++) {
        struct lane *l = &p->lanes[j];
        struct item *it = reserve(l);
        it->kind = ITEM_EXPIRE;
        it->frame = p->frame;
        it->now = now;
        publish(l, it, 2 * p->frame + 1);
    }
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
        p->ndpi.active += c->active;
    }
}

/* The end item to every running worker, and their threads joined. */
static void end_lanes(struct pool *p)
{
    for (unsigned j = 0; j < p->n; j++) {
        struct lane *l = &p->lanes[j];
        if (!l->running)
            continue;
        struct item *it = reserve(l);
        it->kind = ITEM_FINISH;
        it->frame = p->frame;
        publish(l, it, UINT64_MAX);
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
    l->items = calloc(LANE_SLOTS, sizeof *l->items);
    l->bytes = malloc(LANE_BYTES);
    if (!l->items || !l->bytes)
        return false;
    for (unsigned i = 0; i < LANE_SLOTS; i++)
        atomic_init(&l->items[i].key, 0);
    atomic_init(&l->sub, 0);
    struct worker_sink sink = { l, lane_session_begin, lane_session, lane_next_session_id,
                                on_flow_created, on_flow_end };
    return worker_init(&l->w, cfg, &sink);
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
    if (getrandom(&p->seed, sizeof p->seed, 0) != sizeof p->seed)
        p->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
    p->lanes = aligned_alloc(64, n * sizeof *p->lanes);
    bool ok = p->lanes && decoder_init(&p->dec, &cfg->decode);
    if (p->lanes)
        memset(p->lanes, 0, n * sizeof *p->lanes);
    for (unsigned j = 0; ok && j < n; j++)
        ok = lane_init(p, j, cfg); /* nDPI's start-up, one at a time: not known thread-safe */
    for (unsigned j = 0; ok && j < n; j++) {
        struct lane *l = &p->lanes[j];
        l->running = pthread_create(&l->thread, NULL, lane_main, l) == 0;
        ok = l->running;
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
