/* defrag: IP fragment reassembly with first-copy-wins overlaps and counted caps (see defrag.h). */
#include "defrag.h"

#include <stdlib.h>
#include <string.h>

#include "siphash.h"

#define SEC_US 1000000ULL
#define IPV4_MAX 65535u               /* RFC 791 §3.1: Total Length is 16 bits */
#define IPV6_MAX_PAYLOAD 65535u       /* RFC 8200 §4.5: reassembled Payload Length */
#define BLOCKS (IPV6_MAX_PAYLOAD / 8 + 1)
#define GROW 2048u                    /* data buffers grow in these steps */

/* One datagram being put together. */
struct dgram {
    struct dgram *hnext;              /* hash chain */
    struct dgram *older, *newer;      /* the age list */
    struct defrag_key key;
    ts_us_t deadline;
    uint8_t *data;                    /* the fragmentable part, as received */
    uint32_t cap;
    uint8_t *head;                    /* from the fragment at offset 0 */
    uint32_t head_len, nh_at;
    uint8_t next;
    bool total_known;
    uint32_t total;                   /* the fragmentable part's length, once the last is seen */
    uint32_t max_end;                 /* the furthest byte a fragment reached */
    uint32_t filled;                  /* bytes held (each once) */
    uint32_t nfrags, conflicts;
    uint64_t mem;                     /* bytes counted for it */
    uint8_t map[BLOCKS / 8 + 1];      /* 8-byte blocks held */
};

struct defrag {
    struct defrag_limits lim;
    uint8_t secret[16];
    struct dgram **buckets;
    uint32_t mask;
    struct dgram *oldest, *newest;
    struct defrag_stats st;
};

void defrag_limits_defaults(struct defrag_limits *lim)
{
    lim->timeout_v4 = 30 * SEC_US;
    lim->timeout_v6 = 60 * SEC_US;
    lim->max_datagrams = 4096;
    lim->max_bytes = 16u << 20;
    lim->max_fragments = 1024;
}

struct defrag *defrag_new(const struct defrag_limits *lim, const uint8_t secret[16])
{
    struct defrag *df = calloc(1, sizeof *df);
    if (!df)
        return NULL;
    df->lim = *lim;
    if (df->lim.max_datagrams == 0)
        df->lim.max_datagrams = 1;
    memcpy(df->secret, secret, 16);
    uint32_t nb = 16;
    while (nb < df->lim.max_datagrams && nb < (1u << 20))
        nb <<= 1;
    df->buckets = calloc(nb, sizeof *df->buckets);
    if (!df->buckets) {
        free(df);
        return NULL;
    }
    df->mask = nb - 1;
    return df;
}

const struct defrag_stats *defrag_stats(const struct defrag *df)
{
    return &df->st;
}

/* ---- the table ---- */

static struct dgram **bucket_of(struct defrag *df, const struct defrag_key *k)
{
    return &df->buckets[siphash24(df->secret, k, sizeof *k) & df->mask];
}

static void account(struct defrag *df, struct dgram *g, uint64_t add)
{
    g->mem += add;
    df->st.bytes += add;
    if (df->st.bytes > df->st.bytes_peak)
        df->st.bytes_peak = df->st.bytes;
}

static void dgram_remove(struct defrag *df, struct dgram *g)
{
    struct dgram **pp = bucket_of(df, &g->key);
    while (*pp && *pp != g)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = g->hnext;
    if (g->older)
        g->older->newer = g->newer;
    else
        df->oldest = g->newer;
    if (g->newer)
        g->newer->older = g->older;
    else
        df->newest = g->older;
    df->st.bytes -= g->mem;
    df->st.datagrams--;
    free(g->data);
    free(g->head);
    free(g);
}

static struct dgram *dgram_find(struct defrag *df, const struct defrag_key *k)
{
    for (struct dgram *g = *bucket_of(df, k); g; g = g->hnext)
        if (memcmp(&g->key, k, sizeof *k) == 0)
            return g;
    return NULL;
}

/* Makes room for add more bytes within the byte cap, dropping the oldest datagrams (but not
 * keep); false if even that is not enough. */
