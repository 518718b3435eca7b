/* pcap_export: the capture-order queue, -w, the spool and --only's copier (see pcap_export.h). */
#include "pcap_export.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "idset.h"
#include "spool.h"

enum fate { FATE_WAIT, FATE_KEEP, FATE_DROP };

/* A packet in the capture-order queue. */
struct pending {
    struct pending *next;        /* capture order */
    struct pending *fnext;       /* the next waiting packet of its connection */
    struct export_flow *ef;
    uint64_t seq;
    ts_us_t ts;
    uint32_t caplen, wirelen;
    uint8_t fate;                /* enum fate */
    uint8_t data[];
};

/* What the export knows of one connection (flow->export). It outlives the flow while packets
 * of it are still queued. */
struct export_flow {
    uint64_t conn;               /* the flow's id */
    uint64_t first_seq;          /* its first packet's place in the capture */
    struct pending *wait_head, *wait_tail;
    uint32_t wait_packets, wait_bytes;
    uint32_t queued;             /* its packets still in the queue */
    bool kept;                   /* a session began: every packet is kept */
    bool truncated;              /* packets were dropped while it waited */
    bool ended;
    bool spooled;                /* it has packets in the spool, and is in the live list */
    int64_t first_off, last_off; /* spool offsets of its first and last packet */
    struct export_flow *live_prev, *live_next;
};

/* A chosen connection that has ended, waiting for the copier to pass its last packet. */
struct chosen_done {
    int64_t last_off;
    uint64_t conn;
};

struct export {
    struct export_config cfg;
    pcap_t *dead;                /* a handle of the right link type, for the dumpers */
    pcap_dumper_t *out;          /* -w */
    struct spool *spool;
    struct pending *head, *tail; /* the queue */
    uint64_t seq;                /* packets seen */
    struct export_flow *live_head, *live_tail;  /* spooled, not complete, by first_off */
    struct idset chosen;         /* --only: connections with a chosen session */
    struct chosen_done *done;    /* a min-heap by last_off */
    size_t ndone, done_cap;
    int64_t copied;              /* --only: the spool is copied up to here */
    char error[512];             /* the first write error */
    struct export_stats stats;
};

void export_config_defaults(struct export_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->snaplen = DECODE_MAX_SNAPLEN;
    cfg->spool_max = 512ull << 20;
    cfg->flow_pending_packets = 64;
    cfg->flow_pending_bytes = 256u << 10;
    cfg->pending_limit = 64ull << 20;
    cfg->pending_time = 30ull * 1000000u;
}

/* "FILE: cause" once: libpcap's message for a failed pcap_dump_open() already names the file
 * ("/x/y: Permission denied"), so it is not named twice. */
static void open_error(char *err, size_t errlen, const char *path, const char *why)
{
    size_t n = strlen(path);
    if (strncmp(why, path, n) == 0 && why[n] == ':')
        snprintf(err, errlen, "%s", why);
    else
        snprintf(err, errlen, "%s: %s", path, why);
}

static void fail(struct export *ex, const char *fmt, const char *detail)
{
    if (!ex->error[0])
        snprintf(ex->error, sizeof ex->error, fmt, detail);
}

const char *export_error(const struct export *ex)
{
    return ex->error[0] ? ex->error : NULL;
}

struct export_stats export_stats(const struct export *ex)
{
    struct export_stats st = ex->stats;
    if (ex->spool) {
        st.spool_bytes = spool_stats(ex->spool)->bytes;
        st.spool_bytes_dropped = spool_stats(ex->spool)->bytes_dropped;
    }
    return st;
}

