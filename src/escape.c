/* escape: making untrusted bytes safe to print or to put in JSON (see escape.h). */
#include "escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Code points that reorder or hide text: Trojan Source (CVE-2021-42574) and friends. */
static bool is_hidden_format(uint32_t cp)
{
    return cp == 0x061C || cp == 0x00AD || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2069) ||
           cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB);
}

/* Escape text for one input position; returns bytes of input used, fills rep (NUL-ended). */
static size_t escape_one(const uint8_t *p, size_t n, enum escape_mode mode, char rep[16])
{
    uint8_t b = p[0];
    if (b >= 0x20 && b < 0x7F) {
        rep[0] = (char)b;
        rep[1] = '\0';
        return 1;
    }
    if (b < 0x80 && mode == ESCAPE_JSON) {
        rep[0] = (char)b; /* jansson writes controls as \u00XX */
        rep[1] = '\0';
        return 1;
    }
    if (b < 0x80) {
        const char *named = b == '\t' ? "\\t" : b == '\r' ? "\\r" : b == '\n' ? "\\n"
                          : b == 0x1B ? "\\e" : NULL;
        if (named)
            strcpy(rep, named);
        else
            snprintf(rep, 16, "\\x%02X", b);
        return 1;
    }
    uint32_t cp;
    size_t len = utf8_decode(p, n, &cp);
    if (len == 0) {
        snprintf(rep, 16, "\\x%02X", b);
        return 1;
    }
    if (mode == ESCAPE_TERMINAL && (cp < 0xA0 || is_hidden_format(cp))) {
        snprintf(rep, 16, "\\u{%04X}", (unsigned)cp);
        return len;
    }
    memcpy(rep, p, len);
    rep[len] = '\0';
    return len;
}

size_t escape_buf(char *out, size_t cap, const void *in, size_t len, enum escape_mode mode)
{
    if (cap == 0)
        return 0;
    const uint8_t *p = in;
    size_t o = 0, i = 0;
    char rep[16];
    while (i < len) {
        size_t used = escape_one(p + i, len - i, mode, rep);
        size_t rl = strlen(rep);
        bool last = i + used == len;
        /* keep room for "..." unless this is the final piece */
        if (o + rl + (last ? 0 : 3) >= cap) {
            if (cap > 3 && o + 3 < cap) {
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        memcpy(out + o, rep, rl);
        o += rl;
        i += used;
    }
    out[o] = '\0';
    return o;
}

char *escape_dup(const void *in, size_t len, enum escape_mode mode)
{
    size_t cap = len * 8 + 1; /* the longest escape, \u{XXXX}, is 8 bytes for a 2-byte input */
    char *out = malloc(cap);
    if (out)
        escape_buf(out, cap, in, len, mode);
    return out;
}
