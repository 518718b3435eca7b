/* pcapng: blocks, interfaces and packets of a pcapng file (see pcapng.h). */
#include "pcapng.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "decode.h"

enum {
    BLOCK_SHB = 0x0A0D0D0A,      /* Section Header: the same in both byte orders */
    BLOCK_IDB = 1,
    BLOCK_PB = 2,                /* the obsolete Packet Block */
    BLOCK_SPB = 3,
    BLOCK_EPB = 6,
    BYTE_ORDER_MAGIC = 0x1A2B3C4D,
    OPT_END = 0,
    OPT_TSRESOL = 9,
    OPT_TSOFFSET = 14,
};

bool pcapng_magic(const uint8_t first4[4])
{
    return first4[0] == 0x0A && first4[1] == 0x0D && first4[2] == 0x0D && first4[3] == 0x0A;
}

static uint32_t get32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, bool swap)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return swap ? __builtin_bswap16(v) : v;
}

static uint64_t get64(const uint8_t *p, bool swap)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return swap ? __builtin_bswap64(v) : v;
}

static enum pcapng_status fail(struct pcapng *r, const char *why)
{
    snprintf(r->err, sizeof r->err, "%s: pcapng block %llu: %s", r->name,
             (unsigned long long)r->blocks, why);
    return PCAPNG_ERROR;
}

static bool read_exact(struct pcapng *r, void *p, size_t n)
{
    return n == 0 || fread(p, 1, n, r->f) == n;
}

static bool reserve(struct pcapng *r, size_t n)
{
    if (n <= r->buf_cap)
        return true;
    uint8_t *b = realloc(r->buf, n);
    if (!b)
        return false;
    r->buf = b;
    r->buf_cap = n;
    return true;
}

/* The next block: its type, its body in r->buf (*body bytes). A Section Header sets the byte
 * order of what follows (its own length is read in it). */
static enum pcapng_status read_block(struct pcapng *r, uint32_t *type, uint32_t *body)
{
    uint8_t h[8];
    size_t k = fread(h, 1, 8, r->f);
    if (k == 0 && feof(r->f))
        return PCAPNG_EOF;
    r->blocks++;
    if (k < 8)
        return fail(r, "the file ends inside a block header");
    uint8_t magic[4] = { 0 };
    *type = get32(h, r->swap);
    if (*type == BLOCK_SHB) {
        if (!read_exact(r, magic, 4))
            return fail(r, "the file ends inside a section header");
        if (get32(magic, false) == BYTE_ORDER_MAGIC)
            r->swap = false;
        else if (get32(magic, true) == BYTE_ORDER_MAGIC)
            r->swap = true;
        else
            return fail(r, "a section header without the byte-order magic");
    }
    uint32_t total = get32(h + 4, r->swap);
    if (total < 12 + (*type == BLOCK_SHB ? 16u : 0u) || total % 4 || total > PCAPNG_BLOCK_MAX)
        return fail(r, "an impossible block length");
    *body = total - 12;
    if (!reserve(r, (size_t)*body + 4)) /* the trailing length read with the body: one read */
        return fail(r, "out of memory");
    size_t have = *type == BLOCK_SHB ? 4 : 0;
    memcpy(r->buf, magic, have);
    if (!read_exact(r, r->buf + have, *body - have + 4))
        return fail(r, "the file ends inside a block");
    if (get32(r->buf + *body, r->swap) != total)
        return fail(r, "its two lengths differ");
    return PCAPNG_PACKET; /* a block, that is */
}

/* ---- blocks ---- */

static enum pcapng_status section(struct pcapng *r, uint32_t body)
{
    (void)body;
    if (get16(r->buf + 4, r->swap) != 1) /* major version 1 (minor 0 or 2) */
        return fail(r, "a pcapng major version other than 1");
    r->nifaces = 0;                      /* interface numbers are per section */
    return PCAPNG_PACKET;
}

/* if_tsresol and if_tsoffset among an interface's options. */
static enum pcapng_status iface_options(struct pcapng *r, struct cursor c,
                                        struct pcapng_iface *i)
{
    while (c.n >= 4) {
        const uint8_t *h;
        cursor_take(&c, 4, &h);
        uint16_t code = get16(h, r->swap), len = get16(h + 2, r->swap);
        const uint8_t *v;
        if (code == OPT_END)
            break;
        if (!cursor_take(&c, len, &v) || !cursor_skip(&c, (4 - len % 4) % 4))
            return fail(r, "an option runs past its block");
        if (code == OPT_TSRESOL && len == 1)
            i->tsresol = v[0];
        else if (code == OPT_TSOFFSET && len == 8)
            i->tsoffset = (int64_t)get64(v, r->swap);
    }
    if ((i->tsresol & 0x80) ? (i->tsresol & 0x7F) > 63 : i->tsresol > 18)
        return fail(r, "an interface's time stamp resolution upscope cannot use");
    return PCAPNG_PACKET;
}

static enum pcapng_status interface(struct pcapng *r, uint32_t body)
{
    if (body < 8)
        return fail(r, "an interface description too short");
    if (r->nifaces == PCAPNG_IFACES_MAX)
        return fail(r, "more interfaces than upscope keeps in one section");
    if (r->nifaces == r->ifaces_cap) {
        uint32_t cap = r->ifaces_cap ? r->ifaces_cap * 2 : 4;
        struct pcapng_iface *v = realloc(r->ifaces, cap * sizeof *v);
        if (!v)
            return fail(r, "out of memory");
        r->ifaces = v;
        r->ifaces_cap = cap;
    }
    struct pcapng_iface i = { .linktype = decode_dlt_of_linktype(get16(r->buf, r->swap)),
                              .snaplen = get32(r->buf + 4, r->swap), .tsresol = 6 };
    enum pcapng_status st = iface_options(r, cursor_make(r->buf + 8, body - 8), &i);
    if (st == PCAPNG_PACKET)
        r->ifaces[r->nifaces++] = i;
    return st;
}

