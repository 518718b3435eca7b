/* http_head: one HTTP/1.x message head (request or status line plus header fields) and the
 * tolerant parser that builds it.
 *
 * A head keeps the raw bytes as received (for display) and a normalised copy: start-line parts
 * and header names and values, each NUL-terminated, values trimmed of OWS with obs-fold joined
 * by one space. Header lines stay in wire order. The parser never stops at a deviation: it
 * records each kind it met as a bit in `anomalies` (see http_anomaly_text) and carries on, as an
 * inspection tool must. */
#ifndef UPSCOPE_HTTP_HEAD_H
#define UPSCOPE_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

/* A view of bytes that belong to someone else. */
struct span {
    const char *p;
    size_t n;
};

struct http_field {
    const char *name;        /* NUL-terminated, in text */
    const char *value;
    uint32_t name_len, value_len;
};

enum http_anomaly {
    HTTP_ANOM_BARE_LF = 1u << 0,          /* line ended by LF without CR (RFC 9112 §2.2) */
    HTTP_ANOM_BARE_CR = 1u << 1,          /* CR not followed by LF (RFC 9112 §2.2) */
    HTTP_ANOM_OBS_FOLD = 1u << 2,         /* a header value folded over lines (RFC 9112 §5.2) */
    HTTP_ANOM_BAD_FIELD_NAME = 1u << 3,   /* a header name with non-token characters */
    HTTP_ANOM_SPACE_BEFORE_COLON = 1u << 4, /* whitespace between name and colon (RFC 9112 §5.1) */
    HTTP_ANOM_NO_COLON = 1u << 5,         /* a header line without a colon */
    HTTP_ANOM_BAD_START_LINE = 1u << 6,   /* request or status line does not parse */
    HTTP_ANOM_BAD_VERSION = 1u << 7,      /* not HTTP/DIGIT.DIGIT */
    HTTP_ANOM_EXTRA_SPACE = 1u << 8,      /* more than one SP between start-line parts */
    HTTP_ANOM_LEADING_EMPTY_LINES = 1u << 9, /* empty lines before the start line */
    HTTP_ANOM_CTL_IN_VALUE = 1u << 10,    /* NUL or other control in a field value (RFC 9110 §5.5) */
    HTTP_ANOM_COUNT_BITS = 11,
};

struct http_head {
    bool is_request;
    const char *method, *target;  /* requests */
    int status;                   /* responses; 0 if the line did not parse */
    const char *reason;
    const char *version;          /* "HTTP/1.1" as sent */
    uint8_t major, minor;         /* 0.0 if the version did not parse */
    struct http_field *fields;
    uint32_t nfields;
    uint32_t anomalies;           /* enum http_anomaly bits */
    char *text;                   /* storage for the strings above */
    uint8_t *raw;                 /* the head as received, ending with its empty line */
    uint32_t raw_len;
    ts_us_t ts;                   /* when its last byte arrived */
    uint64_t frame;               /* ... in which packet of the capture (0: unknown) */
};

/* Length of the head at the start of p[0..n) including its final empty line, or 0 if the end is
 * not there yet. *scanned remembers how far an earlier call looked, so feeding a growing buffer
 * a byte at a time stays linear. p must not start with an empty line (see http_skip_empty). */
size_t http_head_end(const uint8_t *p, size_t n, size_t *scanned);

/* Number of CR/LF bytes at the start of p (empty lines before a start line). */
size_t http_skip_empty(const uint8_t *p, size_t n);

/* Parses the complete head p[0..len) (len from http_head_end). NULL only if memory runs out. */
struct http_head *http_head_parse(const uint8_t *p, size_t len, bool is_request, ts_us_t ts);

/* A head made from an HTTP/2 header list, pseudo-header fields included and in the order sent:
 * method, target and status come from :method, :path and :status, the version is "HTTP/2",
 * and raw holds the list as "name: value" lines (for display). NULL if memory runs out. */
struct http_head *http_head_from_fields(const struct span *names, const struct span *values,
                                        uint32_t n, bool is_request, ts_us_t ts);

void http_head_free(struct http_head *h);

/* A readable description of one anomaly bit, e.g. "bare LF line ending (RFC 9112 §2.2)". */
const char *http_anomaly_text(uint32_t bit);

/* ---- field lookup ---- */

/* The first field named `name` (case-insensitive), or NULL. */
const struct http_field *http_field_get(const struct http_head *h, const char *name);

/* How many field lines are named `name`. */
unsigned http_field_count(const struct http_head *h, const char *name);

/* True if any `name` field line lists `token` (case-insensitive) as an element. */
bool http_field_has_token(const struct http_head *h, const char *name, const char *token);
bool http_field_has_token_span(const struct http_head *h, const char *name, struct span token);

#endif
