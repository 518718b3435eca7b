/* worker: the per-packet pipeline (see worker.h). */
#include "worker.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "dissector.h"
#include "tls_session.h"

#define SEC_US 1000000ULL

/* Bytes a stream may show its probes before it is declared uninteresting: enough for the
 * mid-stream WebSocket heuristic to see several frames. */
#define PROBE_LIMIT 1024

/* --memcap: the heap is measured (mallinfo2 walks every free chunk of every arena: about
 * 100 µs; every 256 packets it took 14 % of the run) every this many packets at most, or
 * sooner once the worker's own state (worker_memory: flows, connections, queues, buffers)
 * grew MEMCAP_CHECK_GROWTH past its highest at a measurement (looked at every
 * MEMCAP_GROWTH_EVERY packets): what grows fast between two measurements grows with those,
 * and a busy but steady load, whose state rises and falls by hundreds of KiB as downloads
 * come and go, is not measured over and over. The overshoot stays a few MiB ... */
#define MEMCAP_CHECK_PACKETS 32768
#define MEMCAP_CHECK_GROWTH (256u << 10)
#define MEMCAP_GROWTH_EVERY 64
/* ... and, when over, connections are evicted this many at a time down to 15/16 of the cap. */
#define MEMCAP_EVICT_BATCH 32

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UPSCOPE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define UPSCOPE_ASAN 1
#endif
#ifdef UPSCOPE_ASAN
/* ASan's allocator keeps its own heap (mallinfo2 does not see it). Declared here rather than
 * taken from <sanitizer/allocator_interface.h>: gcc's runtime has the function but Debian's gcc
 * ships no such header (clang's does). */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

void worker_config_defaults(struct worker_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    decode_config_defaults(&cfg->decode);
    cfg->max_flows = 500000;
    cfg->memcap = 384ull << 20;
    cfg->idle_timeout = 300 * SEC_US;
    cfg->closed_timeout = 10 * SEC_US;
    reasm_limits_defaults(&cfg->reasm);
    cfg->dissect_buffer_cap = 64u << 10;
    cfg->max_head = 64u << 10;
    cfg->ndpi_packets = 32;
    cfg->report_all = false;
    cfg->record_events = false;
}

/* ---- reassembly callbacks: user is the flow, dir the sending key endpoint ---- */

static void on_stream_data(void *user, int side, const uint8_t *p, size_t n, ts_us_t ts)
{
    struct flow *f = user;
    if (f->conn)
        dispatch_data(&f->conn->dx, side, p, n, ts);
}

static void on_stream_gap(void *user, int side, uint64_t len, ts_us_t ts)
{
    struct flow *f = user;
    if (f->conn)
        dispatch_gap(&f->conn->dx, side, len, ts, f->stream[side].cutting);
}

static void on_stream_fin(void *user, int side, ts_us_t ts)
{
    struct flow *f = user;
    if (f->conn)
        dispatch_fin(&f->conn->dx, side, ts);
}

/* ---- connection state ---- */

static struct conn *conn_attach(struct worker *w, struct flow *f)
{
    if (f->conn)
        return f->conn;
    struct conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    dispatch_conn_init(&w->dispatch, &c->dx, f);
    f->conn = c;
    w->count.streams++;
    w->count.conn_memory += sizeof *c;
    return c;
}

/* The connection is over: dissectors finish, then its state goes. The flow entry stays.
 * incomplete: the connection itself had not ended (timeout, eviction, end of input). */
static void conn_finish(struct worker *w, struct flow *f, ts_us_t ts, bool incomplete)
{
    for (int side = 0; side < 2; side++) {
        struct reasm_dir *d = &f->stream[side];
        reasm_flush(&w->reasm, d, f, side, ts);
        enum dir dir = flow_dir_of_side(f, side);
        w->count.delivered[dir] += d->delivered;
    }
    struct conn *c = f->conn;
    if (c) {
        if (w->classify)
            classify_finish(w->classify, &c->cf);
        if ((w->cfg.report_all || c->dx.report_wanted) && c->dx.sessions == 0) {
            /* --all: a connection that tried no switch is reported too (and one a dissector
             * wants told about: TLS not decrypted although a key log was given) */
            struct session *s = dissect_session_begin(&c->dx, f->first_ts);
            if (s)
                s->outcome = OUTCOME_NONE;
        }
        dispatch_close(&c->dx, ts, incomplete);
        dispatch_conn_release(&c->dx);
        free(c);
        f->conn = NULL;
        w->count.conn_memory -= sizeof *c;
    }
    for (int side = 0; side < 2; side++)
        reasm_dir_release(&w->reasm, &f->stream[side]);
}