struct export *export_open(const struct export_config *cfg, char *err, size_t errlen)
{
    struct export *ex = calloc(1, sizeof *ex);
    if (!ex) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ex->cfg = *cfg;
    ex->dead = pcap_open_dead(cfg->dlt, cfg->snaplen);
    if (!ex->dead) {
        snprintf(err, errlen, "cannot create a pcap writer");
        free(ex);
        return NULL;
    }
    if (cfg->out_path && !(ex->out = pcap_dump_open(ex->dead, cfg->out_path)))
        open_error(err, errlen, cfg->out_path, pcap_geterr(ex->dead));
    else if ((cfg->spool || cfg->only) && !(ex->spool = spool_open(cfg->spool_max, err, errlen)))
        ;
    else
        return ex;
    export_free(ex);
    return NULL;
}

/* ---- writing ---- */

static void write_out(struct export *ex, ts_us_t ts, uint32_t caplen, uint32_t wirelen,
                      const uint8_t *data)
{
    if (!ex->out || ex->error[0])
        return;
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(ts / 1000000u);
    h.ts.tv_usec = (suseconds_t)(ts % 1000000u);
    h.caplen = caplen;
    h.len = wirelen;
    pcap_dump((u_char *)ex->out, &h, data);
    if (ferror(pcap_dump_file(ex->out))) {
        fail(ex, "%s", ex->cfg.out_path);
        snprintf(ex->error + strlen(ex->error), sizeof ex->error - strlen(ex->error), ": %s",
                 strerror(errno));
        return;
    }
    ex->stats.packets_written++;
    ex->stats.bytes_written += 16 + caplen;
}

static void live_remove(struct export *ex, struct export_flow *ef)
{
    if (ef->live_prev)
        ef->live_prev->live_next = ef->live_next;
    else
        ex->live_head = ef->live_next;
    if (ef->live_next)
        ef->live_next->live_prev = ef->live_prev;
    else
        ex->live_tail = ef->live_prev;
}

/* A kept packet leaves the queue, in capture order: to -w (unless --only) and the spool. */
static void emit(struct export *ex, struct export_flow *ef, uint64_t seq, ts_us_t ts,
                 uint32_t caplen, uint32_t wirelen, const uint8_t *data)
{
    if (!ex->cfg.only)
        write_out(ex, ts, caplen, wirelen, data);
    if (!ex->spool || ex->error[0])
        return;
    char err[256];
    int64_t off = spool_append(ex->spool, ef->conn, seq, ts, caplen, wirelen, data, err,
                               sizeof err);
    if (off < 0) {
        fail(ex, "%s", err);
        return;
    }
    ex->stats.packets_spooled++;
    ef->last_off = off;
    if (!ef->spooled) { /* offsets grow in emission order: appending keeps the list sorted */
        ef->spooled = true;
        ef->first_off = off;
        ef->live_prev = ex->live_tail;
        ef->live_next = NULL;
        if (ex->live_tail)
            ex->live_tail->live_next = ef;
        else
            ex->live_head = ef;
        ex->live_tail = ef;
    }
}

/* ---- --only: the copier ---- */

static void done_push(struct export *ex, int64_t last_off, uint64_t conn)
{
    if (ex->ndone == ex->done_cap) {
        size_t cap = ex->done_cap ? ex->done_cap * 2 : 64;
        struct chosen_done *nv = realloc(ex->done, cap * sizeof *nv);
        if (!nv)
            return; /* the id stays in the set: a little memory, no harm */
        ex->done = nv;
        ex->done_cap = cap;
    }
    size_t i = ex->ndone++;
    while (i > 0 && ex->done[(i - 1) / 2].last_off > last_off) {
        ex->done[i] = ex->done[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    ex->done[i] = (struct chosen_done){ last_off, conn };
}

static struct chosen_done done_pop(struct export *ex)
{
    struct chosen_done top = ex->done[0], last = ex->done[--ex->ndone];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= ex->ndone)
            break;
        if (c + 1 < ex->ndone && ex->done[c + 1].last_off < ex->done[c].last_off)
            c++;
        if (ex->done[c].last_off >= last.last_off)
            break;
        ex->done[i] = ex->done[c];
        i = c;
    }
    if (ex->ndone)
        ex->done[i] = last;
    return top;
}

