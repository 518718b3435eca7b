/* ui_ladder: a session as a sequence diagram between client and server — the HTTP request and
 * response, then every frame or record, with the findings each one raised. Enter on an arrow
 * opens its payload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_text.h"
#include "ui_internal.h"
#include "ui_text.h"

struct ladder_ev {
    ts_us_t ts;
    uint8_t dir, proto;
    uint16_t findings[EVENT_FINDINGS];
    char label[128];
};

struct ladder {
    uint64_t id;
    struct ladder_ev *ev;
    size_t n, cap;
    uint64_t dropped;
    bool recorded;               /* the session had a history at all */
    bool gone;
    char client[96], server[96];
    struct ui_scroll scroll;
};

static void ladder_refresh(struct screen *sc, struct ui *ui)
{
    struct ladder *ld = sc->state;
    struct session *s = store_find(&ui->app->store, ld->id);
    if (!s) {
        ld->gone = true;
        return;
    }
    char ep[64];
    report_endpoint(s->family, &s->client_ip, s->client_port, ep, sizeof ep);
    snprintf(ld->client, sizeof ld->client, "client %s", ep);
    report_endpoint(s->family, &s->server_ip, s->server_port, ep, sizeof ep);
    snprintf(ld->server, sizeof ld->server, "server %s", ep);
    const struct session_events *e = s->events;
    ld->recorded = e != NULL;
    ld->n = 0;
    if (!e)
        return;
    if (e->n > ld->cap) {
        struct ladder_ev *nv = realloc(ld->ev, e->n * sizeof *nv);
        if (!nv)
            return;
        ld->ev = nv;
        ld->cap = e->n;
    }
    for (uint32_t i = 0; i < e->n; i++) {
        struct ladder_ev *l = &ld->ev[i];
        l->ts = e->v[i].ts;
        l->dir = e->v[i].dir;
        l->proto = e->v[i].proto;
        memcpy(l->findings, e->v[i].findings, sizeof l->findings);
        ui_escape(l->label, sizeof l->label, e->v[i].label, strlen(e->v[i].label), ui->ascii);
    }
    ld->n = e->n;
    ld->dropped = e->dropped;
    ui_scroll_fit(&ld->scroll, (long)ld->n, ui_rows() - 2);
}

