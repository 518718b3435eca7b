/* capture_file: one pcap or pcapng file, filtered per link type (see capture_file.h). */
#include "capture_file.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "decode.h"
#include "pcapmap.h"
#include "pcapng.h"

#define READ_BUFFER (1u << 20)

struct capture_bpf {
    int dlt;
    struct bpf_program prog;
};

void capture_linktype_error(char *err, size_t len, const char *source, int dlt)
{
    const char *name = pcap_datalink_val_to_name(dlt);
    snprintf(err, len,
             "%s: unsupported link type %s (%d); upscope reads Ethernet (with VLAN tags), Linux "
             "cooked (SLL, SLL2), BSD loopback, raw IP, IPv4 and IPv6 captures",
             source, name ? name : "unknown", dlt);
}

/* ---- standard input: the first bytes, read to tell pcap from pcapng, given back ---- */

struct prefixed {
    FILE *under;
    uint8_t b[4];
    size_t n, pos;
};

static ssize_t prefixed_read(void *cookie, char *buf, size_t size)
{
    struct prefixed *p = cookie;
    size_t k = 0;
    while (k < size && p->pos < p->n)
        buf[k++] = (char)p->b[p->pos++];
    if (k < size)
        k += fread(buf + k, 1, size - k, p->under);
    return (ssize_t)k;
}

static int prefixed_close(void *cookie)
{
    free(cookie);                           /* the stream under it (stdin) stays open */
    return 0;
}

/* fp again from its first byte: rewound, or (a pipe) a stream that replays the n bytes read. */
static FILE *from_start(FILE *fp, const uint8_t *b, size_t n)
{
    if (fseek(fp, 0, SEEK_SET) == 0)
        return fp;
    struct prefixed *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->under = fp;
    memcpy(p->b, b, n);
    p->n = n;
    static const cookie_io_functions_t io = { prefixed_read, NULL, NULL, prefixed_close };
    FILE *s = fopencookie(p, "rb", io);
    if (!s)
        free(p);
    return s;
}

/* ---- opening ---- */

static bool open_pcapng(struct capture_file *f, FILE *fp)
{
    f->ng = calloc(1, sizeof *f->ng);
    f->fp = fp;
    if (!f->ng) {
        snprintf(f->err, sizeof f->err, "%s: out of memory", f->name);
        return false;
    }
    if (!pcapng_open(f->ng, fp, f->name)) {
        snprintf(f->err, sizeof f->err, "%s", f->ng->err);
        return false;
    }
    f->dlt = pcapng_first_linktype(f->ng);
    return true;
}

static bool open_pcap(struct capture_file *f, FILE *fp)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    f->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!f->pcap) {
        /* libpcap's words for a non-capture file are "unknown file format" */
        snprintf(f->err, sizeof f->err, "%s: not a readable pcap or pcapng file (%s)", f->name,
                 errbuf);
        if (fp != stdin)
            fclose(fp);
        return false;
    }
    f->dlt = pcap_datalink(f->pcap);
    return true;
}

/* A plain pcap file, mapped (pcapmap.c); false, with nothing changed, for anything else */
static bool open_mapped(struct capture_file *f, FILE *fp, const char *path)
{
    struct pcapmap m;
    if (!pcapmap_open_fd(&m, fileno(fp)))
        return false;
    f->map = malloc(sizeof *f->map);
    if (!f->map) {
        pcapmap_close(&m);
        return false;
    }
    *f->map = m;
    f->name = path;
    f->dlt = m.dlt;
    fclose(fp); /* the mapping stays */
    return true;
}

bool capture_file_open(struct capture_file *f, const char *path, bool map)
{
    memset(f, 0, sizeof *f);
    bool in = strcmp(path, "-") == 0;
    FILE *fp = in ? stdin : fopen(path, "rb");
    if (!fp) {
        memset(f, 0, sizeof *f);
        snprintf(f->err, sizeof f->err, "%s: %s", path, strerror(errno));
        return false;
    }
    if (!in && map && open_mapped(f, fp, path))
        return true;
    /* libpcap and pcapng.c read each record with two freads: stdio's default 4 KiB buffer
     * meant a read() every two or three packets. Set before the first read, as C requires;
     * glibc sizes a buffer it allocates itself by the file system's block, whatever size is
     * asked, hence ours. */
    struct stat st; /* regular files only: on a pipe, from_start() replays what was read */
    bool regular = !in && fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode);
    char *iobuf = regular ? malloc(READ_BUFFER) : NULL;
    if (iobuf)
        setvbuf(fp, iobuf, _IOFBF, READ_BUFFER);
    bool ok = capture_file_open_stream(f, fp, in ? "(stdin)" : path);
    if (ok)
        f->iobuf = iobuf; /* freed once the file is closed */
    else
        free(iobuf);
    return ok;
}

