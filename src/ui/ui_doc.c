/* ui_doc: scrollable line documents (see ui_doc.h). */
#include "ui_doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "ui_text.h"

#define DOC_MAX_LINES 100000

void doc_clear(struct doc *d)
{
    d->n = 0;
}

void doc_free(struct doc *d)
{
    free(d->lines);
    d->lines = NULL;
    d->n = d->cap = 0;
}

void doc_add(struct doc *d, enum ui_pair pair, const char *fmt, ...)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        struct doc_line *nl = cap <= DOC_MAX_LINES ? realloc(d->lines, cap * sizeof *nl) : NULL;
        if (!nl)
            return;
        d->lines = nl;
        d->cap = cap;
    }
    struct doc_line *l = &d->lines[d->n++];
    l->pair = pair;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->text, sizeof l->text, fmt, ap);
    va_end(ap);
}

void doc_draw(const struct doc *d, struct ui *ui, WINDOW *w)
{
    int rows = ui_rows();
    for (int i = 0; i < rows && d->scroll.cursor + i < (long)d->n; i++) {
        const struct doc_line *l = &d->lines[d->scroll.cursor + i];
        wattrset(w, ui_attr(ui, l->pair));
        ui_put(w, i, 1, COLS - 1, l->text, false);
    }
    wattrset(w, A_NORMAL);
}

bool doc_key(struct doc *d, enum ui_action act)
{
    long last = (long)d->n - ui_rows();
    switch (act) {
    case ACT_UP: d->scroll.cursor--; break;
    case ACT_DOWN: d->scroll.cursor++; break;
    case ACT_PAGE_UP: d->scroll.cursor -= ui_rows(); break;
    case ACT_PAGE_DOWN: d->scroll.cursor += ui_rows(); break;
    case ACT_HOME: d->scroll.cursor = 0; break;
    case ACT_END: d->scroll.cursor = last; break;
    default: return false;
    }
    if (d->scroll.cursor > last)
        d->scroll.cursor = last;
    if (d->scroll.cursor < 0)
        d->scroll.cursor = 0;
    return true;
}
