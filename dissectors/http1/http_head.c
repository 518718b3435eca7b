/* http_head: tolerant HTTP/1.x head parsing (RFC 9112 §2-§5) into a normalised head. */
#include "http_head.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_fields.h"

static const char *const anomaly_texts[HTTP_ANOM_COUNT_BITS] = {
    "line ended by a bare LF (RFC 9112 §2.2)",
    "bare CR inside a line (RFC 9112 §2.2)",
    "obsolete line folding in a field value (RFC 9112 §5.2)",
    "field name with characters outside token (RFC 9110 §5.1)",
    "whitespace between field name and colon (RFC 9112 §5.1)",
    "header line without a colon (RFC 9112 §5)",
    "start line does not parse (RFC 9112 §3, §4)",
    "HTTP version is not HTTP/DIGIT.DIGIT (RFC 9112 §2.3)",
    "more than one space between start-line parts (RFC 9112 §3)",
    "empty lines before the start line (RFC 9112 §2.2)",
    "control character in a field value (RFC 9110 §5.5)",
};

const char *http_anomaly_text(uint32_t bit)
{
    for (int i = 0; i < HTTP_ANOM_COUNT_BITS; i++)
        if (bit == (1u << i))
            return anomaly_texts[i];
    return "unknown anomaly";
}

size_t http_skip_empty(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

size_t http_head_end(const uint8_t *p, size_t n, size_t *scanned)
{
    size_t i = *scanned > 2 ? *scanned - 2 : 0;
    for (; i < n; i++) {
        if (p[i] != '\n')
            continue;
        if (i + 1 < n && p[i + 1] == '\n')
            return i + 2;
        if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n')
            return i + 3;
        if (i + 2 >= n)
            break; /* cannot tell yet */
    }
    *scanned = i < n ? i : n;
    return 0;
}

/* ---- building the normalised text ---- */

struct text_writer {
    char *buf;
    size_t pos;
};

static const char *emit(struct text_writer *w, const char *p, size_t n)
{
    char *start = w->buf + w->pos;
    memcpy(start, p, n);
    w->pos += n;
    w->buf[w->pos++] = '\0';
    return start;
}

/* Copies a line, turning bare CRs into spaces (RFC 9112 §2.2 allows exactly that). */
static struct span clean_line(const char *p, size_t n, uint32_t *anom, char *scratch)
{
    memcpy(scratch, p, n);
    for (size_t i = 0; i < n; i++) {
        if (scratch[i] == '\r') {
            scratch[i] = ' ';
            *anom |= HTTP_ANOM_BARE_CR;
        }
    }
    struct span s = { scratch, n };
    return s;
}

static bool has_ctl(struct span s)
{
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return true;
    }
    return false;
}

/* "HTTP/1.1" → 1, 1. */
static bool parse_version(struct span v, uint8_t *major, uint8_t *minor)
{
    if (v.n != 8 || memcmp(v.p, "HTTP/", 5) != 0 || v.p[5] < '0' || v.p[5] > '9' ||
        v.p[6] != '.' || v.p[7] < '0' || v.p[7] > '9')
        return false;
    *major = (uint8_t)(v.p[5] - '0');
    *minor = (uint8_t)(v.p[7] - '0');
    return true;
}

/* Next SP-separated part of a start line; counts runs of spaces as an anomaly. */
static struct span next_part(struct span *line, uint32_t *anom, bool last)
{
    struct span part = { line->p, 0 };
    if (last) {
        part.n = line->n;
        line->p += line->n;
        line->n = 0;
        return part;
    }
    while (part.n < line->n && line->p[part.n] != ' ')
        part.n++;
    size_t skip = part.n, spaces = 0;
    while (skip < line->n && line->p[skip] == ' ') {
        skip++;
        spaces++;
    }
    if (spaces > 1)
        *anom |= HTTP_ANOM_EXTRA_SPACE;
    line->p += skip;
    line->n -= skip;
    return part;
}

static void parse_request_line(struct http_head *h, struct span line, struct text_writer *w)
{
    struct span method = next_part(&line, &h->anomalies, false);
    struct span target = next_part(&line, &h->anomalies, false);
    struct span version = next_part(&line, &h->anomalies, true);
    if (!http_is_token(method) || target.n == 0 || version.n == 0 || has_ctl(target))
        h->anomalies |= HTTP_ANOM_BAD_START_LINE;
    if (!parse_version(version, &h->major, &h->minor))
        h->anomalies |= HTTP_ANOM_BAD_VERSION;
    h->method = emit(w, method.p, method.n);
    h->target = emit(w, target.p, target.n);
    h->version = emit(w, version.p, version.n);
    h->reason = emit(w, "", 0);
}