bool capture_file_open_stream(struct capture_file *f, FILE *fp, const char *name)
{
    memset(f, 0, sizeof *f);
    f->name = name;
    bool in = fp == stdin;
    uint8_t magic[4] = { 0 };
    size_t n = fread(magic, 1, sizeof magic, fp);
    FILE *again = from_start(fp, magic, n);
    if (!again) {
        snprintf(f->err, sizeof f->err, "%s: cannot read it again from its start", f->name);
        if (!in)
            fclose(fp);
        return false;
    }
    bool ng = n == 4 && pcapng_magic(magic);
    bool ok = ng ? open_pcapng(f, again) : open_pcap(f, again);
    /* pcapng: an interface of a link type not read is skipped, the others read */
    if (ok && !ng && !decode_linktype_supported(f->dlt)) {
        capture_linktype_error(f->err, sizeof f->err, f->name, f->dlt);
        ok = false;
    }
    if (!ok)
        capture_file_close(f);
    return ok;
}

/* ---- filtering ---- */

/* Compiles expr for link type dlt as libpcap would for such a capture; false with err set. */
static bool compile(struct bpf_program *prog, const char *expr, int dlt, const char *source,
                    char *err, size_t len)
{
    pcap_t *dead = pcap_open_dead(dlt, DECODE_MAX_SNAPLEN);
    if (!dead) {
        snprintf(err, len, "%s: out of memory", source);
        return false;
    }
    bool ok = pcap_compile(dead, prog, expr, 1, PCAP_NETMASK_UNKNOWN) == 0;
    if (!ok) {
        const char *name = pcap_datalink_val_to_name(dlt);
        snprintf(err, len, "bad filter '%s' for %s (link type %s): %s", expr, source,
                 name ? name : "unknown", pcap_geterr(dead));
    }
    pcap_close(dead);
    return ok;
}

bool capture_filter_check(const char *expr, int dlt, const char *source, char *err, size_t len)
{
    struct bpf_program prog;
    if (!compile(&prog, expr, dlt, source, err, len))
        return false;
    pcap_freecode(&prog);
    return true;
}

/* The filter compiled for link type dlt (compiled on first use); NULL with f->err set. */
static const struct bpf_program *bpf_for(struct capture_file *f, int dlt)
{
    for (unsigned i = 0; i < f->nbpf; i++)
        if (f->bpf[i].dlt == dlt)
            return &f->bpf[i].prog;
    struct capture_bpf *v = realloc(f->bpf, (f->nbpf + 1) * sizeof *v);
    if (!v) {
        snprintf(f->err, sizeof f->err, "%s: out of memory", f->name);
        return NULL;
    }
    f->bpf = v;
    struct capture_bpf *b = &f->bpf[f->nbpf];
    if (!compile(&b->prog, f->filter, dlt, f->name, f->err, sizeof f->err))
        return NULL;
    b->dlt = dlt;
    f->nbpf++;
    return &b->prog;
}

bool capture_file_set_filter(struct capture_file *f, const char *expr)
{
    f->filter = expr;
    return !expr || bpf_for(f, f->dlt) != NULL;
}

int capture_file_matches(struct capture_file *f, const struct packet *pkt)
{
    if (!f->filter)
        return 1;
    const struct bpf_program *prog = bpf_for(f, pkt->dlt);
    if (!prog)
        return -1;
    struct pcap_pkthdr h = { .caplen = pkt->caplen, .len = pkt->wirelen };
    h.ts.tv_sec = (time_t)(pkt->ts / 1000000u);
    h.ts.tv_usec = (suseconds_t)(pkt->ts % 1000000u);
    return pcap_offline_filter(prog, &h, pkt->frame) != 0;
}

/* ---- reading ---- */