/* Copies the packets of chosen connections up to where every connection has ended. */
static void copier_run(struct export *ex)
{
    int64_t upto = ex->live_head ? ex->live_head->first_off : spool_end(ex->spool);
    if (upto <= ex->copied || ex->error[0])
        return;
    char err[256];
    struct spool_reader *r = spool_snapshot(ex->spool, ex->copied, upto, err, sizeof err);
    if (!r) {
        fail(ex, "%s", err);
        return;
    }
    ex->stats.only_bytes_lost += (uint64_t)spool_reader_missing(r);
    struct spool_record rec;
    while (spool_reader_next(r, &rec))
        if (idset_has(&ex->chosen, rec.conn))
            write_out(ex, rec.ts, rec.caplen, rec.wirelen, rec.data);
    if (spool_reader_error(r))
        fail(ex, "%s", spool_reader_error(r));
    spool_reader_close(r);
    ex->copied = upto;
    while (ex->ndone && ex->done[0].last_off < ex->copied)
        idset_del(&ex->chosen, done_pop(ex).conn);
}

/* ---- the queue ---- */

/* Every packet of ef is out of the queue and the flow has ended. */
static void complete(struct export *ex, struct export_flow *ef)
{
    if (ef->spooled) {
        live_remove(ex, ef);
        if (idset_has(&ex->chosen, ef->conn)) {
            ex->stats.connections_written++;
            done_push(ex, ef->last_off, ef->conn);
        }
    }
    free(ef);
    if (ex->cfg.only && ex->spool)
        copier_run(ex);
}

/* Sends out the head of the queue while its fate is known. */
static void release(struct export *ex)
{
    struct pending *p;
    while ((p = ex->head) && p->fate != FATE_WAIT) {
        ex->head = p->next;
        if (!ex->head)
            ex->tail = NULL;
        struct export_flow *ef = p->ef;
        if (p->fate == FATE_KEEP)
            emit(ex, ef, p->seq, p->ts, p->caplen, p->wirelen, p->data);
        ex->stats.pending_bytes -= p->caplen;
        free(p);
        if (--ef->queued == 0 && ef->ended)
            complete(ex, ef);
    }
}

/* Decides the fate of every packet ef has waiting. */
static void settle(struct export_flow *ef, enum fate fate)
{
    for (struct pending *p = ef->wait_head; p; p = p->fnext)
        p->fate = (uint8_t)fate;
    ef->wait_head = ef->wait_tail = NULL;
    ef->wait_packets = ef->wait_bytes = 0;
}

/* ef waited too long: its first packets go, whatever comes of it. */
static void truncate_flow(struct export *ex, struct export_flow *ef)
{
    settle(ef, FATE_DROP);
    if (!ef->truncated)
        ex->stats.flows_truncated++;
    ef->truncated = true;
}

static struct export_flow *flow_state(struct export *ex, struct flow *f)
{
    if (!f->export) {
        struct export_flow *ef = calloc(1, sizeof *ef);
        if (!ef)
            return NULL;
        ef->conn = f->id;
        ef->first_seq = ex->seq;
        f->export = ef;
    }
    return f->export;
}

static void enqueue(struct export *ex, struct export_flow *ef, const struct packet *pkt,
                    enum fate fate)
{
    struct pending *p = malloc(sizeof *p + pkt->caplen);
    if (!p)
        return;
    *p = (struct pending){ NULL, NULL, ef, ex->seq, pkt->ts, pkt->caplen, pkt->wirelen,
                           (uint8_t)fate };
    memcpy(p->data, pkt->frame, pkt->caplen);
    if (ex->tail)
        ex->tail->next = p;
    else
        ex->head = p;
    ex->tail = p;
    ef->queued++;
    ex->stats.pending_bytes += pkt->caplen;
    if (ex->stats.pending_bytes > ex->stats.pending_bytes_peak)
        ex->stats.pending_bytes_peak = ex->stats.pending_bytes;
    if (fate != FATE_WAIT)
        return;
    if (ef->wait_tail)
        ef->wait_tail->fnext = p;
    else
        ef->wait_head = p;
    ef->wait_tail = p;
    ef->wait_packets++;
    ef->wait_bytes += pkt->caplen;
}

