/* pcap_export: the session packet spool and extraction (see pcap_export.h). */
#include "pcap_export.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decode.h"

/* A packet waiting for its connection's fate. */
struct pending {
    struct pending *next;
    struct pcap_pkthdr hdr;
    uint8_t data[];
};

/* What the export knows of one flow (flow->export). */
struct export_flow {
    struct pending *head, *tail;
    uint32_t packets, bytes;
    bool reported;               /* a session began: packets go straight to the spool */
    bool truncated;              /* early packets were dropped */
    int64_t first;               /* spool offset of its first packet, -1 if none yet */
};

struct export {
    struct export_config cfg;
    pcap_t *dead;                /* a handle of the right link type, for the dumpers */
    pcap_dumper_t *spool;
    char spool_path[4096];
    bool spool_temporary;
    pcap_dumper_t *out;          /* -w with --only */
    struct export_stats stats;
};

void export_config_defaults(struct export_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->snaplen = 262144;
    cfg->spool_limit = 4ull << 30;
    cfg->flow_pending_packets = 64;
    cfg->flow_pending_bytes = 256u << 10;
    cfg->pending_limit = 64ull << 20;
}

static pcap_dumper_t *open_dumper(pcap_t *dead, const char *path, char *err, size_t errlen)
{
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    if (!d)
        snprintf(err, errlen, "%s: %s", path, pcap_geterr(dead));
    return d;
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
    if (cfg->spool_path) {
        snprintf(ex->spool_path, sizeof ex->spool_path, "%s", cfg->spool_path);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(ex->spool_path, sizeof ex->spool_path, "%s/upscope-spool-XXXXXX.pcap",
                 tmp && tmp[0] ? tmp : "/tmp");
        int fd = mkstemps(ex->spool_path, 5);
        if (fd < 0) {
            snprintf(err, errlen, "%s: %s", ex->spool_path, strerror(errno));
            export_close(ex);
            return NULL;
        }
        close(fd);
        ex->spool_temporary = true;
    }
    ex->spool = open_dumper(ex->dead, ex->spool_path, err, errlen);
    if (ex->spool && cfg->out_path)
        ex->out = open_dumper(ex->dead, cfg->out_path, err, errlen);
    if (!ex->spool || (cfg->out_path && !ex->out)) {
        export_close(ex);
        return NULL;
    }
    return ex;
}

void export_close(struct export *ex)
{
    if (!ex)
        return;
    if (ex->spool)
        pcap_dump_close(ex->spool);
    if (ex->out)
        pcap_dump_close(ex->out);
    if (ex->spool_temporary)
        unlink(ex->spool_path);
    if (ex->dead)
        pcap_close(ex->dead);
    free(ex);
}

/* ---- the spool ---- */

static void spool_write(struct export *ex, struct export_flow *ef, const struct pcap_pkthdr *h,
                        const uint8_t *data)
{
    if (ex->stats.spool_bytes + 16 + h->caplen > ex->cfg.spool_limit) {
        ex->stats.spool_full++;
        return;
    }
    if (ef->first < 0)
        ef->first = pcap_dump_ftell64(ex->spool);
    pcap_dump((u_char *)ex->spool, h, data);
    ex->stats.packets_spooled++;
    ex->stats.spool_bytes += 16 + h->caplen;
}

static struct export_flow *flow_state(struct flow *f)
{
    if (!f->export) {
        struct export_flow *ef = calloc(1, sizeof *ef);
        if (!ef)
            return NULL;
        ef->first = -1;
        f->export = ef;
    }
    return f->export;
}

static void drop_pending(struct export *ex, struct export_flow *ef)
{
    while (ef->head) {
        struct pending *p = ef->head;
        ef->head = p->next;
        ex->stats.pending_bytes -= p->hdr.caplen;
        free(p);
    }
    ef->tail = NULL;
    ef->packets = ef->bytes = 0;
}

