/* ui_doc: a scrollable document of coloured lines, built while the store lock is held and
 * drawn afterwards — what the detail, payload and help screens show. */
#ifndef UPSCOPE_UI_DOC_H
#define UPSCOPE_UI_DOC_H

#include <stddef.h>

#include "ui_internal.h"

struct doc_line {
    char text[320];              /* already safe to draw */
    enum ui_pair pair;
};

struct doc {
    struct doc_line *lines;
    size_t n, cap;
    struct ui_scroll scroll;     /* cursor = the first line shown */
};

void doc_clear(struct doc *d);
void doc_free(struct doc *d);
void doc_add(struct doc *d, enum ui_pair pair, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void doc_draw(const struct doc *d, struct ui *ui, WINDOW *w);
bool doc_key(struct doc *d, enum ui_action act);

/* The documents of the detail and payload screens, built from a session alone (no terminal
 * needed: the fuzzers build them too). */
void ui_detail_build(struct ui *ui, struct doc *d, const struct session *s, bool open);
void ui_payload_build(struct ui *ui, struct doc *d, const struct session *s, int event);

#endif
