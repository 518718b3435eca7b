/* spool: bounded ring of unlinked chunk files holding packets (see spool.h). */
#include "spool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNKS_MAX 16
#define CHUNK_PARTS 8              /* max_bytes is held in this many chunks */
#define CHUNK_MIN (64u << 10)
#define WRITE_BUF (256u << 10)
#define READ_BUF (1u << 20)
#define RECORD_HEADER 32           /* conn, seq, ts, caplen, wirelen */
#define INDEX_EVERY (1u << 20)     /* a sparse index entry per this many bytes */
#define CAPLEN_MAX (1u << 20)      /* larger is not a record of ours: the file is damaged */

struct chunk {
    int fd;
    int64_t base;                  /* logical offset of its first byte */
    int64_t len;                   /* bytes in the file (written and buffered) */
};

struct index_entry {
    uint64_t seq;
    int64_t offset;
};

struct spool {
    struct chunk ring[CHUNKS_MAX];
    struct index_entry *index;     /* increasing seq and offset, from the oldest chunk on */
    size_t nindex, index_cap, index_first;
    int64_t next_index_at;
    int first, n;                  /* active chunks, oldest first */
    uint64_t chunk_size, max_bytes;
    uint8_t *wbuf;                 /* not yet written bytes of the newest chunk */
    size_t wlen;
    int64_t written;               /* bytes of the newest chunk already in its file */
    struct spool_stats stats;
};

static struct chunk *newest(struct spool *sp)
{
    return sp->n ? &sp->ring[(sp->first + sp->n - 1) % CHUNKS_MAX] : NULL;
}

static bool write_all(int fd, const uint8_t *p, size_t n, char *err, size_t errlen)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            snprintf(err, errlen, "writing the packet spool: %s",
                     k < 0 ? strerror(errno) : "nothing written");
            return false;
        }
        p += k;
        n -= (size_t)k;
    }
    return true;
}

static bool flush(struct spool *sp, char *err, size_t errlen)
{
    struct chunk *c = newest(sp);
    if (!c || sp->wlen == 0)
        return true;
    if (!write_all(c->fd, sp->wbuf, sp->wlen, err, errlen))
        return false;
    sp->written += (int64_t)sp->wlen;
    sp->wlen = 0;
    return true;
}

static void drop_oldest(struct spool *sp)
{
    struct chunk *c = &sp->ring[sp->first];
    while (sp->index_first < sp->nindex && sp->index[sp->index_first].offset < c->base + c->len)
        sp->index_first++;
    close(c->fd);
    sp->stats.chunks_dropped++;
    sp->stats.bytes_dropped += (uint64_t)c->len;
    sp->stats.bytes -= (uint64_t)c->len;
    sp->first = (sp->first + 1) % CHUNKS_MAX;
    sp->n--;
}

/* A new, empty, already unlinked chunk at the end of the ring. */
static bool new_chunk(struct spool *sp, int64_t base, char *err, size_t errlen)
{
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/upscope-spool-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    unlink(path); /* gone from the directory now; the descriptor keeps it alive */
    while (sp->n && (sp->n == CHUNKS_MAX || sp->stats.bytes + sp->chunk_size > sp->max_bytes))
        drop_oldest(sp);
    struct chunk *c = &sp->ring[(sp->first + sp->n) % CHUNKS_MAX];
    *c = (struct chunk){ fd, base, 0 };
    sp->n++;
    sp->written = 0;
    return true;
}

struct spool *spool_open(uint64_t max_bytes, char *err, size_t errlen)
{
    struct spool *sp = calloc(1, sizeof *sp);
    if (!sp || !(sp->wbuf = malloc(WRITE_BUF))) {
        snprintf(err, errlen, "out of memory");
        free(sp);
        return NULL;
    }
    sp->max_bytes = max_bytes;
    sp->chunk_size = max_bytes / CHUNK_PARTS < CHUNK_MIN ? CHUNK_MIN : max_bytes / CHUNK_PARTS;
    if (!new_chunk(sp, 0, err, errlen)) {
        spool_close(sp);
        return NULL;
    }
    return sp;
}

