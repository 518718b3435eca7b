/* http1: the HTTP/1.1 dissector — message framing and the upgrade state machine. */
#ifndef UPSCOPE_HTTP1_H
#define UPSCOPE_HTTP1_H

#include "dissector.h"

extern const struct dissector http1_dissector;

/* http1_report.c: the checklist rows of the upgrade mechanism (for every session) */
extern const struct check_row http1_checks[];

/* Does p start an HTTP/1.x request (sender DIR_C2S) or response (DIR_S2C)? */
enum probe_result http1_probe(const uint8_t *p, size_t n, bool midstream, enum dir *sender);

#endif
