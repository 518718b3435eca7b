/* report_text: the human-readable summary — one block per session, then a closing tally.
 *
 * Every string from the wire passes through escape (ESCAPE_TERMINAL). Colour (ANSI SGR) only
 * when asked for; the caller decides (tty, --color, NO_COLOR). */
#ifndef UPSCOPE_REPORT_TEXT_H
#define UPSCOPE_REPORT_TEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "session.h"

void report_text_session(FILE *out, const struct session *s, bool color);

/* ---- for the protocol modules' summary lines (their report_text) ---- */

struct text_out {
    FILE *out;
    bool color;
};

#define TEXT_SGR_RESET "\033[0m"
#define TEXT_SGR_BOLD "\033[1m"
#define TEXT_SGR_RED "\033[31m"
#define TEXT_SGR_GREEN "\033[32m"
#define TEXT_SGR_YELLOW "\033[33m"
#define TEXT_SGR_CYAN "\033[36m"
#define TEXT_SGR_DIM "\033[2m"

/* code, or "" without colour */
const char *text_sgr(const struct text_out *o, const char *code);
/* "    name        ": the start of a summary line */
void text_label(const struct text_out *o, const char *name);
/* wire bytes, escaped; at most max escaped characters */
void text_wire(const struct text_out *o, const char *p, size_t n, size_t max);
/* a wire string, escaped, or "-" */
void text_str(const struct text_out *o, const char *s, size_t max);
/* "a, b, c" (escaped), or "-" */
void text_list(const struct text_out *o, const struct strlist *l);
/* "3 text, 1 close" (or "none"): the non-zero counts of a per-kind table */
void text_counts(const struct text_out *o, const uint64_t *counts, int kinds,
                 const char *(*name)(int kind));

/* Formats ts as "2026-11-21 21:56:15.123456" (UTC) into buf (>= 32 bytes). */
void report_time(ts_us_t ts, char *buf, size_t len, bool rfc3339);

/* "192.0.2.1" or "2001:db8::1" into buf (>= 46 bytes). */
void report_ip(int family, const struct ip_addr *a, char *buf, size_t len);

/* "192.0.2.1:80" or "[2001:db8::1]:80" into buf (>= 56 bytes). */
void report_endpoint(int family, const struct ip_addr *a, uint16_t port, char *buf,
                     size_t len);

#endif