void spool_close(struct spool *sp)
{
    if (!sp)
        return;
    while (sp->n)
        drop_oldest(sp);
    free(sp->index);
    free(sp->wbuf);
    free(sp);
}

int64_t spool_end(const struct spool *sp)
{
    const struct chunk *c = sp->n ? &sp->ring[(sp->first + sp->n - 1) % CHUNKS_MAX] : NULL;
    return c ? c->base + c->len : 0;
}

int64_t spool_begin(const struct spool *sp)
{
    return sp->n ? sp->ring[sp->first].base : 0;
}

const struct spool_stats *spool_stats(const struct spool *sp)
{
    return &sp->stats;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* Remembers where packet seq is, every INDEX_EVERY bytes (dropped entries are reclaimed). */
static void index_note(struct spool *sp, uint64_t seq, int64_t off)
{
    if (off < sp->next_index_at)
        return;
    if (sp->index_first > 0 && sp->index_first * 2 >= sp->nindex) {
        memmove(sp->index, sp->index + sp->index_first,
                (sp->nindex - sp->index_first) * sizeof *sp->index);
        sp->nindex -= sp->index_first;
        sp->index_first = 0;
    }
    if (sp->nindex == sp->index_cap) {
        size_t cap = sp->index_cap ? sp->index_cap * 2 : 64;
        struct index_entry *nv = realloc(sp->index, cap * sizeof *nv);
        if (!nv)
            return; /* a coarser index, no harm */
        sp->index = nv;
        sp->index_cap = cap;
    }
    sp->index[sp->nindex++] = (struct index_entry){ seq, off };
    sp->next_index_at = off + INDEX_EVERY;
}

int64_t spool_offset_of(const struct spool *sp, uint64_t seq)
{
    size_t lo = sp->index_first, hi = sp->nindex; /* the last entry with seq <= the one asked */
    int64_t best = spool_begin(sp);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sp->index[mid].seq <= seq) {
            best = sp->index[mid].offset;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return best > spool_begin(sp) ? best : spool_begin(sp);
}

int64_t spool_append(struct spool *sp, uint64_t conn, uint64_t seq, ts_us_t ts, uint32_t caplen,
                     uint32_t wirelen, const uint8_t *data, char *err, size_t errlen)
{
    size_t need = RECORD_HEADER + (size_t)caplen;
    struct chunk *c = newest(sp);
    if (c->len && (uint64_t)c->len + need > sp->chunk_size) {
        if (!flush(sp, err, errlen) || !new_chunk(sp, c->base + c->len, err, errlen))
            return -1;
        c = newest(sp);
    }
    if (sp->wlen + need > WRITE_BUF && !flush(sp, err, errlen))
        return -1;
    int64_t off = c->base + c->len;
    index_note(sp, seq, off);
    uint8_t hdr[RECORD_HEADER];
    put_u64(hdr, conn);
    put_u64(hdr + 8, seq);
    put_u64(hdr + 16, ts);
    put_u32(hdr + 24, caplen);
    put_u32(hdr + 28, wirelen);
    if (need > WRITE_BUF) { /* a huge packet: straight to the file */
        if (!write_all(c->fd, hdr, sizeof hdr, err, errlen) ||
            !write_all(c->fd, data, caplen, err, errlen))
            return -1;
        sp->written += (int64_t)need;
    } else {
        memcpy(sp->wbuf + sp->wlen, hdr, sizeof hdr);
        memcpy(sp->wbuf + sp->wlen + sizeof hdr, data, caplen);
        sp->wlen += need;
    }
    c->len += (int64_t)need;
    sp->stats.bytes += need;
    return off;
}

/* ---- reading ---- */

struct reader_chunk {
    int fd;
    int64_t base, len;
};

struct spool_reader {
    struct reader_chunk chunks[CHUNKS_MAX];
    int n, cur;
    int64_t pos, to;               /* logical */
    int64_t missing;
    uint8_t *buf;                  /* READ_BUF bytes of the current chunk from buf_pos */
    int64_t buf_pos, buf_len;
    char error[160];
    bool failed;
};

struct spool_reader *spool_snapshot(struct spool *sp, int64_t from, int64_t to, char *err,
                                    size_t errlen)
{
    if (!flush(sp, err, errlen))
        return NULL;
    struct spool_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->buf = malloc(READ_BUF))) {
        snprintf(err, errlen, "out of memory");
        spool_reader_close(r);
        return NULL;
    }
    int64_t begin = spool_begin(sp);
    if (from < begin) {
        r->missing = (to < begin ? to : begin) - from;
        from = begin;
    }
    r->pos = from;
    r->to = to < spool_end(sp) ? to : spool_end(sp);
    for (int i = 0; i < sp->n; i++) {
        const struct chunk *c = &sp->ring[(sp->first + i) % CHUNKS_MAX];
        if (c->base + c->len <= from || c->base >= r->to)
            continue;
        int fd = dup(c->fd);
        if (fd < 0) {
            snprintf(err, errlen, "reading the packet spool: %s", strerror(errno));
            spool_reader_close(r);
            return NULL;
        }
        r->chunks[r->n++] = (struct reader_chunk){ fd, c->base, c->len };
    }
    r->buf_pos = -1;
    return r;
}

