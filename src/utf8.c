/* utf8: a byte-at-a-time UTF-8 validator following the table in RFC 3629 §4. */
#include "utf8.h"

/* Sets the state for the lead byte b; false if b cannot start a character. */
static bool lead(struct utf8_state *s, uint8_t b)
{
    s->lo = 0x80;
    s->hi = 0xBF;
    if (b < 0x80) {
        s->need = 0;
    } else if (b >= 0xC2 && b <= 0xDF) {
        s->need = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
        s->need = 2;
        if (b == 0xE0)
            s->lo = 0xA0;  /* no overlong three-byte forms */
        else if (b == 0xED)
            s->hi = 0x9F;  /* no surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        s->need = 3;
        if (b == 0xF0)
            s->lo = 0x90;  /* no overlong four-byte forms */
        else if (b == 0xF4)
            s->hi = 0x8F;  /* nothing above U+10FFFF */
    } else {
        return false;      /* 0x80..0xC1 and 0xF5..0xFF never lead */
    }
    return true;
}

bool utf8_feed(struct utf8_state *s, const uint8_t *p, size_t n)
{
    if (s->bad)
        return false;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (s->need == 0) {
            if (b < 0x80)
                continue;
            if (!lead(s, b)) {
                s->bad = true;
                return false;
            }
        } else {
            if (b < s->lo || b > s->hi) {
                s->bad = true;
                return false;
            }
            s->need--;
            s->lo = 0x80;
            s->hi = 0xBF;
        }
    }
    return true;
}

size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp)
{
    struct utf8_state s;
    utf8_init(&s);
    if (n == 0 || !lead(&s, p[0]))
        return 0;
    size_t len = (size_t)s.need + 1;
    if (len > n)
        return 0;
    static const uint8_t lead_mask[4] = { 0x7F, 0x1F, 0x0F, 0x07 };
    uint32_t v = p[0] & lead_mask[len - 1];
    for (size_t i = 1; i < len; i++) {
        if (p[i] < s.lo || p[i] > s.hi)
            return 0;
        s.lo = 0x80;
        s.hi = 0xBF;
        v = (v << 6) | (p[i] & 0x3F);
    }
    *cp = v;
    return len;
}

bool utf8_valid(const uint8_t *p, size_t n)
{
    struct utf8_state s;
    utf8_init(&s);
    return utf8_feed(&s, p, n) && utf8_complete(&s);
}