static void parse_status_line(struct http_head *h, struct span line, struct text_writer *w)
{
    struct span version = next_part(&line, &h->anomalies, false);
    struct span code = next_part(&line, &h->anomalies, false);
    struct span reason = line;
    if (!parse_version(version, &h->major, &h->minor))
        h->anomalies |= HTTP_ANOM_BAD_VERSION;
    if (code.n == 3 && code.p[0] >= '1' && code.p[0] <= '9' && code.p[1] >= '0' &&
        code.p[1] <= '9' && code.p[2] >= '0' && code.p[2] <= '9')
        h->status = (code.p[0] - '0') * 100 + (code.p[1] - '0') * 10 + (code.p[2] - '0');
    else
        h->anomalies |= HTTP_ANOM_BAD_START_LINE;
    if (has_ctl(reason)) /* RFC 9112 §4: HTAB, SP, VCHAR and obs-text only */
        h->anomalies |= HTTP_ANOM_BAD_START_LINE;
    h->version = emit(w, version.p, version.n);
    h->reason = emit(w, reason.p, reason.n);
    h->method = h->target = emit(w, "", 0);
}

/* One header line (not the first line, not empty). */
static void parse_field_line(struct http_head *h, struct span line, struct text_writer *w)
{
    if (line.p[0] == ' ' || line.p[0] == '\t') {
        struct span more = span_trim(line);
        if (h->nfields == 0) {
            /* whitespace before the first field: RFC 9112 §2.2 says ignore the line */
            h->anomalies |= HTTP_ANOM_BAD_FIELD_NAME;
            return;
        }
        h->anomalies |= HTTP_ANOM_OBS_FOLD;
        struct http_field *prev = &h->fields[h->nfields - 1];
        w->pos--; /* reopen the previous value, which was written last */
        w->buf[w->pos++] = ' ';
        emit(w, more.p, more.n);
        prev->value_len += (uint32_t)(1 + more.n);
        return;
    }
    const char *colon = memchr(line.p, ':', line.n);
    if (!colon) {
        h->anomalies |= HTTP_ANOM_NO_COLON;
        return;
    }
    struct span name = { line.p, (size_t)(colon - line.p) };
    if (name.n && (name.p[name.n - 1] == ' ' || name.p[name.n - 1] == '\t')) {
        h->anomalies |= HTTP_ANOM_SPACE_BEFORE_COLON;
        name = span_trim(name);
    }
    if (!http_is_token(name))
        h->anomalies |= HTTP_ANOM_BAD_FIELD_NAME;
    struct span value = { colon + 1, (size_t)(line.p + line.n - (colon + 1)) };
    value = span_trim(value);
    if (has_ctl(value))
        h->anomalies |= HTTP_ANOM_CTL_IN_VALUE;
    struct http_field *f = &h->fields[h->nfields++];
    f->name = emit(w, name.p, name.n);
    f->name_len = (uint32_t)name.n;
    f->value = emit(w, value.p, value.n);
    f->value_len = (uint32_t)value.n;
}

/* A head in one block with room for nfields fields, raw_len raw bytes and text_len bytes of
 * strings: one allocation per head (every request on a busy link has one), one free. */
static struct http_head *head_alloc(size_t nfields, size_t raw_len, size_t text_len)
{
    size_t align = _Alignof(struct http_field);
    size_t fields_at = (sizeof(struct http_head) + align - 1) / align * align;
    size_t raw_at = fields_at + nfields * sizeof(struct http_field);
    size_t text_at = raw_at + raw_len;
    struct http_head *h = malloc(text_at + text_len);
    if (!h)
        return NULL;
    memset(h, 0, sizeof *h);
    h->fields = (struct http_field *)((char *)h + fields_at);
    h->raw = (uint8_t *)h + raw_at;
    h->text = (char *)h + text_at;
    return h;
}