/* Makes [pos, pos + n) of the current chunk available in the buffer; NULL on failure. */
static const uint8_t *reader_bytes(struct spool_reader *r, const struct reader_chunk *c,
                                   int64_t pos, size_t n)
{
    if (r->buf_pos < 0 || pos < r->buf_pos || pos + (int64_t)n > r->buf_pos + r->buf_len) {
        int64_t want = c->base + c->len - pos;
        if (want > READ_BUF)
            want = READ_BUF;
        ssize_t k = pread(c->fd, r->buf, (size_t)want, pos - c->base);
        if (k < 0 || k < (ssize_t)n) {
            snprintf(r->error, sizeof r->error, "reading the packet spool: %s",
                     k < 0 ? strerror(errno) : "short read");
            r->failed = true;
            return NULL;
        }
        r->buf_pos = pos;
        r->buf_len = k;
    }
    return r->buf + (pos - r->buf_pos);
}

bool spool_reader_next(struct spool_reader *r, struct spool_record *rec)
{
    while (!r->failed && r->pos < r->to && r->cur < r->n) {
        const struct reader_chunk *c = &r->chunks[r->cur];
        if (r->pos < c->base)
            r->pos = c->base;
        if (r->pos >= c->base + c->len) {
            r->cur++;
            r->buf_pos = -1;
            continue;
        }
        const uint8_t *h = reader_bytes(r, c, r->pos, RECORD_HEADER);
        if (!h)
            return false;
        memcpy(&rec->conn, h, 8);
        memcpy(&rec->seq, h + 8, 8);
        memcpy(&rec->ts, h + 16, 8);
        memcpy(&rec->caplen, h + 24, 4);
        memcpy(&rec->wirelen, h + 28, 4);
        if (rec->caplen > CAPLEN_MAX) {
            snprintf(r->error, sizeof r->error, "the packet spool is damaged");
            r->failed = true;
            return false;
        }
        const uint8_t *d = reader_bytes(r, c, r->pos + RECORD_HEADER, rec->caplen);
        if (!d)
            return false;
        rec->data = d;
        rec->offset = r->pos;
        r->pos += RECORD_HEADER + rec->caplen;
        return true;
    }
    return false;
}

int64_t spool_reader_missing(const struct spool_reader *r)
{
    return r->missing;
}

const char *spool_reader_error(const struct spool_reader *r)
{
    return r->failed ? r->error : NULL;
}

void spool_reader_close(struct spool_reader *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n; i++)
        close(r->chunks[i].fd);
    free(r->buf);
    free(r);
}
