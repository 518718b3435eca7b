/* pcapmap: classic pcap files read from a memory mapping (see pcapmap.h). */
#include "pcapmap.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"

#define FILE_HEADER 24
#define RECORD_HEADER 16
#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du
#define LINKTYPE_MASK 0x03FFFFFFu /* above it: FCS length bits (left to libpcap) */

static uint32_t get32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return swap ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, bool swap)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return swap ? __builtin_bswap16(v) : v;
}

bool pcapmap_open_mem(struct pcapmap *m, const void *base, size_t size)
{
    memset(m, 0, sizeof *m);
    if (size < FILE_HEADER)
        return false;
    const uint8_t *b = base;
    uint32_t magic = get32(b, false);
    if (magic == MAGIC_USEC || magic == MAGIC_NSEC) {
        m->swap = false;
    } else if (magic == __builtin_bswap32(MAGIC_USEC) || magic == __builtin_bswap32(MAGIC_NSEC)) {
        m->swap = true;
        magic = __builtin_bswap32(magic);
    } else {
        return false; /* pcapng, the modified formats, not a capture: libpcap says */
    }
    m->nsec = magic == MAGIC_NSEC;
    if (get16(b + 4, m->swap) != 2 || get16(b + 6, m->swap) != 4)
        return false; /* older versions swap caplen and len: libpcap knows them */
    uint32_t lt = get32(b + 20, m->swap);
    if (lt & ~LINKTYPE_MASK)
        return false;
    int dlt = decode_dlt_of_linktype(lt);
    if (!decode_linktype_supported(dlt))
        return false; /* libpcap maps it and capture_file names it in the error */
    /* libpcap's (1.10) snapshot: the header's, unless 0 or negative as an int */
    uint32_t snap = get32(b + 16, m->swap);
    m->snaplen = snap == 0 || snap > INT32_MAX ? DECODE_MAX_SNAPLEN : snap;
    m->dlt = dlt;
    m->base = b;
    m->size = size;
    m->off = FILE_HEADER;
    return true;
}

bool pcapmap_open_fd(struct pcapmap *m, int fd)
{
    memset(m, 0, sizeof *m);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < FILE_HEADER ||
        (uint64_t)st.st_size > SIZE_MAX)
        return false;
    size_t size = (size_t)st.st_size;
    void *base = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (base == MAP_FAILED)
        return false;
    if (!pcapmap_open_mem(m, base, size)) {
        munmap(base, size);
        return false;
    }
    /* read once, front to back: the kernel may read ahead further and drop pages behind */
    madvise(base, size, MADV_SEQUENTIAL);
    m->mapped = true;
    return true;
}

/* The pages before the previous record (minus m->lag): read, and done with by any thread
 * (probably, with a lag: a page touched again is read again). Dropped from the mapping, or
 * the resident set would grow to the file's size (they stay in the page cache for the kernel
 * to reclaim; touched again, they are read again from it). */
static void release_behind(struct pcapmap *m)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (m->prev < m->lag)
        return;
    size_t upto = ((m->prev - m->lag) / page) * page;
    if (upto > m->released) {
        madvise((void *)(m->base + m->released), upto - m->released, MADV_DONTNEED);
        m->released = upto;
    }
}

/* A record's time stamp as libpcap 1.10 gives it (and capture_file converts it): in a file of
 * our byte order the seconds and the fraction are signed 32-bit numbers, in a swapped one
 * unsigned (its byte swap yields an unsigned value); nanoseconds are divided by 1000 toward
 * zero; a fraction of a second or more is added as it is, a negative one subtracted (modulo
 * 2^64). Damaged files, not real ones, tell these apart; the fuzz target compares. */
static ts_us_t record_time(const struct pcapmap *m, uint32_t sec, uint32_t frac)
{
    int64_t s = m->swap ? (int64_t)sec : (int64_t)(int32_t)sec;
    int64_t f = m->swap ? (int64_t)frac : (int64_t)(int32_t)frac;
    if (m->nsec)
        f /= 1000;
    return (ts_us_t)(s * 1000000) + (ts_us_t)f;
}

enum pcapmap_status pcapmap_next(struct pcapmap *m, struct pcapmap_packet *p)
{
    size_t left = m->size - m->off;
    if (left == 0)
        return PCAPMAP_EOF;
    if (left < RECORD_HEADER) {
        snprintf(m->err, sizeof m->err,
                 "truncated dump file; tried to read %d header bytes, only got %zu",
                 RECORD_HEADER, left);
        return PCAPMAP_ERROR;
    }
    m->prev = m->off; /* the packet handed out last call ends here: its bytes are done */
    const uint8_t *h = m->base + m->off;
    uint32_t caplen = get32(h + 8, m->swap);
    if (caplen > DECODE_MAX_SNAPLEN) {
        if (caplen > m->snaplen)
            snprintf(m->err, sizeof m->err,
                     "invalid packet capture length %u, bigger than snaplen of %u", caplen,
                     m->snaplen);
        else
            snprintf(m->err, sizeof m->err,
                     "invalid packet capture length %u, bigger than maximum of %u", caplen,
                     DECODE_MAX_SNAPLEN);
        return PCAPMAP_ERROR;
    }
    size_t body = left - RECORD_HEADER;
    if (body < caplen) {
        /* over the snapshot length, libpcap reads that much first and says so if short */
        uint32_t want = caplen > m->snaplen && body < m->snaplen ? m->snaplen : caplen;
        snprintf(m->err, sizeof m->err,
                 "truncated dump file; tried to read %u captured bytes, only got %zu", want, body);
        return PCAPMAP_ERROR;
    }
    p->ts = record_time(m, get32(h, m->swap), get32(h + 4, m->swap));
    /* longer than the file's snapshot length: cut to it, the rest skipped, as libpcap does */
    p->caplen = caplen > m->snaplen ? m->snaplen : caplen;
    p->len = get32(h + 12, m->swap);
    p->data = h + RECORD_HEADER;
    m->off += RECORD_HEADER + caplen;
    if (m->mapped && m->off - m->released >= m->lag + PCAPMAP_RELEASE_EVERY)
        release_behind(m);
    return PCAPMAP_PACKET;
}

void pcapmap_drop_pages(struct pcapmap *m)
{
    if (m->mapped && m->base)
        madvise((void *)m->base, m->size, MADV_DONTNEED);
    m->released = m->size;
}

void pcapmap_close(struct pcapmap *m)
{
    if (m->mapped && m->base)
        munmap((void *)m->base, m->size);
    m->base = NULL;
    m->mapped = false;
}
