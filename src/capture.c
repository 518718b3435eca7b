/* capture: libpcap file and interface handling with precise error messages (see capture.h). */
#include "capture.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>

#include "decode.h"

static bool check_linktype(struct capture *c)
{
    c->dlt = pcap_datalink(c->pcap);
    if (decode_linktype_supported(c->dlt))
        return true;
    const char *name = pcap_datalink_val_to_name(c->dlt);
    snprintf(c->err, sizeof c->err,
             "%s: unsupported link type %s (%d); upscope reads Ethernet (with VLAN tags), Linux "
             "cooked (SLL, SLL2), BSD loopback, raw IP, IPv4 and IPv6 captures",
             c->source, name ? name : "unknown", c->dlt);
    pcap_close(c->pcap);
    c->pcap = NULL;
    return false;
}

bool capture_open_file(struct capture *c, const char *path)
{
    char errbuf[PCAP_ERRBUF_SIZE];
    memset(c, 0, sizeof *c);
    c->source = strcmp(path, "-") == 0 ? "(stdin)" : path;
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp) {
        snprintf(c->err, sizeof c->err, "%s: %s", path, strerror(errno));
        return false;
    }
    c->pcap = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!c->pcap) {
        /* libpcap's words for a non-capture file are "unknown file format" */
        snprintf(c->err, sizeof c->err, "%s: not a readable pcap or pcapng file (%s)", c->source,
                 errbuf);
        if (fp != stdin)
            fclose(fp);
        return false;
    }
    return check_linktype(c);
}

bool capture_open_live(struct capture *c, const struct capture_live_opts *o,
                       char warning[CAPTURE_ERR_LEN])
{
    char errbuf[PCAP_ERRBUF_SIZE];
    memset(c, 0, sizeof *c);
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
    pcap_set_immediate_mode(p, 1);
    if (o->buffer_kib > 0)
        pcap_set_buffer_size(p, o->buffer_kib * 1024);
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
    c->pcap = p;
    return check_linktype(c);
}

bool capture_set_filter(struct capture *c, const char *expr)
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

enum capture_status capture_next(struct capture *c, struct packet *pkt)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(c->pcap, &h, &data);
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
        return c->live ? CAPTURE_STOPPED : CAPTURE_EOF;
    snprintf(c->err, sizeof c->err, "%s: record %llu: %s", c->source,
             (unsigned long long)c->records + 1, pcap_geterr(c->pcap));
    return CAPTURE_ERROR;
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
