/* detail_out: where a protocol module writes its lines of the UI's session detail (the
 * "Negotiated" section, notes under checklist rows) without knowing the terminal: the UI gives
 * a sink that appends lines to the screen's document (the fuzzers give one too). */
#ifndef UPSCOPE_DETAIL_OUT_H
#define UPSCOPE_DETAIL_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

struct detail_out {
    bool ascii;                          /* the terminal is not UTF-8 */
    void (*line)(void *ctx, const char *text);
    void *ctx;
};

/* One line (already safe: wire strings only through detail_wire). */
void detail_line(struct detail_out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A wire string escaped for the terminal into buf ("-" for NULL). */
void detail_wire(const struct detail_out *o, char *buf, size_t cap, const char *s);

/* "  title: a, b" (escaped), or "  title: -" */
void detail_list(struct detail_out *o, const char *title, const struct strlist *l);

#endif
