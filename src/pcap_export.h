/* pcap_export: the packets of every reported session's connection, kept in a spool pcap file,
 * and written out again for the sessions someone chooses (-w, --only, the UI's save key).
 *
 * Until a session begins on a connection, its packets wait in memory (bounded per connection
 * and in total): when a session begins they go to the spool, and every later packet of the
 * connection follows directly. Connections that never carry a session leave nothing behind.
 * A session remembers the spool byte range its connection's packets occupy; extracting it reads
 * that range and keeps the packets of its connection.
 *
 * Without --only, the -w file itself is the spool (packets in capture order). Otherwise the
 * spool is a temporary file and each chosen session is copied into -w when it ends. */
#ifndef UPSCOPE_PCAP_EXPORT_H
#define UPSCOPE_PCAP_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "flow.h"
#include "packet.h"
#include "session.h"

struct export_config {
    const char *spool_path;      /* write the spool here; NULL: a temporary file */
    const char *out_path;        /* -w when it is not the spool (with --only); else NULL */
    int dlt;
    int snaplen;
    uint64_t spool_limit;        /* bytes; past it nothing more is spooled */
    uint32_t flow_pending_packets;  /* per connection, before a session begins */
    uint32_t flow_pending_bytes;
    uint64_t pending_limit;      /* all connections together */
};

struct export_stats {
    uint64_t packets_spooled;
    uint64_t spool_bytes;
    uint64_t pending_bytes;      /* now */
    uint64_t flows_truncated;    /* early packets dropped before their session began */
    uint64_t spool_full;         /* packets not spooled: the spool limit was reached */
    uint64_t sessions_written;   /* sessions copied into the -w file */
};

struct export;

void export_config_defaults(struct export_config *cfg);

/* NULL with err set if a file cannot be opened. */
struct export *export_open(const struct export_config *cfg, char *err, size_t errlen);

/* Closes the files (and removes a temporary spool). */
void export_close(struct export *ex);

/* Every packet of a connection, once its flow is known. */
void export_packet(struct export *ex, struct flow *f, const struct packet *pkt);

/* A session began on f: its connection's packets go to the spool from now on (the waiting ones
 * first); the session learns where they start. */
void export_session_begin(struct export *ex, struct flow *f, struct session *s);

/* A session ended: it learns where its packets end; with --only, a chosen one is copied out. */
void export_session_end(struct export *ex, struct session *s, bool chosen);

/* The flow goes away: its waiting packets are dropped. */
void export_flow_end(struct export *ex, struct flow *f);

/* Where the spool ends now (after flushing it), for a session still open. */
int64_t export_spool_end(struct export *ex);

/* A byte range of the spool and the connection whose packets it holds. */
struct export_range {
    struct flow_key key;
    int64_t first, end;
};

/* Where a session's packets are in the spool (up to now, if it is still open). */
struct export_range export_range_of(struct export *ex, const struct session *s);

/* Writes the packets of the given ranges to a new pcap file at path (the spool may go on
 * growing meanwhile: only what was flushed before is read). False with err set on failure. */
bool export_extract(struct export *ex, const struct export_range *ranges, size_t n,
                    const char *path, char *err, size_t errlen);

const struct export_stats *export_stats(const struct export *ex);

#endif