static bool fit(struct defrag *df, uint64_t add, const struct dgram *keep)
{
    while (df->st.bytes + add > df->lim.max_bytes && df->oldest && df->oldest != keep) {
        df->st.evicted++;
        dgram_remove(df, df->oldest);
    }
    return df->st.bytes + add <= df->lim.max_bytes;
}

static struct dgram *dgram_create(struct defrag *df, const struct defrag_key *k, ts_us_t ts)
{
    if (df->st.datagrams >= df->lim.max_datagrams && df->oldest) {
        df->st.evicted++;
        dgram_remove(df, df->oldest);
    }
    if (!fit(df, sizeof(struct dgram), NULL)) {
        df->st.evicted++;                       /* a cap smaller than one datagram */
        return NULL;
    }
    struct dgram *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->key = *k;
    g->deadline = ts + (k->family == 4 ? df->lim.timeout_v4 : df->lim.timeout_v6);
    struct dgram **b = bucket_of(df, k);
    g->hnext = *b;
    *b = g;
    g->older = df->newest;
    if (df->newest)
        df->newest->newer = g;
    else
        df->oldest = g;
    df->newest = g;
    df->st.datagrams++;
    if (df->st.datagrams > df->st.datagrams_peak)
        df->st.datagrams_peak = df->st.datagrams;
    account(df, g, sizeof *g);
    return g;
}

void defrag_expire(struct defrag *df, ts_us_t now)
{
    while (df->oldest && df->oldest->deadline <= now) {
        df->st.timed_out++;
        dgram_remove(df, df->oldest);
    }
}

void defrag_free(struct defrag *df)
{
    if (!df)
        return;
    while (df->oldest)
        dgram_remove(df, df->oldest);
    free(df->buckets);
    free(df);
}

/* ---- one fragment ---- */

/* Room for bytes up to end, within the byte cap (older datagrams go first); false if the cap
 * cannot be met or memory runs out. */
static bool make_room(struct defrag *df, struct dgram *g, uint32_t end)
{
    if (end <= g->cap)
        return true;
    uint32_t cap = (end + GROW - 1) / GROW * GROW;
    uint64_t add = cap - g->cap;
    if (!fit(df, add, g))
        return false;
    uint8_t *p = realloc(g->data, cap);
    if (!p)
        return false;
    g->data = p;
    g->cap = cap;
    account(df, g, add);
    return true;
}

static bool block_held(const struct dgram *g, uint32_t b)
{
    return g->map[b / 8] & (1u << (b % 8));
}

/* Copies the bytes of blocks not yet held; compares the others. First copy wins. */
static void fill(struct defrag *df, struct dgram *g, const struct defrag_frag *f)
{
    uint32_t end = f->offset + f->len;
    bool same = false, differ = false;
    for (uint32_t b = f->offset / 8; b * 8 < end; b++) {
        uint32_t from = b * 8, to = from + 8 < end ? from + 8 : end;
        const uint8_t *src = f->data + (from - f->offset);
        if (block_held(g, b)) {
            if (memcmp(g->data + from, src, to - from) != 0)
                differ = true;
            else
                same = true;
            continue;
        }
        memcpy(g->data + from, src, to - from);
        g->map[b / 8] |= (uint8_t)(1u << (b % 8));
        g->filled += to - from;
    }
    if (differ) {
        g->conflicts++;
        df->st.conflicts++;
    } else if (same) {
        df->st.duplicates++;
    }
}

/* The first fragment's header, kept once (RFC 8200 §4.5: the first fragment's unfragmentable
 * part is the reassembled packet's). */
static bool keep_head(struct defrag *df, struct dgram *g, const struct defrag_frag *f)
{
    if (f->offset != 0 || g->head)
        return true;
    if (!fit(df, f->head_len, g))
        return false;
    g->head = malloc(f->head_len ? f->head_len : 1);
    if (!g->head)
        return false;
    memcpy(g->head, f->head, f->head_len);
    g->head_len = f->head_len;
    g->nh_at = f->nh_at;
    g->next = f->next;
    account(df, g, f->head_len);
    return true;
}

/* The last fragment fixes the length; another last fragment with another end conflicts.
 * Returns false when the datagram cannot be right (bytes already beyond its end). */
