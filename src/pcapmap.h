/* pcapmap: classic pcap files read from a memory mapping of the file.
 *
 * libpcap reads a record with two freads through stdio: the kernel copies every byte into
 * stdio's buffer and stdio copies it again into libpcap's; on the benchmark that was a tenth
 * of the run. Mapped, the records are read where they lie.
 *
 * Only the plain format is read here: version 2.4, microsecond or nanosecond time stamps,
 * either byte order, a link type the decoder reads, no FCS bits. Anything else (a pipe,
 * standard input, the modified formats, older versions) is left to libpcap, whose behaviour
 * this reader keeps: a record longer than 262,144 bytes, or cut short by the end of the file,
 * is an error in libpcap's words. What was read is dropped from the mapping as reading goes
 * on (the resident set stays small); a packet's bytes stay readable until pcapmap_close() (a
 * dropped page is read again from the file), so the worker pool hands them to another thread
 * without a copy. Knows nothing of filters or decoding. */
#ifndef UPSCOPE_PCAPMAP_H
#define UPSCOPE_PCAPMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

#define PCAPMAP_RELEASE_EVERY (2u << 20) /* bytes read between two releases of what was read */
#define PCAPMAP_SHARED_LAG (16u << 20)   /* ... keeping the last this many when packets go to
                                          * worker threads, which may still be reading them */

struct pcapmap {
    const uint8_t *base;         /* the file's bytes */
    size_t size;
    size_t off;                  /* the next record's header */
    size_t prev;                 /* the record handed out last */
    size_t released;             /* bytes before it dropped from the mapping */
    size_t lag;                  /* bytes before the last record kept mapped (0, or
                                  * PCAPMAP_SHARED_LAG: set by the caller) */
    bool mapped;                 /* base is an mmap to undo at close */
    bool swap;                   /* the file's byte order is not ours */
    bool nsec;                   /* nanosecond time stamps */
    int dlt;                     /* the link type, as a DLT_ value (LINKTYPE_RAW is DLT_RAW) */
    uint32_t snaplen;            /* the header's (0, or over 2^31 - 1: the maximum) */
    char err[192];               /* libpcap's words, without the file or record */
};

struct pcapmap_packet {
    ts_us_t ts;
    uint32_t caplen, len;
    const uint8_t *data;         /* in the mapping: valid until pcapmap_close() */
};

enum pcapmap_status { PCAPMAP_PACKET, PCAPMAP_EOF, PCAPMAP_ERROR };

/* Reads the file header of size bytes at base (kept, not copied). False if this reader does
 * not take the file (not plain pcap 2.4, a link type not decoded, FCS bits): the caller reads
 * it with libpcap instead. */
bool pcapmap_open_mem(struct pcapmap *m, const void *base, size_t size);

/* Maps the regular file open on fd and reads its header. False if fd is not a regular file,
 * cannot be mapped, or pcapmap_open_mem() does not take it; nothing is left mapped then. fd
 * may be closed afterwards: the mapping stays. */
bool pcapmap_open_fd(struct pcapmap *m, int fd);

/* The next record; at PCAPMAP_ERROR m->err says what. */
enum pcapmap_status pcapmap_next(struct pcapmap *m, struct pcapmap_packet *p);

/* Where the next record starts, in bytes from the start of the file. */
static inline uint64_t pcapmap_offset(const struct pcapmap *m) { return m->off; }

/* Drops every page from the mapping (the file was read through); they read again from the
 * file if touched. The mapping stays until pcapmap_close(). */
void pcapmap_drop_pages(struct pcapmap *m);

void pcapmap_close(struct pcapmap *m);

#endif
