/* fuzz_pipeline: the whole pipeline on a pcap or pcapng file held in memory — the file reader
 * (libpcap's for pcap, pcapng.c's for pcapng, interfaces of several link types), decode of
 * every link type, tunnel and fragment, the flow table, TCP tracking and reassembly, the
 * dispatcher, every dissector, and the outputs (text summary, NDJSON, the HTML report's
 * sessions, the UI's documents) — with every connection reported (--all) and the UI's history
 * recorded. nDPI is left out: its start-up would dominate each run, and classify.c is
 * exercised by the end-to-end tests. */
#include <stdio.h>
#include <string.h>

#include "capture_file.h"
#include "fuzz_common.h"
#include "idle_pattern.h"
#include "worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct idle_pattern idle; /* as the app keeps it: across the run's sessions */

static void on_session(void *app, struct session *s)
{
    (void)app;
    idle_pattern_note(&idle, s);
    fuzz_render(s);
}

static uint64_t next_id(void *app)
{
    uint64_t *ids = app;
    return ++*ids;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *fp = fmemopen((void *)data, size ? size : 1, "rb");
    if (!fp)
        return 0;
    struct capture_file cf;
    if (!capture_file_open_stream(&cf, fp, "fuzz")) {
        capture_file_close(&cf);
        return 0;
    }
    struct worker_config cfg;
    worker_config_defaults(&cfg);
    cfg.ndpi_packets = 0;
    cfg.memcap = 0; /* libFuzzer's own heap would drive evictions: results must not depend on it */
    cfg.report_all = true;
    cfg.record_events = true;
    cfg.max_flows = 64;
    uint64_t ids = 0;
    memset(&idle, 0, sizeof idle);
    struct worker_sink sink = { &ids, NULL, on_session, next_id, NULL, NULL };
    static struct worker w;
    if (worker_init(&w, &cfg, &sink)) {
        struct packet pkt;
        while (capture_file_next(&cf, &pkt, true) == CAPTURE_FILE_PACKET) {
            worker_packet(&w, &pkt);
            if ((pkt.number & 63) == 0)
                worker_expire(&w, pkt.ts);
        }
        worker_finish(&w);
    }
    worker_free(&w);
    capture_file_close(&cf);
    return 0;
}
