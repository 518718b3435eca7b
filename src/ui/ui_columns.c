/* ui_columns: the column table, --columns parsing and the chooser screen (see ui_columns.h). */
#include "ui_columns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_internal.h"
#include "ui_text.h"

static const struct column_info columns[COL_COUNT] = {
    [COL_ID] = { "id", "#", "the session's number (always shown)", 8 },
    [COL_START] = { "start", "Start", "when it began (UTC, HH:MM:SS)", 8 },
    [COL_CLIENT] = { "client", "Client", "the client's address and port", 47 },
    [COL_SERVER] = { "server", "Server", "the server's address and port", 47 },
    [COL_PROTO] = { "proto", "Proto", "the protocol asked for, what carries it, the TLS lock", 9 },
    [COL_OUTCOME] = { "outcome", "Outcome", "switched, declined, ... (* while open)", 16 },
    [COL_STATUS] = { "status", "St", "the response's status code", 3 },
    [COL_VERDICT] = { "verdict", "Verdict", "OK, or the count of errors or warnings", 9 },
    [COL_FRAMES] = { "frames", "Frames", "WebSocket or HTTP/2 frames, TLS records (- if none)", 9 },
    [COL_BYTES] = { "bytes", "Bytes", "stream bytes, both ways", 7 },
    [COL_NDPI] = { "ndpi", "nDPI", "nDPI's protocol", 24 },
};

const struct column_info *column_info(enum column c)
{
    return &columns[c];
}

/* After the n columns already placed: the other chosen ones, then the rest, in the table's
 * order. */
static void fill_order(struct column_set *set, int n)
{
    for (int pass = 0; pass < 2; pass++)
        for (int c = 0; c < COL_COUNT; c++)
            if (set->on[c] == (pass == 0) && !memchr(set->order, c, (size_t)n))
                set->order[n++] = (unsigned char)c;
}

void columns_default(struct column_set *set)
{
    memset(set, 0, sizeof *set);
    for (int c = 0; c < COL_COUNT; c++)
        set->on[c] = true;
    fill_order(set, 0);
}

bool columns_parse(const char *list, struct column_set *set, char *err, size_t errlen)
{
    columns_default(set);
    if (!list)
        return true;
    memset(set, 0, sizeof *set);
    set->on[COL_ID] = true;
    int n = 1; /* order[0] is COL_ID */
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        int found = -1;
        for (int c = 0; c < COL_COUNT; c++)
            if (strlen(columns[c].name) == len && strncmp(p, columns[c].name, len) == 0)
                found = c;
        if (found < 0) {
            snprintf(err, errlen, "'%.*s' is none of id, start, client, server, proto, "
                     "outcome, status, verdict, frames, bytes, ndpi", (int)(len > 40 ? 40 : len),
                     p);
            return false;
        }
        if (!set->on[found]) {
            set->on[found] = true;
            set->order[n++] = (unsigned char)found;
        }
        p += len + (p[len] == ',');
    }
    fill_order(set, n);
    return true;
}

/* ---- the chooser ---- */

struct chooser {
    struct column_set *set;
    struct ui_scroll scroll;
};

static void chooser_update(struct screen *sc, struct ui *ui)
{
    (void)sc;
    (void)ui;
}

static void chooser_draw(struct screen *sc, struct ui *ui)
{
    struct chooser *ch = sc->state;
    WINDOW *w = sc->win;
    wattrset(w, A_BOLD);
    ui_put(w, 0, 1, COLS - 1, "Columns of the session list (Space: show or hide; Esc: back)",
           false);
    wattrset(w, A_NORMAL);
    for (int i = 0; i < COL_COUNT && 2 + i < ui_rows(); i++) {
        const struct column_info *ci = &columns[ch->set->order[i]];
        char line[200];
        snprintf(line, sizeof line, " [%s] %-8s %-8s %s", ch->set->on[ch->set->order[i]] ? "x"
                 : " ", ci->name, ci->head, ci->what);
        wattrset(w, i == ch->scroll.cursor ? ui_attr(ui, PAIR_CURSOR) : A_NORMAL);
        ui_put(w, 2 + i, 1, COLS - 2, line, true);
    }
    wattrset(w, A_NORMAL);
    ui_put(w, 3 + COL_COUNT < ui_rows() ? 3 + COL_COUNT : ui_rows() - 1, 1, COLS - 2,
           "Columns that do not fit the terminal are left out, the least important first.",
           false);
}

static enum key_result chooser_key(struct screen *sc, struct ui *ui, enum ui_action act)
{
    struct chooser *ch = sc->state;
    (void)ui;
    if (ui_scroll_key(&ch->scroll, act, COL_COUNT, COL_COUNT))
        return KEY_HANDLED;
    if (act == ACT_SELECT || act == ACT_OPEN) {
        enum column c = (enum column)ch->set->order[ch->scroll.cursor];
        if (c != COL_ID) /* the number names the session: always there */
            ch->set->on[c] = !ch->set->on[c];
        return KEY_HANDLED;
    }
    return act == ACT_COLUMNS ? KEY_HANDLED : KEY_UNHANDLED;
}

static const struct screen_ops chooser_ops = {
    .name = "columns",
    .update = chooser_update,
    .draw = chooser_draw,
    .key = chooser_key,
    .destroy = free,
};

struct screen *ui_columns_new(struct ui *ui, struct column_set *set)
{
    (void)ui;
    struct chooser *ch = calloc(1, sizeof *ch);
    if (!ch)
        return NULL;
    ch->set = set;
    return ui_screen_new(&chooser_ops, ch);
}
