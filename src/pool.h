/* pool: --workers N — the caller's thread reads and decodes, N worker threads do the rest.
 *
 * The reader decodes each frame (link layer, IP, tunnels, IP fragments) and copies the decoded
 * packet into the ring of the worker its connection hashes to: a symmetric hash of the flow
 * key, tunnels included, so both directions of a connection, and everything carried inside it,
 * meet in one worker. Each worker owns a struct worker (flow table, reassembly, dissector
 * states, nDPI); nothing it touches per packet is shared.
 *
 * Reports come out as one worker writes them — the same session ids, flow ids (Wireshark's
 * tcp.stream) and order — because a worker that begins or ends a session first waits for its
 * turn: until every other worker has processed every frame before the one at hand (the
 * sequencer). Sessions are rare beside packets, so the waits are too. Flow ids are counted
 * from each worker's log of the frames that created its flows (8 bytes per flow, kept for the
 * run). The clock (idle expiry) reaches every worker at the frame where one worker's clock
 * would have run. One tie remains: sessions that the clock or the end of input begins or ends
 * in several workers at the same instant are ordered by worker, where one worker goes by its
 * flows' last-seen order.
 *
 * The sink's callbacks run under the pool's lock, one at a time; the caller takes the same
 * lock (pool_lock) for anything else they share. Per-worker limits (--max-flows, the reorder
 * and queue caps) apply per worker; --memcap measures the whole process. */
#ifndef UPSCOPE_POOL_H
#define UPSCOPE_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "worker.h"

#define POOL_MAX_WORKERS 64

struct pool;

/* Starts n worker threads (2..POOL_MAX_WORKERS), each with a worker set up from cfg, sending
 * sessions to sink. NULL with err set on failure. */
struct pool *pool_start(unsigned n, const struct worker_config *cfg,
                        const struct worker_sink *sink, char *err, size_t errlen);

/* Reader side: decodes one frame and queues it for its worker (waits while that worker's
 * queue is full). */
void pool_packet(struct pool *p, struct packet *pkt);

/* Reader side: the clock reached now; every worker expires idle flows at this point. */
void pool_expire(struct pool *p, ts_us_t now);

/* End of input: every worker finishes its flows; returns when all threads have ended. */
void pool_finish(struct pool *p);

/* The lock the sink's callbacks run under. */
void pool_lock(struct pool *p);
void pool_unlock(struct pool *p);

/* The counters of the whole run, as one worker would show them (frames and decode results
 * from the reader, the rest summed over workers; peaks are sums of each worker's peak), for
 * --stats. Valid after pool_finish. */
const struct worker *pool_totals(struct pool *p);

/* nDPI's counters summed over the workers (NULL without nDPI); valid after pool_finish. */
const struct classify_stats *pool_ndpi_totals(const struct pool *p);

/* Frames read so far. */
uint64_t pool_packets(const struct pool *p);

/* Frees everything (after pool_finish). */
void pool_free(struct pool *p);

#endif