struct http_head *http_head_parse(const uint8_t *p, size_t len, bool is_request, ts_us_t ts)
{
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += p[i] == '\n';
    char small[2048]; /* a line at a time, cleaned: most heads fit, bigger ones get the heap */
    char *scratch = len < sizeof small ? small : malloc(len + 1);
    struct http_head *h = head_alloc(lines ? lines : 1, len ? len : 1, len + 2 * lines + 16);
    if (!h || !scratch)
        goto fail;
    h->is_request = is_request;
    h->ts = ts;
    memcpy(h->raw, p, len);
    h->raw_len = (uint32_t)len;
    struct text_writer w = { h->text, 0 };
    const char *cur = (const char *)p, *end = (const char *)p + len;
    for (size_t n = 0; cur < end; n++) {
        const char *nl = memchr(cur, '\n', (size_t)(end - cur));
        size_t ll = nl ? (size_t)(nl - cur) : (size_t)(end - cur);
        const char *next = nl ? nl + 1 : end;
        if (ll && cur[ll - 1] == '\r')
            ll--;
        else if (nl)
            h->anomalies |= HTTP_ANOM_BARE_LF;
        if (ll == 0 && n > 0)
            break; /* the empty line that ends the head */
        struct span line = clean_line(cur, ll, &h->anomalies, scratch);
        if (n == 0 && is_request)
            parse_request_line(h, line, &w);
        else if (n == 0)
            parse_status_line(h, line, &w);
        else
            parse_field_line(h, line, &w);
        cur = next;
    }
    if (scratch != small)
        free(scratch);
    return h;
fail:
    if (scratch != small)
        free(scratch);
    http_head_free(h);
    return NULL;
}

/* The value of pseudo-header `name` among the fields, or "" (HTTP/2 heads). */
static const char *pseudo(const struct http_head *h, const char *name)
{
    const struct http_field *f = http_field_get(h, name);
    return f ? f->value : "";
}

struct http_head *http_head_from_fields(const struct span *names, const struct span *values,
                                        uint32_t n, bool is_request, ts_us_t ts)
{
    size_t raw_len = 0;
    for (uint32_t i = 0; i < n; i++)
        raw_len += names[i].n + 2 + values[i].n + 2;
    struct http_head *h = head_alloc(n ? n : 1, raw_len ? raw_len : 1, raw_len + 16);
    if (!h)
        return NULL;
    h->is_request = is_request;
    h->ts = ts;
    struct text_writer w = { h->text, 0 };
    for (uint32_t i = 0; i < n; i++) {
        struct http_field *f = &h->fields[h->nfields++];
        f->name = emit(&w, names[i].p, names[i].n);
        f->value = emit(&w, values[i].p, values[i].n);
        f->name_len = (uint32_t)names[i].n;
        f->value_len = (uint32_t)values[i].n;
        memcpy(h->raw + h->raw_len, names[i].p, names[i].n);
        memcpy(h->raw + h->raw_len + names[i].n, ": ", 2);
        memcpy(h->raw + h->raw_len + names[i].n + 2, values[i].p, values[i].n);
        memcpy(h->raw + h->raw_len + names[i].n + 2 + values[i].n, "\r\n", 2);
        h->raw_len += (uint32_t)(names[i].n + 2 + values[i].n + 2);
    }
    h->version = emit(&w, "HTTP/2", 6);
    h->major = 2;
    h->reason = emit(&w, "", 0);
    if (is_request) {
        h->method = pseudo(h, ":method");
        h->target = pseudo(h, ":path");
    } else {
        const char *st = pseudo(h, ":status");
        if (strlen(st) == 3 && st[0] >= '1' && st[0] <= '9' && st[1] >= '0' && st[1] <= '9' &&
            st[2] >= '0' && st[2] <= '9')
            h->status = (st[0] - '0') * 100 + (st[1] - '0') * 10 + (st[2] - '0');
    }
    return h;
}

void http_head_free(struct http_head *h)
{
    free(h); /* one block (head_alloc) */
}

/* ---- lookup ---- */

const struct http_field *http_field_get(const struct http_head *h, const char *name)
{
    for (uint32_t i = 0; i < h->nfields; i++)
        if (strcasecmp(h->fields[i].name, name) == 0)
            return &h->fields[i];
    return NULL;
}

unsigned http_field_count(const struct http_head *h, const char *name)
{
    unsigned n = 0;
    for (uint32_t i = 0; i < h->nfields; i++)
        n += strcasecmp(h->fields[i].name, name) == 0;
    return n;
}

bool http_field_has_token_span(const struct http_head *h, const char *name, struct span token)
{
    for (uint32_t i = 0; i < h->nfields; i++) {
        if (strcasecmp(h->fields[i].name, name) != 0)
            continue;
        struct span rest = { h->fields[i].value, h->fields[i].value_len }, elem;
        while (list_next(&rest, &elem))
            if (elem.n == token.n && strncasecmp(elem.p, token.p, token.n) == 0)
                return true;
    }
    return false;
}

bool http_field_has_token(const struct http_head *h, const char *name, const char *token)
{
    return http_field_has_token_span(h, name, (struct span){ token, strlen(token) });
}
