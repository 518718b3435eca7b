/* worker: one packet-processing pipeline — decode, flow table, TCP tracking, reassembly,
 * dispatch to dissectors.
 *
 * Everything a worker touches per packet is its own (flow table, reassembly queues, dissector
 * states, counters), so several workers can later run in parallel on flows split by the
 * symmetric flow hash. Counters are plain per-worker numbers, summed for --stats. */
#ifndef UPSCOPE_WORKER_H
#define UPSCOPE_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "dispatch.h"
#include "flow.h"
#include "packet.h"
#include "classify.h"
#include "pcap_export.h"
#include "reasm.h"
#include "tcp.h"

struct worker_config {
    struct decode_config decode;   /* tunnel ports, fragment reassembly limits */
    uint32_t max_flows;
    uint64_t memcap;               /* --memcap: heap bytes in use before the least recently
                                    * seen connections are evicted; 0: no cap */
    ts_us_t idle_timeout;          /* open flows, microseconds */
    ts_us_t closed_timeout;        /* flows after FIN/RST, microseconds */
    struct reasm_limits reasm;     /* out-of-order queues, reorder window, overlap history */
    uint32_t dissect_buffer_cap;   /* unconsumed bytes per direction */
    uint32_t max_head;             /* largest HTTP head inspected; the buffer grows to hold it */
    uint32_t ndpi_packets;         /* packets fed to nDPI per connection at most (0: no nDPI) */
    bool report_all;               /* --all: a session for every connection with payload */
    bool record_events;            /* sessions keep their event history (the UI) */
    void *module_ctx[PROTO_COUNT]; /* the protocol modules' run-wide contexts (TLS: the key
                                    * log), handed to the dispatcher */
    const char *source;            /* the capture file or interface, named in the reports */
};

struct worker_counters {
    uint64_t packets;
    uint64_t bytes;                /* wire bytes */
    uint64_t tcp_packets;
    uint64_t streams;              /* connections that carried payload */
    uint64_t delivered[2];         /* stream bytes delivered, by role direction */
    uint64_t conn_memory;          /* bytes in struct conn now */
    uint64_t memcap_checks;        /* times the heap was measured against --memcap */
    uint64_t memcap_hits;          /* ... and found over it */
    uint64_t memcap_evicted;       /* connections ended to get back under it */
    uint64_t heap_peak;            /* the most heap in use seen at a check */
};

/* Where the worker's sessions go: on_session takes ownership; next_session_id numbers them
 * (shared by all workers; with --workers, provisional until reported). app is passed back
 * to each. on_flow_created, when set, is told of each new flow and the frame that made it
 * (--workers: it numbers flows across workers, see pool.h); on_flow_end, before a flow's
 * sessions end with it. */
struct worker_sink {
    void *app;
    void (*on_session_begin)(void *app, struct session *s);   /* may be NULL */
    void (*on_session)(void *app, struct session *s);
    uint64_t (*next_session_id)(void *app);
    void (*on_flow_created)(void *app, struct flow *f, uint64_t frame);   /* may be NULL */
    void (*on_flow_end)(void *app, const struct flow *f);                  /* may be NULL */
};

struct worker {
    struct worker_config cfg;
    struct decoder decode;
    struct flow_table flows;
    struct reasm_ctx reasm;
    struct dispatch_ctx dispatch;
    struct classify *classify;
    struct export *export;         /* pcap export, shared; NULL when not exporting */
    struct worker_sink sink;
    struct tcp_stats tcp;
    struct worker_counters count;
    uint64_t memcap_packets;       /* count.packets at the last --memcap measurement, */
    uint64_t memcap_memory;        /* and the highest worker_memory() at one since the last
                                    * eviction */
    struct session *touched;       /* the open session of the last packet's connection, if any
                                    * (valid until the next packet; for the UI's change marks) */
};

/* The defaults (documented in the man page). */
void worker_config_defaults(struct worker_config *cfg);

/* False when memory runs out or nDPI cannot start. */
bool worker_init(struct worker *w, const struct worker_config *cfg,
                 const struct worker_sink *sink);

/* Decodes and processes one captured frame (pkt->frame, caplen, wirelen, dlt, ts, number
 * set). */
void worker_packet(struct worker *w, struct packet *pkt);

/* The same for a frame already decoded (--workers: the reader thread decoded it; pkt->tunnels
 * and every pointer stay valid for the call). */
void worker_decoded(struct worker *w, struct packet *pkt);

/* Expires idle flows at time now (packet time offline, wall-clock time live). */
void worker_expire(struct worker *w, ts_us_t now);

/* End of input: every flow ends, every open session is finished. */
void worker_finish(struct worker *w);

/* Frees what worker_init allocated (after worker_finish). */
void worker_free(struct worker *w);

/* Heap bytes the process has in use (everything: flows, connection and dissector state, zlib
 * and HPACK tables, queues, sessions waiting for output), as --memcap measures it; 0 when the
 * allocator cannot say. */
uint64_t worker_heap_in_use(void);

/* Heap bytes held by this worker's flows, connections and queues. */
uint64_t worker_memory(const struct worker *w);

#endif