void export_packet(struct export *ex, struct flow *f, const struct packet *pkt)
{
    struct export_flow *ef = flow_state(f);
    if (!ef)
        return;
    struct pcap_pkthdr h;
    h.ts.tv_sec = (time_t)(pkt->ts / 1000000u);
    h.ts.tv_usec = (suseconds_t)(pkt->ts % 1000000u);
    h.caplen = pkt->caplen;
    h.len = pkt->wirelen;
    if (ef->reported) {
        spool_write(ex, ef, &h, pkt->frame);
        return;
    }
    if (ef->truncated)
        return;
    if (ef->packets >= ex->cfg.flow_pending_packets ||
        ef->bytes + pkt->caplen > ex->cfg.flow_pending_bytes ||
        ex->stats.pending_bytes + pkt->caplen > ex->cfg.pending_limit) {
        /* waiting too long: whatever comes of it, its start will be missing */
        drop_pending(ex, ef);
        ef->truncated = true;
        ex->stats.flows_truncated++;
        return;
    }
    struct pending *p = malloc(sizeof *p + pkt->caplen);
    if (!p)
        return;
    p->next = NULL;
    p->hdr = h;
    memcpy(p->data, pkt->frame, pkt->caplen);
    if (ef->tail)
        ef->tail->next = p;
    else
        ef->head = p;
    ef->tail = p;
    ef->packets++;
    ef->bytes += pkt->caplen;
    ex->stats.pending_bytes += pkt->caplen;
}

void export_session_begin(struct export *ex, struct flow *f, struct session *s)
{
    struct export_flow *ef = flow_state(f);
    if (!ef)
        return;
    if (!ef->reported) {
        ef->reported = true;
        for (struct pending *p = ef->head; p; p = p->next)
            spool_write(ex, ef, &p->hdr, p->data);
        drop_pending(ex, ef);
    }
    s->spool_first = ef->first >= 0 ? ef->first : export_spool_end(ex);
}

int64_t export_spool_end(struct export *ex)
{
    pcap_dump_flush(ex->spool);
    return pcap_dump_ftell64(ex->spool);
}

void export_flow_end(struct export *ex, struct flow *f)
{
    struct export_flow *ef = f->export;
    if (!ef)
        return;
    drop_pending(ex, ef);
    free(ef);
    f->export = NULL;
}

/* ---- reading it back ---- */

/* Copies the packets of one connection found in [first, end) of the spool to dumper d. */
static bool copy_range(struct export *ex, const struct export_range *r, pcap_dumper_t *d,
                       char *err, size_t errlen)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    FILE *fp = fopen(ex->spool_path, "rb");
    pcap_t *in = fp ? pcap_fopen_offline(fp, errbuf) : NULL;
    if (!in) {
        snprintf(err, errlen, "%s: %s", ex->spool_path, fp ? errbuf : strerror(errno));
        if (fp)
            fclose(fp);
        return false;
    }
    /* libpcap reads records from wherever its stream stands: jump to the range */
    if (r->first >= 24 && fseeko(pcap_file(in), r->first, SEEK_SET) != 0) {
        snprintf(err, errlen, "%s: %s", ex->spool_path, strerror(errno));
        pcap_close(in);
        return false;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    struct decode_stats ds;
    memset(&ds, 0, sizeof ds);
    while (ftello(pcap_file(in)) < r->end && pcap_next_ex(in, &h, &data) == 1) {
        struct packet pkt;
        memset(&pkt, 0, sizeof pkt);
        pkt.frame = data;
        pkt.caplen = h->caplen;
        pkt.wirelen = h->len;
        if (decode_packet(ex->cfg.dlt, &pkt, &ds) != DECODE_OK)
            continue;
        struct flow_key key;
        int side;
        flow_key_from_packet(&pkt, &key, &side);
        if (memcmp(&key, &r->key, sizeof key) == 0)
            pcap_dump((u_char *)d, h, data);
    }
    pcap_close(in);
    return true;
}

bool export_extract(struct export *ex, const struct export_range *ranges, size_t n,
                    const char *path, char *err, size_t errlen)
{
    pcap_dumper_t *d = open_dumper(ex->dead, path, err, errlen);
    if (!d)
        return false;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
        if (ranges[i].first >= 0)
            ok = copy_range(ex, &ranges[i], d, err, errlen);
    pcap_dump_close(d);
    return ok;
}

struct export_range export_range_of(struct export *ex, const struct session *s)
{
    struct export_range r = { s->key, s->spool_first,
                              s->spool_end >= 0 ? s->spool_end : export_spool_end(ex) };
    return r;
}

void export_session_end(struct export *ex, struct session *s, bool chosen)
{
    s->spool_end = export_spool_end(ex);
    if (!ex->out || !chosen || s->spool_first < 0)
        return;
    struct export_range r = export_range_of(ex, s);
    char err[256];
    if (copy_range(ex, &r, ex->out, err, sizeof err))
        ex->stats.sessions_written++;
    pcap_dump_flush(ex->out);
}

const struct export_stats *export_stats(const struct export *ex)
{
    return &ex->stats;
}
