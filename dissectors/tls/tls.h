/* tls: the TLS-after-upgrade dissector (RFC 2817): upgrade checks, records, hellos. */
#ifndef UPSCOPE_TLS_H
#define UPSCOPE_TLS_H

#include "dissector.h"

extern const struct dissector tls_dissector;

/* tls_report.c: how the outputs show the TLS part of a session */
struct json_t *tls_report_json(const struct session *s, const void *part);
void tls_report_text(const struct text_out *o, const struct session *s, const void *part,
                     bool spoke);
void tls_report_detail(struct detail_out *o, const struct session *s, const void *part);
uint64_t tls_report_volume(const void *part);
enum lock_state tls_report_lock(const void *part);
extern const struct check_row tls_checks[];

#endif
