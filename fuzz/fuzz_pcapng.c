/* fuzz_pcapng: the pcapng reader on a file held in memory — section headers in both byte
 * orders and several sections, interfaces with options (time stamp resolution and offset),
 * Enhanced, Simple and obsolete Packet blocks, blocks it steps over, lengths that lie — then
 * the same bytes through capture_file (format detection, a BPF filter compiled per link type
 * met). Every packet handed out must lie within its block and be readable.
 *
 * And the mapped reader of plain pcap files (pcapmap.c) against libpcap on the same bytes:
 * whatever pcapmap takes, libpcap must read alike — the same packets (time stamp, lengths,
 * bytes), the end at the same record, the same error in the same words. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "capture_file.h"
#include "pcapmap.h"
#include "pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const uint8_t *p, uint32_t n)
{
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < n; i++)
        sink ^= p[i];
    (void)sink;
}

/* pcapmap and libpcap on one file held in memory: any difference is a crash */
static void pcapmap_against_libpcap(const uint8_t *data, size_t size)
{
    struct pcapmap m;
    if (!pcapmap_open_mem(&m, data, size))
        return;
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return;
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!p)
        __builtin_trap(); /* pcapmap took a file libpcap refuses */
    if (pcap_datalink(p) != m.dlt)
        __builtin_trap();
    for (;;) {
        struct pcapmap_packet mp;
        enum pcapmap_status st = pcapmap_next(&m, &mp);
        struct pcap_pkthdr *h;
        const u_char *d;
        int rc = pcap_next_ex(p, &h, &d);
        if (st == PCAPMAP_EOF) {
            if (rc != PCAP_ERROR_BREAK)
                __builtin_trap();
            break;
        }
        if (st == PCAPMAP_ERROR) {
            if (rc != PCAP_ERROR || strcmp(m.err, pcap_geterr(p)) != 0)
                __builtin_trap();
            break;
        }
        ts_us_t ts = (ts_us_t)h->ts.tv_sec * 1000000u + (ts_us_t)h->ts.tv_usec;
        if (rc != 1 || ts != mp.ts || h->caplen != mp.caplen || h->len != mp.len ||
            memcmp(d, mp.data, mp.caplen) != 0)
            __builtin_trap();
    }
    pcap_close(p); /* and fp */
    pcapmap_close(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pcapmap_against_libpcap(data, size);

    FILE *fp = fmemopen((void *)data, size ? size : 1, "rb");
    if (!fp)
        return 0;
    struct pcapng r;
    if (pcapng_open(&r, fp, "fuzz")) {
        struct pcapng_packet p;
        while (pcapng_next(&r, &p) == PCAPNG_PACKET) {
            if (p.caplen > PCAPNG_BLOCK_MAX || p.data < r.buf || p.data + p.caplen > r.buf + r.buf_cap)
                __builtin_trap();
            touch(p.data, p.caplen);
        }
    }
    pcapng_close(&r);
    fclose(fp);

    fp = fmemopen((void *)data, size ? size : 1, "rb");
    if (!fp)
        return 0;
    struct capture_file f;
    if (capture_file_open_stream(&f, fp, "fuzz")) {
        struct packet pkt;
        if (capture_file_set_filter(&f, "tcp or vlan"))
            while (capture_file_next(&f, &pkt, false) == CAPTURE_FILE_PACKET)
                touch(pkt.frame, pkt.caplen);
    }
    capture_file_close(&f);
    return 0;
}
