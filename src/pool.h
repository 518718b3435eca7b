/* pool: --workers N — N workers share the connections; the first also reads and decodes.
 *
 * The reader (the caller's thread) decodes each frame (link layer, IP, tunnels, IP fragments)
 * and hands the decoded packet to the worker its connection hashes to: a seeded hash of the
 * canonical flow key, tunnels included, so both directions of a connection, and everything
 * carried inside it, meet in one worker. Worker 0 runs in the reader's thread, on the packet
 * as read (and takes a smaller share of the connections, as it reads too); the others are
 * threads, each fed through a bounded ring into which the packet is copied. Each worker owns
 * a struct worker (flow table, reassembly, dissector states, nDPI); nothing it touches per
 * packet is shared.
 *
 * Reports come out as one worker writes them: the same session ids, flow ids (Wireshark's
 * tcp.stream) and order. A worker never waits for another: it gives a session a provisional
 * id and, when the session ends, queues it with its place in one worker's order (the packet;
 * in the clock's expiry and at the end of input, the flow's place in one flow table's LRU
 * lists). The merger, run by whichever worker finds sessions waiting, numbers the sessions
 * begun and reports the ones ended before the point every worker has passed, in that order,
 * with every id they hold replaced by its number. Flow ids are counted from each worker's log
 * of the frames that created its flows (8 bytes per flow) and session numbers kept in each
 * worker's log of begins (32 bytes per session), both for the run.
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

/* Sets up n workers (2..POOL_MAX_WORKERS) from cfg and starts n - 1 threads for them (worker
 * 0 is the caller's), sending sessions to sink. NULL with err set on failure. */
struct pool *pool_start(unsigned n, const struct worker_config *cfg,
                        const struct worker_sink *sink, char *err, size_t errlen);

/* Reader side: decodes one frame and does it (worker 0) or queues it for its worker (waiting
 * while that worker's queue is full). */
void pool_packet(struct pool *p, struct packet *pkt);

/* Reader side: the clock reached now; every worker expires idle flows at this point. */
void pool_expire(struct pool *p, ts_us_t now);

/* Reader side: reports what the workers ended and can be reported in order now (the workers
 * do so between packets; live, call this when the link is quiet). */
void pool_poll(struct pool *p);

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
