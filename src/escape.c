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

/* Escape text for one input position: returns bytes of input used, fills rep and *rep_len
 * (rep may hold a NUL byte in JSON mode, so its length is not strlen's). */
static size_t escape_one(const uint8_t *p, size_t n, enum escape_mode mode, char rep[16],
                         size_t *rep_len)
{
    uint8_t b = p[0];
    *rep_len = 1;
    if ((b >= 0x20 && b < 0x7F) || (b < 0x80 && mode == ESCAPE_JSON)) {
        rep[0] = (char)b; /* in JSON, jansson writes controls (NUL too) as \u00XX */
        return 1;
    }
    if (b < 0x80) {
        const char *named = b == '\t' ? "\\t" : b == '\r' ? "\\r" : b == '\n' ? "\\n"
                          : b == 0x1B ? "\\e" : NULL;
        if (named)
            strcpy(rep, named);
        else
            snprintf(rep, 16, "\\x%02X", b);
        *rep_len = strlen(rep);
        return 1;
    }
    uint32_t cp;
    size_t len = utf8_decode(p, n, &cp);
    if (len == 0) {
        *rep_len = (size_t)snprintf(rep, 16, "\\x%02X", b);
        return 1;
    }
    if (mode == ESCAPE_TERMINAL && (cp < 0xA0 || is_hidden_format(cp))) {
        *rep_len = (size_t)snprintf(rep, 16, "\\u{%04X}", (unsigned)cp);
        return len;
    }
    memcpy(rep, p, len);
    *rep_len = len;
    return len;
}

size_t escape_buf(char *out, size_t cap, const void *in, size_t len, enum escape_mode mode)
{
    if (cap == 0)
        return 0;
    const uint8_t *p = in;
    size_t o = 0, i = 0, rl;
    char rep[16];
    while (i < len) {
        size_t used = escape_one(p + i, len - i, mode, rep, &rl);
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
