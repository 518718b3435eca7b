/* capture: an interface, or capture files merged in time order (see capture.h). */
#include "capture.h"

#include <dirent.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#ifdef __linux__
#include <linux/if_packet.h>
#endif

#include "decode.h"
#include "pcapmap.h"

/* One file of the set. Open from when the merge may need its packets to its end. */
struct capture_input {
    char *path;
    ts_us_t first_ts;          /* of its first record (any, filtered or not) */
    unsigned order;            /* as given: ties in first_ts keep it */
    int dlt;                   /* of its first packets */
    bool empty;                /* no record at all */
    bool open, done;
    bool head_unfiltered;      /* stdin: head was read before the filter applied */
    int64_t size;              /* bytes, for capture_progress: 0 not looked at, -1 unknown */
    struct capture_file f;
    struct packet head;        /* its next packet, when open and not done */
};

/* ---- the list of files ---- */

static bool add_path(struct capture *c, const char *path)
{
    struct capture_input *v = realloc(c->in, (c->nin + 1) * sizeof *v);
    if (!v)
        return false;
    c->in = v;
    memset(&v[c->nin], 0, sizeof v[0]);
    v[c->nin].path = strdup(path);
    return v[c->nin++].path != NULL;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's files (hidden ones left out), by name. */
static bool add_dir(struct capture *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(c->err, sizeof c->err, "%s: %s", dir, strerror(errno));
        return false;
    }
    char **names = NULL;
    size_t n = 0;
    bool ok = true;
    for (struct dirent *e; ok && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char **v = realloc(names, (n + 1) * sizeof *v);
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = v ? malloc(len) : NULL;
        if (v)
            names = v;
        if (!p) {
            ok = false;
            break;
        }
        snprintf(p, len, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
            names[n++] = p;
        else
            free(p);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        ok = ok && add_path(c, names[i]);
        free(names[i]);
    }
    free(names);
    if (!ok)
        snprintf(c->err, sizeof c->err, "%s: out of memory", dir);
    else if (n == 0)
        snprintf(c->err, sizeof c->err, "%s: no capture files in it", dir);
    return ok && n > 0;
}

/* Can path be opened again and read from its start? Not a pipe: a FIFO, /dev/stdin on a
 * pipe, a shell's <(zcat x.pcap.gz). */
static bool reopenable(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Reads the first record of input i, for its time; keeps standard input and pipes open (they
 * cannot be read twice), closes the others until the merge needs them. */
static bool peek(struct capture *c, struct capture_input *in)
{
    if (!capture_file_open(&in->f, in->path, true)) { /* closed below: nothing handed out */
        snprintf(c->err, sizeof c->err, "%s", in->f.err);
        return false;
    }
    enum capture_file_status st = capture_file_next(&in->f, &in->head, true);
    if (st == CAPTURE_FILE_ERROR) {
        snprintf(c->err, sizeof c->err, "%s", in->f.err);
        capture_file_close(&in->f);
        return false;
    }
    in->empty = st == CAPTURE_FILE_EOF;
    if (in->empty)                            /* read through: it will not be read again */
        c->other_linktype += in->f.other_linktype;
    in->first_ts = in->empty ? 0 : in->head.ts;
    in->dlt = in->empty ? in->f.dlt : in->head.dlt;  /* pcapng: the first interface read */
    if (!reopenable(in->path) && !in->empty) {
        in->open = true;
        in->head_unfiltered = true;
        c->nopen++;
    } else {
        capture_file_close(&in->f);
    }
    in->done = in->empty;
    return true;
}

static int by_first_time(const void *a, const void *b)
{
    const struct capture_input *x = a, *y = b;
    if (x->first_ts != y->first_ts)
        return x->first_ts < y->first_ts ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

bool capture_open_files(struct capture *c, const char *const *paths, unsigned n)
{
    memset(c, 0, sizeof *c);
    c->last = -1;
    unsigned stdin_count = 0;
    for (unsigned i = 0; i < n; i++) {
        struct stat st;
        bool ok = strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)
                ? add_dir(c, paths[i]) : add_path(c, paths[i]);
        stdin_count += strcmp(paths[i], "-") == 0;
        if (!ok) {
            if (!c->err[0])
                snprintf(c->err, sizeof c->err, "%s: out of memory", paths[i]);
            return false;
        }
    }
    if (stdin_count > 1) {
        snprintf(c->err, sizeof c->err, "standard input (-) can be read only once");
        return false;
    }
    for (unsigned i = 0; i < c->nin; i++) {
        c->in[i].order = i;
        if (!peek(c, &c->in[i]))
            return false;
    }
    qsort(c->in, c->nin, sizeof *c->in, by_first_time);
    c->dlt = c->in[0].dlt;
    if (c->nin == 1) {
        c->source = strcmp(c->in[0].path, "-") == 0 ? "(stdin)" : c->in[0].path;
    } else {
        snprintf(c->source_buf, sizeof c->source_buf, "%u files", c->nin);
        c->source = c->source_buf;
    }
    return true;
}

unsigned capture_file_count(const struct capture *c)
{
    return c->nin;
}

const char *capture_file_path(const struct capture *c, unsigned i)
{
    return i < c->nin ? c->in[i].path : NULL;
}

bool capture_open_file(struct capture *c, const char *path)
{
    return capture_open_files(c, &path, 1);
}

/* ---- live ---- */

/* Joins the socket libpcap opened to an AF_PACKET fanout group: the kernel hands each packet
 * to one member, chosen by a hash of its flow that is the same both ways, so every member
 * sees whole connections. DEFRAG: the fragments of a datagram are joined first, or they would
 * hash apart from the rest of their flow. */
static bool join_fanout(struct capture *c, pcap_t *p, int group)
{
#if defined(__linux__) && defined(PACKET_FANOUT)
    /* unsigned: the DEFRAG flag lands in the sign bit (the kernel reads the same 32 bits) */
    uint32_t arg = ((uint32_t)group & 0xffffu) |
                   ((uint32_t)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16);
    if (setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0)
        return true;
    snprintf(c->err, sizeof c->err, "%s: cannot join fanout group %d: %s%s", c->source, group,
             strerror(errno), errno == EINVAL ? " (a group's members must all use upscope's "
             "hash mode, on the same interface)" : "");
#else
    (void)p;
    snprintf(c->err, sizeof c->err, "%s: fanout group %d: AF_PACKET fanout needs Linux",
             c->source, group);
#endif
    return false;
}

bool capture_open_live(struct capture *c, const struct capture_live_opts *o,
                       char warning[CAPTURE_ERR_LEN])
{
    char errbuf[PCAP_ERRBUF_SIZE];
    memset(c, 0, sizeof *c);
    c->last = -1;
    warning[0] = '\0';
    c->source = o->iface;
    c->live = true;
    pcap_t *p = pcap_create(o->iface, errbuf);
    if (!p) {
        snprintf(c->err, sizeof c->err, "%s: %s", o->iface, errbuf);
        return false;
    }
    pcap_set_snaplen(p, o->snaplen);
    pcap_set_promisc(p, o->promisc);
    pcap_set_timeout(p, o->timeout_ms);
    /* Not immediate mode: on Linux it means TPACKET_V2, one ring frame per packet sized for
     * the snapshot length, so the default 2 MiB buffer holds a few dozen packets and a burst
     * is dropped (measured: 20-40 of 4,800 packets replayed over a veth pair). Without it,
     * TPACKET_V3 packs packets into blocks that the kernel hands over when full or after
     * timeout_ms, the latency the UI and the clock already allow for. */
    pcap_set_immediate_mode(p, 0);
    /* 16 MiB unless -B says otherwise: with libpcap's 2 MiB a single process lost a median
     * 1.2 % of the packets tcpreplay sent at top speed over a veth pair (bench/RESULTS.md);
     * with 8 or 16 MiB none */
    pcap_set_buffer_size(p, (o->buffer_kib > 0 ? o->buffer_kib : CAPTURE_BUFFER_KIB) * 1024);
    int rc = pcap_activate(p);
    if (rc < 0) {
        const char *why = pcap_geterr(p);
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
            snprintf(c->err, sizeof c->err, "%s: no such interface (upscope -D lists them)",
                     o->iface);
        else if (rc == PCAP_ERROR_PERM_DENIED)
            snprintf(c->err, sizeof c->err,
                     "%s: permission denied (capturing needs root or CAP_NET_RAW): %s", o->iface,
                     why);
        else
            snprintf(c->err, sizeof c->err, "%s: %s", o->iface,
                     why[0] ? why : pcap_statustostr(rc));
        pcap_close(p);
        return false;
    }
    if (rc > 0)
        snprintf(warning, CAPTURE_ERR_LEN, "%s: %s", o->iface, pcap_statustostr(rc));
    if (o->fanout >= 0 && !join_fanout(c, p, o->fanout)) {
        pcap_close(p);
        return false;
    }
    c->pcap = p;
    c->poll_fd = -1;
    /* libpcap 1.10's blocking read on Linux polls again by itself when its timeout expires and
     * never returns, so a quiet link would stop the clock: read without blocking and wait in our
     * own poll() on the socket, which returns after timeout_ms (CAPTURE_TIMEOUT) */
    int fd = pcap_get_selectable_fd(p);
    if (fd >= 0 && pcap_setnonblock(p, 1, errbuf) == 0) {
        c->poll_fd = fd;
        c->timeout_ms = o->timeout_ms;
    }
    c->dlt = pcap_datalink(p);
    if (decode_linktype_supported(c->dlt))
        return true;
    capture_linktype_error(c->err, sizeof c->err, c->source, c->dlt);
    pcap_close(p);
    c->pcap = NULL;
    return false;
}

static bool set_live_filter(struct capture *c, const char *expr)
{
    struct bpf_program prog;
    if (pcap_compile(c->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        snprintf(c->err, sizeof c->err, "bad filter '%s': %s", expr, pcap_geterr(c->pcap));
        return false;
    }
    int rc = pcap_setfilter(c->pcap, &prog);
    pcap_freecode(&prog);
    if (rc < 0) {
        snprintf(c->err, sizeof c->err, "cannot set filter '%s': %s", expr,
                 pcap_geterr(c->pcap));
        return false;
    }
    return true;
}

bool capture_set_filter(struct capture *c, const char *expr)
{
    if (c->live)
        return set_live_filter(c, expr);
    c->filter = expr;
    for (unsigned i = 0; i < c->nin; i++) {
        struct capture_input *in = &c->in[i];
        if (!in->empty && !capture_filter_check(expr, in->dlt, in->path, c->err, sizeof c->err))
            return false;
        if (in->open)
            capture_file_set_filter(&in->f, expr);
    }
    return true;
}

/* A live capture without blocking: a packet if one is ready, else wait for the socket at most
 * timeout_ms and try once more (0: still nothing). A signal ends the wait early. */
static int read_live(struct capture *c, struct pcap_pkthdr **h, const u_char **data)
{
    int rc = pcap_next_ex(c->pcap, h, data);
    if (rc != 0)
        return rc;
    struct pollfd pfd = { .fd = c->poll_fd, .events = POLLIN };
    if (poll(&pfd, 1, c->timeout_ms) <= 0)
        return 0; /* timed out, or interrupted (the caller looks at its stop flag) */
    return pcap_next_ex(c->pcap, h, data);
}

static enum capture_status next_live(struct capture *c, struct packet *pkt)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = c->poll_fd >= 0 ? read_live(c, &h, &data) : pcap_next_ex(c->pcap, &h, &data);
    if (rc == 1) {
        c->records++;
        memset(pkt, 0, sizeof *pkt);
        pkt->ts = (ts_us_t)h->ts.tv_sec * 1000000u + (ts_us_t)h->ts.tv_usec;
        pkt->number = c->records;
        pkt->frame = data;
        pkt->caplen = h->caplen;
        pkt->wirelen = h->len < h->caplen ? h->caplen : h->len;
        pkt->dlt = c->dlt;
        return CAPTURE_PACKET;
    }
    if (rc == 0)
        return CAPTURE_TIMEOUT;
    if (rc == PCAP_ERROR_BREAK)
        return CAPTURE_STOPPED;
    snprintf(c->err, sizeof c->err, "%s: %s", c->source, pcap_geterr(c->pcap));
    return CAPTURE_ERROR;
}

/* ---- files, merged ---- */

static void input_end(struct capture *c, struct capture_input *in)
{
    c->other_linktype += in->f.other_linktype;
    struct pcapmap *m = capture_file_detach_map(&in->f);
    if (m) { /* its packets may still be in worker threads: kept, its pages dropped */
        pcapmap_drop_pages(m);
        c->kept[c->nkept++] = m; /* room made when it was opened */
    }
    capture_file_close(&in->f);
    in->open = false;
    in->done = true;
    c->nopen--;
}

/* The input's next packet that passes the filter into its head, or its end. */
static bool advance(struct capture *c, struct capture_input *in)
{
    enum capture_file_status st = capture_file_next(&in->f, &in->head, false);
    if (st == CAPTURE_FILE_ERROR) {
        snprintf(c->err, sizeof c->err, "%s", in->f.err);
        return false;
    }
    if (st == CAPTURE_FILE_EOF)
        input_end(c, in);
    return true;
}

/* Can one more file be mapped? Its mapping is kept until capture_close(): room for it in
 * c->kept, and not more than CAPTURE_MAX_MAPPED (the kernel limits mappings per process). */
static bool room_to_keep(struct capture *c)
{
    if (c->nkept + c->nopen >= CAPTURE_MAX_MAPPED)
        return false;
    if (c->nkept + c->nopen < c->kept_cap)
        return true;
    unsigned cap = c->kept_cap ? c->kept_cap * 2 : 16;
    struct pcapmap **v = realloc(c->kept, cap * sizeof *v);
    if (!v)
        return false;
    c->kept = v;
    c->kept_cap = cap;
    return true;
}

/* Opens the next input in time order and reads its first packet; stdin, open already, has
 * its head checked against the filter. */
static bool open_next(struct capture *c)
{
    struct capture_input *in = &c->in[c->next_open++];
    if (in->done)
        return true;
    if (in->open) {
        int m = capture_file_set_filter(&in->f, c->filter) && in->head_unfiltered
              ? capture_file_matches(&in->f, &in->head) : 1;
        in->head_unfiltered = false;
        if (m < 0)
            snprintf(c->err, sizeof c->err, "%s", in->f.err);
        return m < 0 ? false : m ? true : advance(c, in);
    }
    if (c->nopen == CAPTURE_MAX_OPEN) {
        snprintf(c->err, sizeof c->err, "%s: more than %d files overlap in time", in->path,
                 CAPTURE_MAX_OPEN);
        return false;
    }
    bool map = room_to_keep(c);
    if (!capture_file_open(&in->f, in->path, map) ||
        (c->filter && !capture_file_set_filter(&in->f, c->filter))) {
        snprintf(c->err, sizeof c->err, "%s", in->f.err);
        capture_file_close(&in->f);
        return false;
    }
    if (in->f.map && c->shared_frames)
        in->f.map->lag = PCAPMAP_SHARED_LAG;
    in->open = true;
    c->nopen++;
    return advance(c, in);
}

/* The open input whose next packet is earliest (the first in time order on a tie), or -1. */
static int earliest(const struct capture *c)
{
    int best = -1;
    for (unsigned i = 0; i < c->next_open; i++) {
        const struct capture_input *in = &c->in[i];
        if (in->open && (best < 0 || in->head.ts < c->in[best].head.ts))
            best = (int)i;
    }
    return best;
}

/* k-way merge: every file whose first record is not later than the earliest packet in hand
 * is opened first, so nothing earlier can still be waiting in a file not open yet. */
static enum capture_status next_file(struct capture *c, struct packet *pkt)
{
    if (c->last >= 0 && c->in[c->last].open && !advance(c, &c->in[c->last]))
        return CAPTURE_ERROR;
    c->last = -1;
    for (;;) {
        int best = earliest(c);
        if (c->next_open < c->nin &&
            (best < 0 || c->in[c->next_open].first_ts <= c->in[best].head.ts)) {
            if (!open_next(c))
                return CAPTURE_ERROR;
            continue;
        }
        if (best < 0)
            return CAPTURE_EOF;
        *pkt = c->in[best].head;
        pkt->number = ++c->records;
        c->last = best;
        return CAPTURE_PACKET;
    }
}

enum capture_status capture_next(struct capture *c, struct packet *pkt)
{
    return c->live ? next_live(c, pkt) : next_file(c, pkt);
}

uint64_t capture_other_linktype(const struct capture *c)
{
    uint64_t n = c->other_linktype;
    for (unsigned i = 0; i < c->nin; i++)
        if (c->in[i].open)
            n += c->in[i].f.other_linktype;
    return n;
}

bool capture_progress(struct capture *c, uint64_t *done, uint64_t *total)
{
    *done = *total = 0;
    if (c->live)
        return false;
    for (unsigned i = 0; i < c->nin; i++) {
        struct capture_input *in = &c->in[i];
        if (in->size == 0) {
            struct stat st;
            bool regular = strcmp(in->path, "-") != 0 && stat(in->path, &st) == 0 &&
                           S_ISREG(st.st_mode);
            in->size = regular && st.st_size > 0 ? (int64_t)st.st_size : -1;
        }
        if (in->size < 0)
            return false;
        int64_t at = in->done ? in->size : in->open ? capture_file_offset(&in->f) : 0;
        if (at < 0)
            return false;
        *done += (uint64_t)(at < in->size ? at : in->size);
        *total += (uint64_t)in->size;
    }
    return *total > 0;
}

void capture_stop(struct capture *c)
{
    if (c->pcap)
        pcap_breakloop(c->pcap);
}

bool capture_drops(struct capture *c, uint64_t *received, uint64_t *dropped,
                   uint64_t *if_dropped)
{
    struct pcap_stat st;
    if (!c->live || !c->pcap || pcap_stats(c->pcap, &st) < 0)
        return false;
    *received = st.ps_recv;
    *dropped = st.ps_drop;
    *if_dropped = st.ps_ifdrop;
    return true;
}

const char *capture_linktype_name(const struct capture *c)
{
    const char *n = pcap_datalink_val_to_name(c->dlt);
    return n ? n : "unknown";
}

void capture_close(struct capture *c)
{
    if (c->pcap)
        pcap_close(c->pcap);
    c->pcap = NULL;
    for (unsigned i = 0; i < c->nin; i++) {
        if (c->in[i].open)
            input_end(c, &c->in[i]);
        free(c->in[i].path);
    }
    free(c->in);
    c->in = NULL;
    c->nin = c->next_open = 0;
    for (unsigned i = 0; i < c->nkept; i++) {
        pcapmap_close(c->kept[i]);
        free(c->kept[i]);
    }
    free(c->kept);
    c->kept = NULL;
    c->nkept = c->kept_cap = 0;
}

bool capture_list_interfaces(FILE *out, char err[CAPTURE_ERR_LEN])
{
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_if_t *all;
    if (pcap_findalldevs(&all, errbuf) < 0) {
        snprintf(err, CAPTURE_ERR_LEN, "cannot list interfaces: %s", errbuf);
        return false;
    }
    int i = 1;
    for (pcap_if_t *d = all; d; d = d->next, i++) {
        fprintf(out, "%d.%s", i, d->name);
        if (d->description)
            fprintf(out, " (%s)", d->description);
        if (d->flags & PCAP_IF_LOOPBACK)
            fprintf(out, " [Loopback]");
        if (d->flags & PCAP_IF_UP)
            fprintf(out, " [Up]");
        fputc('\n', out);
    }
    pcap_freealldevs(all);
    return true;
}