static void on_flow_end(void *user, struct flow *f, enum flow_end why)
{
    struct worker *w = user;
    if (!f->life.ended) {
        f->life.ended = true;
        f->life.end = (uint8_t)why;
    }
    if (w->sink.on_flow_end)
        w->sink.on_flow_end(w->sink.app, f);
    if (!f->closed)
        conn_finish(w, f, f->last_ts, why != FLOW_END_CLOSED);
    if (w->export)
        export_flow_end(w->export, f);
}

/* A session ended: add nDPI's verdict on its connection, then pass it on. */
static void on_session(void *user, struct dissect *dx, struct session *s)
{
    struct worker *w = user;
    struct conn *c = dx->flow->conn;
    if (c && w->classify) {
        classify_describe(w->classify, &c->cf, &s->ndpi);
        tls_info_from_ndpi(s);
    }
    w->sink.on_session(w->sink.app, s);
}

static void on_session_begin(void *user, struct dissect *dx, struct session *s)
{
    struct worker *w = user;
    if (w->export)
        export_session_begin(w->export, dx->flow, s);
    if (w->sink.on_session_begin)
        w->sink.on_session_begin(w->sink.app, s);
}

static uint64_t next_session_id(void *user)
{
    struct worker *w = user;
    return w->sink.next_session_id(w->sink.app);
}

bool worker_init(struct worker *w, const struct worker_config *cfg,
                 const struct worker_sink *sink)
{
    memset(w, 0, sizeof *w);
    w->cfg = *cfg;
    w->sink = *sink;
    if (!decoder_init(&w->decode, &cfg->decode))
        return false;
    if (cfg->ndpi_packets) { /* 0: no nDPI (the fuzzers: its start-up costs per run) */
        w->classify = classify_new(cfg->ndpi_packets);
        if (!w->classify)
            return false;
    }
    static const struct reasm_ops ops = { on_stream_data, on_stream_gap, on_stream_fin };
    reasm_ctx_init(&w->reasm, &ops, &cfg->reasm);
    uint32_t cap = cfg->dissect_buffer_cap > cfg->max_head ? cfg->dissect_buffer_cap
                                                            : cfg->max_head;
    dispatch_init(&w->dispatch, cap, PROBE_LIMIT, w);
    w->dispatch.head_limit = cfg->max_head;
    w->dispatch.on_session = on_session;
    w->dispatch.on_session_begin = on_session_begin;
    w->dispatch.next_session_id = next_session_id;
    w->dispatch.record_events = cfg->record_events;
    memcpy(w->dispatch.module_ctx, cfg->module_ctx, sizeof w->dispatch.module_ctx);
    w->dispatch.source = cfg->source;
    return flow_table_init(&w->flows, cfg->max_flows, cfg->idle_timeout, cfg->closed_timeout,
                           on_flow_end, w);
}

/* ---- per packet ---- */

/* Does the connection open with a TLS ClientHello that nothing can decrypt? Without a key log
 * and without --all upscope reports nothing about such a connection (an upgrade needs the
 * cleartext), so nDPI need not see it: its TLS dissection, which prints JA3 strings for every
 * hello, is a quarter of a run's instructions on a busy link (bench/RESULTS.md). The hello must
 * start the client's stream right after its SYN, the first bytes the dispatcher will probe,
 * and the TLS dissector's own probe must take them for the start of a TLS stream. */
static bool opaque_tls_start(const struct worker *w, const struct flow *f, int side,
                             const struct packet *pkt)
{
    const struct reasm_dir *d = &f->stream[side];
    if (w->cfg.report_all || w->cfg.module_ctx[PROTO_TLS] || side != f->client ||
        !d->syn_seen || pkt->seq != d->isn + 1)
        return false;
    enum dir sender = DIR_C2S;
    return dissector_get(PROTO_TLS)->probe(pkt->payload, pkt->payload_caplen, false,
                                           &sender) == PROBE_YES;
}

