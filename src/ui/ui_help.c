/* ui_help: every key and what it does, from the key map, plus what the screens show. */
#include <stdlib.h>

#include "ui_doc.h"
#include "ui_internal.h"

static void help_refresh(struct screen *sc, struct ui *ui)
{
    struct doc *d = sc->state;
    (void)ui;
    if (d->n)
        return;
    doc_add(d, PAIR_NONE, "upscope keys");
    doc_add(d, PAIR_NONE, "%s", "");
    int n;
    const struct ui_key_binding *b = keymap_bindings(&n);
    for (int i = 0; i < n; i++)
        doc_add(d, PAIR_NONE, "  %-14s %s", b[i].keys, b[i].what);
    doc_add(d, PAIR_NONE, "%s", "");
    doc_add(d, PAIR_NONE, "Screens: sessions (Enter) > detail (Enter) > ladder (Enter) > payload.");
    doc_add(d, PAIR_NONE, "Outcome* : the connection is still open. Verdict: OK, or the count");
    doc_add(d, PAIR_NONE, "of errors (red) or warnings (yellow). Frames: WebSocket or HTTP/2");
    doc_add(d, PAIR_NONE, "frames or TLS records; bytes (B) for the others.");
    doc_add(d, PAIR_NONE, "Strings from the wire are escaped: \\e, \\xNN, \\u{XXXX}.");
    doc_add(d, PAIR_NONE, "%s", "");
    doc_add(d, PAIR_DIM, "Esc closes this help; q quits upscope.");
}

static void help_draw(struct screen *sc, struct ui *ui)
{
    doc_draw(sc->state, ui, sc->win);
}

static enum key_result help_key(struct screen *sc, struct ui *ui, enum ui_action act)
{
    (void)ui;
    return doc_key(sc->state, act) ? KEY_HANDLED : KEY_UNHANDLED;
}

static void help_destroy(void *state)
{
    doc_free(state);
    free(state);
}

static const struct screen_ops help_ops = {
    .name = "help",
    .update = help_refresh,
    .draw = help_draw,
    .key = help_key,
    .destroy = help_destroy,
};

struct screen *ui_help_new(struct ui *ui)
{
    (void)ui;
    struct doc *d = calloc(1, sizeof *d);
    return d ? ui_screen_new(&help_ops, d) : NULL;
}