/* The interface's time stamp units (RFC-style if_tsresol) to microseconds, plus its offset. */
static ts_us_t to_us(const struct pcapng_iface *i, uint64_t t)
{
    unsigned n = i->tsresol & 0x7F;
    uint64_t us;
    if (i->tsresol & 0x80) {                   /* 2^-n seconds */
        us = (uint64_t)(((unsigned __int128)t * 1000000u) >> n);
    } else if (n >= 6) {                       /* 10^-n seconds */
        uint64_t div = 1;
        for (unsigned k = 6; k < n; k++)
            div *= 10;
        us = t / div;
    } else {
        uint64_t mul = 1;
        for (unsigned k = n; k < 6; k++)
            mul *= 10;
        us = t > UINT64_MAX / mul ? UINT64_MAX : t * mul;
    }
    /* if_tsoffset in seconds, either sign; a damaged one saturates (its magnitude taken
     * without negating INT64_MIN) */
    int64_t off = i->tsoffset;
    uint64_t mag = off < 0 ? (uint64_t)0 - (uint64_t)off : (uint64_t)off;
    uint64_t shift = mag > UINT64_MAX / 1000000u ? UINT64_MAX : mag * 1000000u;
    if (off < 0)
        return shift > us ? 0 : us - shift;
    return us > UINT64_MAX - shift ? UINT64_MAX : us + shift;
}

/* An Enhanced (or obsolete) Packet Block: interface, time stamp, lengths, then the data. */
static enum pcapng_status packet(struct pcapng *r, uint32_t type, uint32_t body,
                                 struct pcapng_packet *p)
{
    if (body < 20)
        return fail(r, "a packet block too short");
    const uint8_t *b = r->buf;
    p->iface = type == BLOCK_EPB ? get32(b, r->swap) : get16(b, r->swap);
    uint64_t t = (uint64_t)get32(b + 4, r->swap) << 32 | get32(b + 8, r->swap);
    p->caplen = get32(b + 12, r->swap);
    p->len = get32(b + 16, r->swap);
    if (p->caplen > body - 20)
        return fail(r, "packet data past the end of its block");
    if (p->iface >= r->nifaces)
        return fail(r, "a packet on an interface the section did not describe");
    p->ts = r->last_ts = to_us(&r->ifaces[p->iface], t);
    p->linktype = r->ifaces[p->iface].linktype;
    p->data = b + 20;
    return PCAPNG_PACKET;
}

/* A Simple Packet Block: interface 0, no time stamp (the last one is used), the data cut to
 * what the block holds and to the interface's snap length. */
static enum pcapng_status simple_packet(struct pcapng *r, uint32_t body,
                                        struct pcapng_packet *p)
{
    if (body < 4)
        return fail(r, "a simple packet block too short");
    if (r->nifaces == 0)
        return fail(r, "a packet before any interface");
    p->len = get32(r->buf, r->swap);
    p->caplen = p->len < body - 4 ? p->len : body - 4;
    if (r->ifaces[0].snaplen && p->caplen > r->ifaces[0].snaplen)
        p->caplen = r->ifaces[0].snaplen;
    p->iface = 0;
    p->ts = r->last_ts;
    p->linktype = r->ifaces[0].linktype;
    p->data = r->buf + 4;
    return PCAPNG_PACKET;
}

enum pcapng_status pcapng_next(struct pcapng *r, struct pcapng_packet *p)
{
    for (;;) {
        uint32_t type, body;
        enum pcapng_status st = read_block(r, &type, &body);
        if (st != PCAPNG_PACKET)
            return st;
        if (type == BLOCK_SHB)
            st = section(r, body);
        else if (type == BLOCK_IDB)
            st = interface(r, body);
        else if (type == BLOCK_EPB || type == BLOCK_PB)
            return packet(r, type, body, p);
        else if (type == BLOCK_SPB)
            return simple_packet(r, body, p);
        if (st != PCAPNG_PACKET)
            return st;
    }
}

bool pcapng_open(struct pcapng *r, FILE *f, const char *name)
{
    memset(r, 0, sizeof *r);
    r->f = f;
    r->name = name;
    uint32_t type, body;
    if (read_block(r, &type, &body) != PCAPNG_PACKET || type != BLOCK_SHB ||
        section(r, body) != PCAPNG_PACKET) {
        if (!r->err[0])
            snprintf(r->err, sizeof r->err, "%s: not a pcapng file", name);
        return false;
    }
    while (r->nifaces == 0) {                  /* up to the first interface */
        enum pcapng_status st = read_block(r, &type, &body);
        if (st == PCAPNG_EOF) {
            snprintf(r->err, sizeof r->err, "%s: a pcapng file without interfaces", name);
            return false;
        }
        if (st == PCAPNG_PACKET && (type == BLOCK_EPB || type == BLOCK_PB || type == BLOCK_SPB))
            st = fail(r, "a packet before any interface");
        else if (st == PCAPNG_PACKET && type == BLOCK_SHB)
            st = section(r, body);
        else if (st == PCAPNG_PACKET && type == BLOCK_IDB)
            st = interface(r, body);
        if (st == PCAPNG_ERROR)
            return false;
    }
    return true;
}

int pcapng_first_linktype(const struct pcapng *r)
{
    return r->nifaces ? r->ifaces[0].linktype : -1;
}

void pcapng_close(struct pcapng *r)
{
    free(r->ifaces);
    free(r->buf);
    r->ifaces = NULL;
    r->buf = NULL;
    r->nifaces = r->ifaces_cap = 0;
}
