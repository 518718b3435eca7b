/* spool: a bounded, append-only store of captured packets on disk, read back by range.
 *
 * Packets are appended in capture order, each tagged with the id of its connection and its
 * sequence number in the capture (increasing), and get a logical offset that only grows. A
 * sparse index finds where the packets from a given sequence number on start. The store is a ring of chunk files created in $TMPDIR and
 * unlinked at once, so nothing is left behind on any exit (even SIGKILL). Past max_bytes the
 * oldest chunk is dropped; reading a range that reached into it yields what is left and says
 * how much was gone.
 *
 * One thread appends; another may read a snapshot (spool_snapshot) taken while the appender
 * is held off (the caller's lock): the snapshot holds its own file descriptors, so it reads
 * without any lock while appends and drops go on. */
#ifndef UPSCOPE_SPOOL_H
#define UPSCOPE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

struct spool;

/* One packet as stored. */
struct spool_record {
    uint64_t conn;             /* the connection it belongs to */
    uint64_t seq;              /* its place in the capture */
    ts_us_t ts;
    uint32_t caplen, wirelen;
    const uint8_t *data;       /* valid until the next read */
    int64_t offset;            /* its logical offset */
};

struct spool_stats {
    uint64_t bytes;            /* held now */
    uint64_t chunks_dropped;   /* chunks dropped past max_bytes */
    uint64_t bytes_dropped;
};

/* max_bytes: what the chunks may hold together (at least two chunks' worth is used). NULL with
 * err set if no temporary file can be made. */
struct spool *spool_open(uint64_t max_bytes, char *err, size_t errlen);
void spool_close(struct spool *sp);

/* Appends a packet; returns its logical offset, or -1 with err set (a write failed). */
int64_t spool_append(struct spool *sp, uint64_t conn, uint64_t seq, ts_us_t ts, uint32_t caplen,
                     uint32_t wirelen, const uint8_t *data, char *err, size_t errlen);

/* An offset at or before the first packet with a sequence number >= seq still held. */
int64_t spool_offset_of(const struct spool *sp, uint64_t seq);

/* The logical offset the next packet will get, and the oldest one still held. */
int64_t spool_end(const struct spool *sp);
int64_t spool_begin(const struct spool *sp);

const struct spool_stats *spool_stats(const struct spool *sp);

/* Reading [from, to): a snapshot owns duplicates of the chunk descriptors it needs. */
struct spool_reader;

/* Flushes what was appended, then opens a reader over [from, to) (clipped to what is held).
 * NULL with err set on failure. */
struct spool_reader *spool_snapshot(struct spool *sp, int64_t from, int64_t to, char *err,
                                    size_t errlen);

/* The next record, or false at the end (or on a read error: spool_reader_error says). */
bool spool_reader_next(struct spool_reader *r, struct spool_record *rec);

/* Bytes of the asked range that had been dropped before the snapshot was taken. */
int64_t spool_reader_missing(const struct spool_reader *r);
const char *spool_reader_error(const struct spool_reader *r);   /* NULL if none */
void spool_reader_close(struct spool_reader *r);

#endif
