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

/* Formats ts as "2026-11-21 21:56:15.123456" (UTC) into buf (>= 32 bytes). */
void report_time(ts_us_t ts, char *buf, size_t len, bool rfc3339);

/* "192.0.2.1" or "2001:db8::1" into buf (>= 46 bytes). */
void report_ip(int family, const struct ip_addr *a, char *buf, size_t len);

/* "192.0.2.1:80" or "[2001:db8::1]:80" into buf (>= 56 bytes). */
void report_endpoint(int family, const struct ip_addr *a, uint16_t port, char *buf,
                     size_t len);

#endif
