/* utf8: incremental UTF-8 validation (RFC 3629).
 *
 * The state carries over between calls, so a text message split across WebSocket fragments or
 * TCP segments is validated as one sequence: a character may straddle two calls. Rejects
 * overlong forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF, at the first byte
 * where the sequence can no longer be valid (RFC 6455 §8.1 asks to fail fast). */
#ifndef UPSCOPE_UTF8_H
#define UPSCOPE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct utf8_state {
    uint8_t need;      /* continuation bytes still expected */
    uint8_t lo, hi;    /* allowed range of the next continuation byte */
    bool bad;          /* an invalid byte was seen (sticky) */
};

static inline void utf8_init(struct utf8_state *s)
{
    s->need = 0;
    s->lo = 0x80;
    s->hi = 0xBF;
    s->bad = false;
}

/* Feeds bytes; returns false once the input so far cannot be valid UTF-8. */
bool utf8_feed(struct utf8_state *s, const uint8_t *p, size_t n);

/* True if everything fed is valid and no character is left unfinished. */
static inline bool utf8_complete(const struct utf8_state *s)
{
    return !s->bad && s->need == 0;
}

/* Length of the valid UTF-8 character at p (1..4), or 0 if p does not start one. Sets *cp. */
size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp);

/* Whole-buffer check. */
bool utf8_valid(const uint8_t *p, size_t n);

#endif