/* The queue's bounds: the head may not wait past pending_time, nor all past pending_limit. */
static void enforce_bounds(struct export *ex, ts_us_t now)
{
    struct pending *h;
    while ((h = ex->head) && h->fate == FATE_WAIT &&
           (ex->stats.pending_bytes > ex->cfg.pending_limit ||
            (now > h->ts && now - h->ts > ex->cfg.pending_time)))
        truncate_flow(ex, h->ef);
}

void export_packet(struct export *ex, struct flow *f, const struct packet *pkt)
{
    if (pkt->dlt != ex->cfg.dlt) {   /* a pcap file holds one link type: the first one's */
        ex->stats.other_linktype++;
        return;
    }
    ex->seq++;
    struct export_flow *ef = flow_state(ex, f);
    if (!ef)
        return;
    enum fate fate = ef->kept ? FATE_KEEP : ef->truncated ? FATE_DROP : FATE_WAIT;
    if (fate == FATE_WAIT && (ef->wait_packets >= ex->cfg.flow_pending_packets ||
                              ef->wait_bytes + pkt->caplen > ex->cfg.flow_pending_bytes)) {
        truncate_flow(ex, ef);
        fate = FATE_DROP;
    }
    if (fate == FATE_KEEP && !ex->head)
        emit(ex, ef, ex->seq, pkt->ts, pkt->caplen, pkt->wirelen, pkt->frame);
    else if (fate != FATE_DROP)
        enqueue(ex, ef, pkt, fate);
    enforce_bounds(ex, pkt->ts);
    release(ex);
}

void export_session_begin(struct export *ex, struct flow *f, struct session *s)
{
    struct export_flow *ef = flow_state(ex, f);
    if (!ef)
        return;
    ef->kept = true;
    settle(ef, FATE_KEEP);
    s->spool_first = (int64_t)ef->first_seq;
    release(ex);
}

void export_session_end(struct export *ex, struct session *s, bool chosen)
{
    s->spool_end = (int64_t)ex->seq + 1;
    if (chosen && ex->cfg.only)
        idset_add(&ex->chosen, s->flow_id);
}

void export_flow_end(struct export *ex, struct flow *f)
{
    struct export_flow *ef = f->export;
    if (!ef)
        return;
    f->export = NULL;
    settle(ef, FATE_DROP);
    ef->ended = true;
    if (ef->queued == 0)
        complete(ex, ef);
    else
        release(ex);
}

bool export_finish(struct export *ex, char *err, size_t errlen)
{
    release(ex); /* every flow has ended: whatever is queued is settled */
    if (ex->cfg.only && ex->spool)
        copier_run(ex);
    if (ex->out && !ex->error[0] &&
        (pcap_dump_flush(ex->out) != 0 || ferror(pcap_dump_file(ex->out)))) {
        fail(ex, "%s", ex->cfg.out_path);
        snprintf(ex->error + strlen(ex->error), sizeof ex->error - strlen(ex->error), ": %s",
                 strerror(errno));
    }
    if (ex->error[0])
        snprintf(err, errlen, "%s", ex->error);
    return !ex->error[0];
}

void export_free(struct export *ex)
{
    if (!ex)
        return;
    if (ex->out)
        pcap_dump_close(ex->out);
    while (ex->head) { /* left only when a run was cut short */
        struct pending *p = ex->head;
        ex->head = p->next;
        free(p);
    }
    spool_close(ex->spool);
    idset_free(&ex->chosen);
    free(ex->done);
    if (ex->dead)
        pcap_close(ex->dead);
    free(ex);
}

/* ---- the UI's save ---- */

struct job_range {
    uint64_t conn;
    uint64_t first, end;         /* packet sequence numbers, end excluded */
};

struct export_job {
    struct spool_reader *reader;
    struct job_range *ranges;    /* sorted by conn, one per conn */
    size_t n;
    pcap_t *dead;
};

