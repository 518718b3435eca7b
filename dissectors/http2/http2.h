/* http2: the HTTP/2 dissector (after an h2c upgrade, or with prior knowledge). */
#ifndef UPSCOPE_HTTP2_H
#define UPSCOPE_HTTP2_H

#include "dissector.h"

extern const struct dissector http2_dissector;

/* h2_report.c: how the outputs show the HTTP/2 part of a session */
struct json_t *h2_report_json(const struct session *s, const void *part);
void h2_report_text(const struct text_out *o, const struct session *s, const void *part,
                    bool spoke);
void h2_report_detail(struct detail_out *o, const struct session *s, const void *part);
uint64_t h2_report_volume(const void *part);
extern const struct check_row h2_checks[];

#endif
