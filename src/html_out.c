/* html_out: escaped HTML text in memory (see html_out.h). */
#include "html_out.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

#define HTML_OUT_DEFAULT_MAX (256u << 20)

static bool reserve(struct html_out *h, size_t more)
{
    size_t max = h->max ? h->max : HTML_OUT_DEFAULT_MAX;
    if (h->failed || more >= max - h->n) {
        h->failed = true;
        return false;
    }
    if (h->n + more + 1 <= h->cap)
        return true;
    size_t cap = h->cap ? h->cap : 1024;
    while (cap < h->n + more + 1)
        cap *= 2;
    char *p = realloc(h->p, cap);
    if (!p) {
        h->failed = true;
        return false;
    }
    h->p = p;
    h->cap = cap;
    return true;
}

static void append(struct html_out *h, const char *s, size_t n)
{
    if (!reserve(h, n))
        return;
    memcpy(h->p + h->n, s, n);
    h->n += n;
    h->p[h->n] = '\0';
}

void html_out_free(struct html_out *h)
{
    free(h->p);
    h->p = NULL;
    h->n = h->cap = 0;
}

char *html_out_take(struct html_out *h)
{
    char *p = h->p;
    h->p = NULL;
    h->n = h->cap = 0;
    return p;
}

void html_raw(struct html_out *h, const char *markup)
{
    append(h, markup, strlen(markup));
}

void html_rawf(struct html_out *h, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        h->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        append(h, small, (size_t)n);
        return;
    }
    if (!reserve(h, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(h->p + h->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    h->n += (size_t)n;
}

void html_textn(struct html_out *h, const char *s, size_t n)
{
    size_t run = 0; /* characters copied as they are, waiting to be appended */
    for (size_t i = 0; i < n; i++) {
        const char *ent;
        switch (s[i]) {
        case '&': ent = "&amp;"; break;
        case '<': ent = "&lt;"; break;
        case '>': ent = "&gt;"; break;
        case '"': ent = "&quot;"; break;
        case '\'': ent = "&#39;"; break;
        case '\0': ent = "\\x00"; break; /* not reached after escape_buf; never a raw NUL */
        default: continue;
        }
        append(h, s + run, i - run);
        append(h, ent, strlen(ent));
        run = i + 1;
    }
    append(h, s + run, n - run);
}

void html_text(struct html_out *h, const char *s)
{
    html_textn(h, s, strlen(s));
}

void html_wire(struct html_out *h, const void *p, size_t n)
{
    /* the longest escape is 4 characters per input byte ("\xNN"; "\u{202E}" is 8 for 3) */
    size_t cap = n * 4 + 8;
    char *e = malloc(cap);
    if (!e) {
        h->failed = true;
        return;
    }
    size_t len = escape_buf(e, cap, p, n, ESCAPE_TERMINAL);
    html_textn(h, e, len);
    free(e);
}

void html_wire_str(struct html_out *h, const char *s)
{
    if (s)
        html_wire(h, s, strlen(s));
    else
        html_raw(h, "-");
}

void html_wire_lines(struct html_out *h, const char *p, size_t n)
{
    const char *end = p + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len && p[len - 1] == '\r')
            len--;
        if (len == 0 && nl)
            break;
        html_wire(h, p, len);
        html_raw(h, "\n");
        p = nl ? nl + 1 : end;
    }
}

/* "RFC 6455 §4.2.2" (number and section), or "§4" after one (the same RFC): the length of
 * the reference at p, 0 if none starts there. */
static size_t parse_rfc(const char *p, unsigned *num, const char **sec, size_t *sec_len)
{
    static const char sect[] = "\xC2\xA7"; /* "§" */
    const char *q = p;
    if (strncmp(p, "RFC ", 4) == 0 && p[4] >= '0' && p[4] <= '9') {
        char *end;
        *num = (unsigned)strtoul(p + 4, &end, 10);
        q = end;
        if (*q == ' ' && strncmp(q + 1, sect, 2) == 0)
            q++;
    } else if (*num == 0 || strncmp(p, sect, 2) != 0) {
        return 0;
    }
    *sec = q;
    *sec_len = 0;
    if (strncmp(q, sect, 2) == 0) {
        *sec = q += 2;
        while (*q && strchr("0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZ", *q))
            q++;
        if (q > *sec && q[-1] == '.')
            q--;
        *sec_len = (size_t)(q - *sec);
    }
    return (size_t)(q - p);
}

void html_rfc(struct html_out *h, const char *ref)
{
    unsigned num = 0;
    for (const char *p = ref; *p;) {
        const char *sec;
        size_t sec_len, used = parse_rfc(p, &num, &sec, &sec_len);
        if (!used) {
            html_textn(h, p, 1);
            p++;
            continue;
        }
        html_rawf(h, "<a href=\"https://www.rfc-editor.org/rfc/rfc%u", num);
        if (sec_len) {
            html_raw(h, sec[0] >= 'A' && sec[0] <= 'Z' ? "#appendix-" : "#section-");
            html_textn(h, sec, sec_len);
        }
        html_raw(h, "\">");
        html_textn(h, p, used);
        html_raw(h, "</a>");
        p += used;
    }
}