static int range_cmp(const void *a, const void *b)
{
    const struct job_range *x = a, *y = b;
    return x->conn < y->conn ? -1 : x->conn > y->conn;
}

/* One range per connection: the union of its sessions' ranges (they all start at its start). */
static size_t merge_ranges(struct job_range *r, size_t n)
{
    qsort(r, n, sizeof *r, range_cmp);
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        if (out && r[out - 1].conn == r[i].conn) {
            if (r[i].first < r[out - 1].first)
                r[out - 1].first = r[i].first;
            if (r[i].end > r[out - 1].end)
                r[out - 1].end = r[i].end;
        } else {
            r[out++] = r[i];
        }
    }
    return out;
}

struct export_job *export_job_new(struct export *ex, struct session *const *sessions, size_t n,
                                  char *err, size_t errlen)
{
    struct export_job *job = calloc(1, sizeof *job);
    if (!job || !(job->ranges = calloc(n ? n : 1, sizeof *job->ranges))) {
        snprintf(err, errlen, "out of memory");
        export_job_free(job);
        return NULL;
    }
    uint64_t from = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        const struct session *s = sessions[i];
        if (s->spool_first < 0)
            continue;
        struct job_range r = { s->flow_id, (uint64_t)s->spool_first,
                               s->spool_end >= 0 ? (uint64_t)s->spool_end : ex->seq + 1 };
        job->ranges[job->n++] = r;
        if (r.first < from)
            from = r.first;
    }
    job->n = merge_ranges(job->ranges, job->n);
    if (!ex->spool) {
        snprintf(err, errlen, "no packets are kept");
        export_job_free(job);
        return NULL;
    }
    int64_t start = job->n ? spool_offset_of(ex->spool, from) : spool_end(ex->spool);
    job->reader = spool_snapshot(ex->spool, start, spool_end(ex->spool), err, errlen);
    job->dead = pcap_open_dead(ex->cfg.dlt, ex->cfg.snaplen);
    if (!job->reader || !job->dead) {
        if (job->reader)
            snprintf(err, errlen, "cannot create a pcap writer");
        export_job_free(job);
        return NULL;
    }
    return job;
}

static const struct job_range *job_find(const struct export_job *job, uint64_t conn)
{
    size_t lo = 0, hi = job->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (job->ranges[mid].conn == conn)
            return &job->ranges[mid];
        if (job->ranges[mid].conn < conn)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

bool export_job_run(struct export_job *job, const char *path, uint64_t *lost, char *err,
                    size_t errlen)
{
    pcap_dumper_t *d = pcap_dump_open(job->dead, path);
    if (!d) {
        open_error(err, errlen, path, pcap_geterr(job->dead));
        return false;
    }
    *lost = (uint64_t)spool_reader_missing(job->reader);
    struct spool_record rec;
    while (spool_reader_next(job->reader, &rec)) {
        const struct job_range *r = job_find(job, rec.conn);
        if (!r || rec.seq < r->first || rec.seq >= r->end)
            continue;
        struct pcap_pkthdr h;
        h.ts.tv_sec = (time_t)(rec.ts / 1000000u);
        h.ts.tv_usec = (suseconds_t)(rec.ts % 1000000u);
        h.caplen = rec.caplen;
        h.len = rec.wirelen;
        pcap_dump((u_char *)d, &h, rec.data);
    }
    bool ok = !spool_reader_error(job->reader) && pcap_dump_flush(d) == 0 &&
              !ferror(pcap_dump_file(d));
    if (!ok)
        snprintf(err, errlen, "%s: %s", path, spool_reader_error(job->reader)
                 ? spool_reader_error(job->reader) : strerror(errno));
    pcap_dump_close(d);
    return ok;
}

void export_job_free(struct export_job *job)
{
    if (!job)
        return;
    spool_reader_close(job->reader);
    if (job->dead)
        pcap_close(job->dead);
    free(job->ranges);
    free(job);
}