static void process_tcp(struct worker *w, struct packet *pkt)
{
    struct flow_key key;
    int side;
    bool created;
    flow_key_from_packet(pkt, &key, &side);
    struct flow *f = flow_lookup(&w->flows, &key, pkt->ts, &created);
    if (f && f->closed && (pkt->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
        /* RFC 9293 §3.6.1: after a close the same addresses and ports may start anew */
        flow_remove(&w->flows, f, FLOW_END_REUSED);
        f = flow_lookup(&w->flows, &key, pkt->ts, &created);
    }
    if (!f)
        return;
    if (created && w->sink.on_flow_created)
        w->sink.on_flow_created(w->sink.app, f, pkt->number);
    f->last_frame = pkt->number;
    if (w->export)
        export_packet(w->export, f, pkt);
    flow_note_tunnels(&w->flows, f, pkt->tunnels, side);
    f->frag_conflicts[side] += pkt->frag_conflicts;
    f->pkts[side]++;
    f->bytes[side] += pkt->ip_len;
    struct conn *c = f->conn;
    if (!c && pkt->payload_len && !f->closed)
        c = conn_attach(w, f);
    if (c && w->classify) {
        if (!c->cf.ndpi && !c->cf.done && opaque_tls_start(w, f, side, pkt))
            classify_skip(w->classify, &c->cf);
        classify_packet(w->classify, &c->cf, pkt);
    }
    if (tcp_track(&w->reasm, &w->tcp, f, side, pkt) == TCP_ENDED) {
        f->life.ended = true;
        f->life.end = FLOW_END_CLOSED;
        conn_finish(w, f, pkt->ts, false);
        flow_mark_closed(&w->flows, f);
    }
    w->touched = f->conn ? dissect_session(&f->conn->dx) : NULL;
}

uint64_t worker_heap_in_use(void)
{
#if defined(UPSCOPE_ASAN)
    return __sanitizer_get_current_allocated_bytes(); /* ASan replaces malloc */
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd; /* in use: arena chunks and mmap'd blocks */
#else
    return 0;
#endif
}

/* --memcap: over the cap, the least recently seen connections end (their sessions are
 * reported, marked evicted) until the heap is back under 15/16 of it. Memory that is not a
 * connection's (sessions waiting for the text summary's order, the UI's store, the HTML
 * report) is not reclaimed here: with no flow left, eviction stops. */
static void memcap_enforce(struct worker *w)
{
    uint64_t used = worker_heap_in_use();
    w->count.memcap_checks++;
    if (used > w->count.heap_peak)
        w->count.heap_peak = used;
    if (used <= w->cfg.memcap)
        return;
    w->count.memcap_hits++;
    uint64_t target = w->cfg.memcap - w->cfg.memcap / 16;
    while (used > target) {
        int n = 0;
        uint64_t before = w->flows.stats.evicted;
        while (n < MEMCAP_EVICT_BATCH && flow_evict_oldest(&w->flows))
            n++;
        w->count.memcap_evicted += w->flows.stats.evicted - before;
        if (n < MEMCAP_EVICT_BATCH)
            break; /* no flow left */
        used = worker_heap_in_use();
    }
}

/* Is the heap due a measurement? */
static bool memcap_due(const struct worker *w)
{
    if (w->count.packets == 0 || w->count.packets - w->memcap_packets >= MEMCAP_CHECK_PACKETS)
        return true; /* the first: what the libraries and nDPI's start-up took */
    return w->count.packets % MEMCAP_GROWTH_EVERY == 0 &&
           worker_memory(w) >= w->memcap_memory + MEMCAP_CHECK_GROWTH;
}

static void begin_packet(struct worker *w, const struct packet *pkt)
{
    w->dispatch.frame = pkt->number;
    w->touched = NULL;
    if (w->cfg.memcap && memcap_due(w)) {
        uint64_t hits = w->count.memcap_hits;
        memcap_enforce(w);
        w->memcap_packets = w->count.packets;
        uint64_t now = worker_memory(w);
        if (hits != w->count.memcap_hits || now > w->memcap_memory)
            w->memcap_memory = now; /* after evictions, or a new high */
    }
    w->count.packets++;
    w->count.bytes += pkt->wirelen;
}

void worker_packet(struct worker *w, struct packet *pkt)
{
    begin_packet(w, pkt);
    if (decode_packet(&w->decode, pkt) != DECODE_OK)
        return;
    w->count.tcp_packets++;
    process_tcp(w, pkt);
}

void worker_decoded(struct worker *w, struct packet *pkt)
{
    begin_packet(w, pkt);
    w->count.tcp_packets++;
    process_tcp(w, pkt);
}

void worker_expire(struct worker *w, ts_us_t now)
{
    flow_expire(&w->flows, now);
    decode_expire(&w->decode, now);
}

void worker_finish(struct worker *w)
{
    flow_table_destroy(&w->flows);
}

void worker_free(struct worker *w)
{
    if (w->classify)
        classify_free(w->classify);
    w->classify = NULL;
    decoder_free(&w->decode);
}

uint64_t worker_memory(const struct worker *w)
{
    return flow_table_memory(&w->flows) + w->count.conn_memory +
           w->reasm.stats.queued_bytes + w->dispatch.stats.buffer_bytes +
           defrag_stats(w->decode.defrag)->bytes +
           (w->classify ? classify_memory(w->classify) : 0);
}