static enum capture_file_status next_mapped(struct capture_file *f, struct packet *pkt)
{
    struct pcapmap_packet p;
    enum pcapmap_status st = pcapmap_next(f->map, &p);
    if (st == PCAPMAP_EOF)
        return CAPTURE_FILE_EOF;
    if (st == PCAPMAP_ERROR) {
        snprintf(f->err, sizeof f->err, "%s: record %llu: %s", f->name,
                 (unsigned long long)f->records + 1, f->map->err);
        return CAPTURE_FILE_ERROR;
    }
    pkt->ts = p.ts;
    pkt->frame = p.data;
    pkt->frame_kept = true;
    pkt->caplen = p.caplen;
    pkt->wirelen = p.len;
    pkt->dlt = f->dlt;
    return CAPTURE_FILE_PACKET;
}

static enum capture_file_status next_pcap(struct capture_file *f, struct packet *pkt)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(f->pcap, &h, &data);
    if (rc == PCAP_ERROR_BREAK)
        return CAPTURE_FILE_EOF;
    if (rc != 1) {
        snprintf(f->err, sizeof f->err, "%s: record %llu: %s", f->name,
                 (unsigned long long)f->records + 1, pcap_geterr(f->pcap));
        return CAPTURE_FILE_ERROR;
    }
    pkt->ts = (ts_us_t)h->ts.tv_sec * 1000000u + (ts_us_t)h->ts.tv_usec;
    pkt->frame = data;
    pkt->caplen = h->caplen;
    pkt->wirelen = h->len;
    pkt->dlt = f->dlt;
    return CAPTURE_FILE_PACKET;
}

/* A pcapng packet; those of interfaces whose link type upscope does not read are counted
 * and stepped over. */
static enum capture_file_status next_pcapng(struct capture_file *f, struct packet *pkt)
{
    for (;;) {
        struct pcapng_packet p;
        enum pcapng_status st = pcapng_next(f->ng, &p);
        if (st == PCAPNG_EOF)
            return CAPTURE_FILE_EOF;
        if (st == PCAPNG_ERROR) {
            snprintf(f->err, sizeof f->err, "%s (after record %llu)", f->ng->err,
                     (unsigned long long)f->records);
            return CAPTURE_FILE_ERROR;
        }
        if (!decode_linktype_supported(p.linktype)) {
            f->records++;
            f->other_linktype++;
            continue;
        }
        pkt->ts = p.ts;
        pkt->frame = p.data;
        pkt->caplen = p.caplen;
        pkt->wirelen = p.len;
        pkt->dlt = p.linktype;
        return CAPTURE_FILE_PACKET;
    }
}

enum capture_file_status capture_file_next(struct capture_file *f, struct packet *pkt, bool raw)
{
    for (;;) {
        memset(pkt, 0, sizeof *pkt);
        enum capture_file_status st = f->map ? next_mapped(f, pkt)
                                      : f->ng ? next_pcapng(f, pkt) : next_pcap(f, pkt);
        if (st != CAPTURE_FILE_PACKET)
            return st;
        pkt->number = ++f->records;
        if (pkt->wirelen < pkt->caplen)
            pkt->wirelen = pkt->caplen;
        int m = raw ? 1 : capture_file_matches(f, pkt);
        if (m < 0)
            return CAPTURE_FILE_ERROR;
        if (m)
            return st;
    }
}

struct pcapmap *capture_file_detach_map(struct capture_file *f)
{
    struct pcapmap *m = f->map;
    f->map = NULL;
    return m;
}

int64_t capture_file_offset(const struct capture_file *f)
{
    if (f->map)
        return (int64_t)pcapmap_offset(f->map);
    FILE *fp = f->pcap ? pcap_file(f->pcap) : f->fp;
    long off = fp ? ftell(fp) : -1;
    return off >= 0 ? (int64_t)off : -1;
}

void capture_file_close(struct capture_file *f)
{
    if (f->pcap)
        pcap_close(f->pcap);                 /* closes the file too */
    if (f->ng)
        pcapng_close(f->ng);
    free(f->ng);
    if (f->map)
        pcapmap_close(f->map);
    free(f->map);
    f->map = NULL;
    if (f->fp && f->fp != stdin)
        fclose(f->fp);
    free(f->iobuf); /* after the stream that used it */
    f->iobuf = NULL;
    for (unsigned i = 0; i < f->nbpf; i++)
        pcap_freecode(&f->bpf[i].prog);
    free(f->bpf);
    f->pcap = NULL;
    f->ng = NULL;
    f->fp = NULL;
    f->bpf = NULL;
    f->nbpf = 0;
}
