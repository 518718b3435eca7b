/* json_text: compact ASCII JSON text of a jansson tree, as json_dumps writes it (see
 * json_text.h). */
#include "json_text.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
    char *p;
    size_t len, cap;
    bool failed;
};

/* Makes room for n more bytes and the final NUL; false (and failed) if out of memory. */
static bool grow(struct out *o, size_t n)
{
    if (o->failed)
        return false;
    size_t cap = o->cap ? o->cap : 4096; /* a session's line is about 3 KB */
    while (o->len + n + 1 > cap)
        cap *= 2;
    char *p = realloc(o->p, cap);
    if (!p) {
        o->failed = true;
        return false;
    }
    o->p = p;
    o->cap = cap;
    return true;
}

/* Called for every token: the common case (room left) is a copy and nothing else; the NUL is
 * written once, at the end. */
static inline void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap && !grow(o, n))
        return;
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

/* The code point of the UTF-8 sequence at s (n bytes left) and its length; 0 if invalid. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t v = len == 1 ? c : c & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0; /* overlong, past Unicode, a surrogate: jansson refuses them too */
    *cp = v;
    return len;
}

/* A string: ASCII printable runs copied, the rest escaped as json_dumps escapes it
 * (JSON_ENSURE_ASCII: \uXXXX in upper-case hex, a surrogate pair past the BMP). */
static void put_string(struct out *o, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    put(o, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\') {
            i++; /* the common byte, without decoding */
            continue;
        }
        uint32_t cp; /* a control, a quote, a backslash, or past ASCII: escaped */
        size_t len = utf8_next(s + i, n - i, &cp);
        if (len == 0) {
            o->failed = true;
            return;
        }
        put(o, str + run, i - run);
        char seq[13];
        const char *esc = seq;
        switch (cp) {
        case '\\': esc = "\\\\"; break;
        case '"': esc = "\\\""; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            if (cp < 0x10000) {
                snprintf(seq, sizeof seq, "\\u%04X", (unsigned)cp);
            } else {
                cp -= 0x10000;
                snprintf(seq, sizeof seq, "\\u%04X\\u%04X", (unsigned)(0xD800 | (cp >> 10)),
                         (unsigned)(0xDC00 | (cp & 0x3FF)));
            }
        }
        put(o, esc, strlen(esc));
        i += len;
        run = i;
    }
    put(o, str + run, n - run);
    put(o, "\"", 1);
}

/* Decimal, as "%lld" writes it (most of a session's numbers: no printf per number). */
static void put_integer(struct out *o, json_int_t value)
{
    char buf[24], *end = buf + sizeof buf, *p = end;
    uint64_t u = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (value < 0)
        *--p = '-';
    put(o, p, (size_t)(end - p));
}

static void put_value(struct out *o, const json_t *v, int depth);

static void put_object(struct out *o, const json_t *v, int depth)
{
    put(o, "{", 1);
    bool first = true;
    for (void *it = json_object_iter((json_t *)v); it;
         it = json_object_iter_next((json_t *)v, it)) {
        if (!first)
            put(o, ",", 1);
        first = false;
        put_string(o, json_object_iter_key(it), json_object_iter_key_len(it));
        put(o, ":", 1);
        put_value(o, json_object_iter_value(it), depth + 1);
    }
    put(o, "}", 1);
}

static void put_value(struct out *o, const json_t *v, int depth)
{
    if (o->failed)
        return;
    if (depth > 2048) { /* a bound on recursion: upscope's trees are a few levels deep */
        o->failed = true;
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        put_object(o, v, depth);
        break;
    case JSON_ARRAY:
        put(o, "[", 1);
        for (size_t i = 0; i < json_array_size(v); i++) {
            if (i)
                put(o, ",", 1);
            put_value(o, json_array_get(v, i), depth + 1);
        }
        put(o, "]", 1);
        break;
    case JSON_STRING:
        put_string(o, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        put_integer(o, json_integer_value(v));
        break;
    case JSON_REAL: { /* jansson's own formatting of a double */
        char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        if (!t) {
            o->failed = true;
            return;
        }
        put(o, t, strlen(t));
        free(t);
        break;
    }
    case JSON_TRUE: put(o, "true", 4); break;
    case JSON_FALSE: put(o, "false", 5); break;
    case JSON_NULL: put(o, "null", 4); break;
    }
}

char *json_text(const json_t *v)
{
    if (!v || (!json_is_object(v) && !json_is_array(v)))
        return NULL;
    struct out o = { 0 };
    put_value(&o, v, 0);
    if (o.failed) {
        free(o.p);
        return NULL;
    }
    o.p[o.len] = '\0'; /* put always leaves room for it */
    return o.p;
}
