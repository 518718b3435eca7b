/* pcap_export: the packets of the reported sessions' connections — written to -w in capture
 * order, and kept in a bounded spool for the UI's save key and for --only.
 *
 * Every packet waits, in one queue in capture order, until the fate of its connection is
 * known: a session begins on it (keep), or it ends without one, or it waits too long (drop:
 * per connection at most flow_pending_packets / flow_pending_bytes, all together pending_limit
 * bytes and pending_time of capture time; a connection whose start is dropped this way is
 * counted). The head of the queue goes out as soon as its fate is known, so -w is in capture
 * order. Connections that never carry a session leave nothing behind.
 *
 * With --only, -w gets the whole connections (handshake to final ACK) that carried a chosen
 * session: the kept packets go through the spool, and a copier writes those of chosen
 * connections once every connection before them has ended — one pass, in capture order.
 *
 * The UI saves sessions from the spool: export_job_new() (store lock held) takes a snapshot,
 * export_job_run() writes the file with no lock held.
 *
 * Every write is checked: the first failure is kept (export_error) and ends the run's status. */
#ifndef UPSCOPE_PCAP_EXPORT_H
#define UPSCOPE_PCAP_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "packet.h"
#include "session.h"

struct export_config {
    const char *out_path;        /* -w, or NULL */
    bool only;                   /* -w gets only connections with a chosen session (--only) */
    bool spool;                  /* keep a spool (the UI's save) */
    int dlt;
    int snaplen;
    uint64_t spool_max;          /* --spool-max, bytes */
    uint32_t flow_pending_packets;  /* per connection, before a session begins */
    uint32_t flow_pending_bytes;
    uint64_t pending_limit;      /* all waiting packets together */
    ts_us_t pending_time;        /* the longest a packet waits */
};

struct export_stats {
    uint64_t packets_written;    /* to -w */
    uint64_t bytes_written;
    uint64_t packets_spooled;
    uint64_t pending_bytes;      /* waiting now */
    uint64_t pending_bytes_peak;
    uint64_t flows_truncated;    /* connections whose first packets were dropped while waiting */
    uint64_t connections_written; /* --only: connections copied to -w */
    uint64_t spool_bytes;        /* held in the spool now */
    uint64_t spool_bytes_dropped; /* dropped from the spool past --spool-max */
    uint64_t only_bytes_lost;    /* --only: spool bytes gone before the copier reached them */
    uint64_t other_linktype;     /* packets of another link type than the input's first
                                  * (pcapng interfaces, several files): not exported */
};

struct export;

void export_config_defaults(struct export_config *cfg);

/* NULL with err set if a file cannot be opened. */
struct export *export_open(const struct export_config *cfg, char *err, size_t errlen);

/* Writes what is left (every connection has ended by now) and flushes -w. False with err set
 * if any write failed during the run. */
bool export_finish(struct export *ex, char *err, size_t errlen);

/* Closes the files (the spool vanishes) and frees ex. */
void export_free(struct export *ex);

/* Every packet of a connection, once its flow is known. */
void export_packet(struct export *ex, struct flow *f, const struct packet *pkt);

/* A session began on f: its connection's packets are kept from now on (the waiting ones too);
 * the session learns which packets are its connection's. */
void export_session_begin(struct export *ex, struct flow *f, struct session *s);

/* A session ended; chosen: --only picked it (its connection goes to -w). */
void export_session_end(struct export *ex, struct session *s, bool chosen);

/* The flow goes away: its fate is settled. */
void export_flow_end(struct export *ex, struct flow *f);

/* The first write error of the run, or NULL. */
const char *export_error(const struct export *ex);

struct export_stats export_stats(const struct export *ex);

/* ---- the UI's save ---- */

struct export_job;

/* With the store lock held: a snapshot of the spool covering the sessions' packets. */
struct export_job *export_job_new(struct export *ex, struct session *const *sessions, size_t n,
                                  char *err, size_t errlen);

/* Without the lock: writes the sessions' packets, in capture order, to a new pcap file at path.
 * False with err set on failure. *lost gets the packets no longer held (--spool-max). */
bool export_job_run(struct export_job *job, const char *path, uint64_t *lost, char *err,
                    size_t errlen);

void export_job_free(struct export_job *job);

#endif
