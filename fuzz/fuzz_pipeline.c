/* fuzz_pipeline: the whole pipeline on a pcap or pcapng file held in memory — libpcap's reader,
 * decode of every link type, the flow table, TCP tracking and reassembly, the dispatcher, every
 * dissector, and the outputs (text summary, NDJSON, the HTML report's sessions, the UI's
 * documents) — with every connection reported (--all) and the UI's history recorded. nDPI is
 * left out: its start-up would dominate each run, and classify.c is exercised by the
 * end-to-end tests. */
#include <pcap/pcap.h>
#include <stdio.h>

#include "fuzz_common.h"
#include "worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_session(void *app, struct session *s)
{
    (void)app;
    fuzz_render(s);
}

static uint64_t next_id(void *app)
{
    uint64_t *ids = app;
    return ++*ids;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *fp = fmemopen((void *)data, size, "rb");
    if (!fp)
        return 0;
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO,
                                                          errbuf);
    if (!p) {
        fclose(fp);
        return 0;
    }
    int dlt = pcap_datalink(p);
    if (!decode_linktype_supported(dlt)) {
        pcap_close(p);
        return 0;
    }
    struct worker_config cfg;
    worker_config_defaults(&cfg);
    cfg.ndpi_packets = 0;
    cfg.report_all = true;
    cfg.record_events = true;
    cfg.max_flows = 64;
    uint64_t ids = 0;
    struct worker_sink sink = { &ids, NULL, on_session, next_id };
    static struct worker w;
    if (worker_init(&w, &cfg, dlt, &sink)) {
        struct pcap_pkthdr *h;
        const u_char *bytes;
        uint64_t n = 0;
        while (pcap_next_ex(p, &h, &bytes) == 1) {
            struct packet pkt;
            memset(&pkt, 0, sizeof pkt);
            pkt.ts = (ts_us_t)h->ts.tv_sec * 1000000u + (ts_us_t)h->ts.tv_usec;
            pkt.number = ++n;
            pkt.frame = bytes;
            pkt.caplen = h->caplen;
            pkt.wirelen = h->len < h->caplen ? h->caplen : h->len;
            worker_packet(&w, &pkt);
            if ((n & 63) == 0)
                worker_expire(&w, pkt.ts);
        }
        worker_finish(&w);
    }
    worker_free(&w);
    pcap_close(p);
    return 0;
}