static bool note_end(struct defrag *df, struct dgram *g, const struct defrag_frag *f,
                     bool *drop_frag)
{
    uint32_t end = f->offset + f->len;
    *drop_frag = false;
    if (f->more) {
        if (g->total_known && end > g->total) {
            df->st.malformed++;
            *drop_frag = true;
        }
        return true;
    }
    if (g->total_known) {
        if (end != g->total) {
            g->conflicts++;
            df->st.conflicts++;
            *drop_frag = true;
        }
        return true;
    }
    if (g->max_end > end)
        return false;
    g->total = end;
    g->total_known = true;
    return true;
}

/* The datagram, whole: header, lengths fixed, then the data. NULL if it would be too big
 * (counted) or memory runs out. */
static struct defrag_datagram *rebuild(struct defrag *df, const struct dgram *g)
{
    uint32_t len = g->head_len + g->total;
    bool v4 = g->key.family == 4;
    if ((v4 && (g->head_len < 20 || len > IPV4_MAX)) ||
        (!v4 && (g->head_len < 40 || len - 40 > IPV6_MAX_PAYLOAD || g->nh_at >= g->head_len))) {
        df->st.too_big++;
        return NULL;
    }
    struct defrag_datagram *d = malloc(sizeof *d + len);
    if (!d)
        return NULL;
    d->len = len;
    d->conflicts = g->conflicts;
    memcpy(d->bytes, g->head, g->head_len);
    if (g->total)
        memcpy(d->bytes + g->head_len, g->data, g->total);
    uint32_t field = v4 ? len : len - 40;      /* Total Length / Payload Length */
    d->bytes[v4 ? 2 : 4] = (uint8_t)(field >> 8);
    d->bytes[v4 ? 3 : 5] = (uint8_t)field;
    if (v4) {
        d->bytes[6] &= 0x40;                    /* keep DF; MF and the offset are gone */
        d->bytes[7] = 0;
    } else {
        d->bytes[g->nh_at] = g->next;           /* the Fragment header is gone */
    }
    return d;
}

/* Checks that need no state: RFC 8200 §4.5 and RFC 791 §3.2. */
static bool frag_valid(struct defrag *df, const struct defrag_key *k, const struct defrag_frag *f)
{
    /* every fragment but the last carries a multiple of 8 bytes */
    if (f->more && (f->len == 0 || f->len % 8)) {
        df->st.malformed++;
        return false;
    }
    uint32_t max = k->family == 4 ? IPV4_MAX - 20 : IPV6_MAX_PAYLOAD;
    if ((uint64_t)f->offset + f->len > max) {   /* a datagram past 65,535 bytes */
        df->st.too_big++;
        return false;
    }
    return true;
}

enum defrag_result defrag_add(struct defrag *df, const struct defrag_key *key,
                              const struct defrag_frag *frag, ts_us_t ts,
                              struct defrag_datagram **out)
{
    *out = NULL;
    df->st.fragments++;
    defrag_expire(df, ts);
    if (!frag_valid(df, key, frag))
        return DEFRAG_DROPPED;
    struct dgram *g = dgram_find(df, key);
    if (!g && !(g = dgram_create(df, key, ts)))
        return DEFRAG_DROPPED;
    if (++g->nfrags > df->lim.max_fragments) {
        df->st.too_many_fragments++;
        dgram_remove(df, g);
        return DEFRAG_DROPPED;
    }
    bool drop_frag;
    if (!note_end(df, g, frag, &drop_frag)) {
        df->st.malformed++;                     /* bytes already past the end it says */
        dgram_remove(df, g);
        return DEFRAG_DROPPED;
    }
    if (drop_frag)
        return DEFRAG_HELD;
    uint32_t end = frag->offset + frag->len;
    if (!make_room(df, g, end) || !keep_head(df, g, frag)) {
        df->st.evicted++;
        dgram_remove(df, g);
        return DEFRAG_DROPPED;
    }
    fill(df, g, frag);
    if (end > g->max_end)
        g->max_end = end;
    if (!g->total_known || !g->head || g->filled != g->total)
        return DEFRAG_HELD;
    *out = rebuild(df, g);
    dgram_remove(df, g);
    if (!*out)
        return DEFRAG_DROPPED;
    df->st.reassembled++;
    return DEFRAG_DONE;
}