/* "──── label ────▶" in exactly width columns (or ◀ first for the server's). */
static void arrow(const struct ui *ui, char *out, size_t cap, const char *label, int width,
                  bool to_server)
{
    int lw = ui_width(label), dash = width - lw - 3;
    if (dash < 2)
        dash = 2;
    int left = dash / 2, right = dash - left;
    size_t o = 0;
    const char *line = ui_glyph(ui, GLYPH_LINE);
    if (!to_server)
        o += (size_t)snprintf(out + o, cap - o, "%s", ui_glyph(ui, GLYPH_LEFT));
    for (int i = 0; i < left && o + 8 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s", line);
    o += (size_t)snprintf(out + o, cap - o, " %s ", label);
    for (int i = 0; i < right && o + 8 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s", line);
    if (to_server && o < cap)
        snprintf(out + o, cap - o, "%s", ui_glyph(ui, GLYPH_RIGHT));
}

/* The finding marks of an event: "✗ WS_CLOSE_CODE_INVALID ✗ ...". */
static bool event_marks(const struct ui *ui, const struct ladder_ev *e, char *marks, size_t cap)
{
    bool errors = false;
    marks[0] = '\0';
    for (int i = 0; i < EVENT_FINDINGS && e->findings[i]; i++) {
        const struct finding_info *fi = finding_info((enum finding_id)(e->findings[i] - 1));
        size_t used = strlen(marks);
        snprintf(marks + used, cap - used, "%s%s %s", i ? " " : "", ui_glyph(ui, GLYPH_FAIL),
                 fi->id);
        errors |= fi->severity == SEV_ERROR;
    }
    return errors;
}

/* Half the terminal for the arrows, less when the finding marks would not fit beside them
 * (the ids must be readable at 80 columns), never under 24 columns. */
static int arrow_width(const struct ui *ui, const struct ladder *ld)
{
    int marks_w = 0;
    for (size_t i = 0; i < ld->n; i++) {
        char marks[256];
        event_marks(ui, &ld->ev[i], marks, sizeof marks);
        int mw = ui_width(marks);
        if (mw > marks_w)
            marks_w = mw;
    }
    int w = COLS / 2 > 30 ? COLS / 2 : 30;
    if (marks_w && 17 + w + 1 + marks_w > COLS)
        w = COLS - 17 - 1 - marks_w;
    return w < 24 ? 24 : w;
}

static void draw_event(struct ui *ui, WINDOW *w, int y, const struct ladder_ev *e, bool cursor,
                       int arrow_w)
{
    char t[40], a[600], marks[256];
    report_time(e->ts, t, sizeof t, false);
    if (e->dir == SESSION_EVENT_NOTE) /* a silence, the end: across, no arrowhead */
        snprintf(a, sizeof a, "%*s%s", (arrow_w - ui_width(e->label)) / 2 > 0
                 ? (arrow_w - ui_width(e->label)) / 2 : 0, "", e->label);
    else
        arrow(ui, a, sizeof a, e->label, arrow_w, e->dir == DIR_C2S);
    bool errors = event_marks(ui, e, marks, sizeof marks);
    attr_t base = cursor ? ui_attr(ui, PAIR_CURSOR) : A_NORMAL;
    wattrset(w, base);
    int x = 1 + ui_put(w, y, 1, 15, t + 11, true);     /* HH:MM:SS.uuuuuu */
    x += ui_put(w, y, x, 1, " ", true);
    x += ui_put(w, y, x, arrow_w, a, true);
    x += ui_put(w, y, x, 1, " ", true);
    if (!cursor && marks[0])
        wattrset(w, ui_attr(ui, errors ? PAIR_ERROR : PAIR_WARNING));
    if (x < COLS)
        ui_put(w, y, x, COLS - x, marks, true);
    wattrset(w, A_NORMAL);
}

static void ladder_draw(struct screen *sc, struct ui *ui)
{
    struct ladder *ld = sc->state;
    WINDOW *w = sc->win;
    if (ld->gone) {
        ui_put(w, 1, 2, COLS - 4, "This session is no longer kept (--max-sessions).", false);
        return;
    }
    int arrow_w = arrow_width(ui, ld);
    /* client over the arrows' left end, server over their right end; when both do not fit
     * there, the client moves left over the time column and the server follows it */
    wattrset(w, A_BOLD);
    int cw = ui_width(ld->client), sw = ui_width(ld->server);
    int cx = 17, sx = 17 + arrow_w - sw;
    if (sx < cx + cw + 2) {
        cx = 1 + (cw + 2 + sw < 17 + arrow_w ? 16 + arrow_w - (cw + 2 + sw) : 0);
        sx = cx + cw + 2;
    }
    ui_put(w, 0, cx, COLS - cx, ld->client, false);
    if (sx < COLS)
        ui_put(w, 0, sx, COLS - sx, ld->server, false);
    wattrset(w, A_NORMAL);
    if (!ld->recorded) {
        ui_put(w, 2, 2, COLS - 4, "No history was recorded for this session.", false);
        return;
    }
    int rows = ui_rows() - 2;
    for (int i = 0; i < rows && ld->scroll.top + i < (long)ld->n; i++)
        draw_event(ui, w, 1 + i, &ld->ev[ld->scroll.top + i],
                   ld->scroll.top + i == ld->scroll.cursor, arrow_w);
    char foot[160];
    snprintf(foot, sizeof foot, " %zu event(s)%s  Enter: payload ", ld->n,
             ld->dropped ? " (more not kept)" : "");
    wattrset(w, ui_attr(ui, PAIR_DIM));
    ui_put(w, ui_rows() - 1, 0, COLS, foot, false);
    wattrset(w, A_NORMAL);
}

static enum key_result ladder_key(struct screen *sc, struct ui *ui, enum ui_action act)
{
    struct ladder *ld = sc->state;
    if (ui_scroll_key(&ld->scroll, act, (long)ld->n, ui_rows() - 2))
        return KEY_HANDLED;
    if (act == ACT_OPEN && ld->n) {
        ui_push(ui, ui_payload_new(ui, ld->id, (int)ld->scroll.cursor));
        return KEY_HANDLED;
    }
    return act == ACT_LADDER ? KEY_HANDLED : KEY_UNHANDLED;
}

static void ladder_destroy(void *state)
{
    struct ladder *ld = state;
    free(ld->ev);
    free(ld);
}

static const struct screen_ops ladder_ops = {
    .name = "ladder",
    .update = ladder_refresh,
    .draw = ladder_draw,
    .key = ladder_key,
    .destroy = ladder_destroy,
};

struct screen *ui_ladder_new(struct ui *ui, uint64_t session_id)
{
    (void)ui;
    struct ladder *ld = calloc(1, sizeof *ld);
    if (!ld)
        return NULL;
    ld->id = session_id;
    return ui_screen_new(&ladder_ops, ld);
}
