/* cursor: bounds-checked reading of untrusted bytes.
 *
 * Every parser reads packet and stream bytes through a cursor. A read that would pass the end
 * fails (returns false and marks the cursor bad) instead of touching memory it does not own;
 * later reads on a bad cursor keep failing, so a parser can check once at the end. */
#ifndef UPSCOPE_CURSOR_H
#define UPSCOPE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
    const uint8_t *p;
    size_t n;      /* bytes left */
    bool bad;      /* a read failed */
};

static inline struct cursor cursor_make(const uint8_t *p, size_t n)
{
    struct cursor c = { p, n, false };
    return c;
}

static inline bool cursor_need(struct cursor *c, size_t k)
{
    if (c->bad || c->n < k) {
        c->bad = true;
        return false;
    }
    return true;
}

static inline bool cursor_skip(struct cursor *c, size_t k)
{
    if (!cursor_need(c, k))
        return false;
    c->p += k;
    c->n -= k;
    return true;
}

static inline uint8_t cursor_u8(struct cursor *c)
{
    if (!cursor_need(c, 1))
        return 0;
    uint8_t v = c->p[0];
    c->p += 1;
    c->n -= 1;
    return v;
}

static inline uint16_t cursor_be16(struct cursor *c)
{
    if (!cursor_need(c, 2))
        return 0;
    uint16_t v = (uint16_t)((c->p[0] << 8) | c->p[1]);
    c->p += 2;
    c->n -= 2;
    return v;
}

static inline uint32_t cursor_be24(struct cursor *c)
{
    if (!cursor_need(c, 3))
        return 0;
    uint32_t v = ((uint32_t)c->p[0] << 16) | ((uint32_t)c->p[1] << 8) | c->p[2];
    c->p += 3;
    c->n -= 3;
    return v;
}

static inline uint32_t cursor_be32(struct cursor *c)
{
    if (!cursor_need(c, 4))
        return 0;
    uint32_t v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) |
                 ((uint32_t)c->p[2] << 8) | c->p[3];
    c->p += 4;
    c->n -= 4;
    return v;
}

static inline uint64_t cursor_be64(struct cursor *c)
{
    uint64_t hi = cursor_be32(c);
    uint64_t lo = cursor_be32(c);
    return (hi << 32) | lo;
}

/* Little-endian 32 bits: only the BSD loopback header uses host order. */
static inline uint32_t cursor_le32(struct cursor *c)
{
    if (!cursor_need(c, 4))
        return 0;
    uint32_t v = ((uint32_t)c->p[3] << 24) | ((uint32_t)c->p[2] << 16) |
                 ((uint32_t)c->p[1] << 8) | c->p[0];
    c->p += 4;
    c->n -= 4;
    return v;
}

/* Points *out at the next k bytes and steps over them. */
static inline bool cursor_take(struct cursor *c, size_t k, const uint8_t **out)
{
    if (!cursor_need(c, k))
        return false;
    *out = c->p;
    c->p += k;
    c->n -= k;
    return true;
}

#endif
