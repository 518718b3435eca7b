/* ui_detail: one session in full — the validation checklist (each check passed, failed or not
 * applicable, with its RFC section), what was negotiated, nDPI's verdict, the request and
 * response heads, the findings and the counters. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checklist.h"
#include "classify.h"
#include "detail_out.h"
#include "lifecycle.h"
#include "tunnel_report.h"
#include "dissector.h"
#include "report_text.h"
#include "ui_doc.h"
#include "ui_internal.h"
#include "ui_text.h"

struct detail {
    uint64_t id;
    struct doc doc;
    bool gone;
};

/* ---- detail_out: the modules' lines land in the screen's document ---- */

struct doc_sink {
    struct doc *doc;
};

static void sink_line(void *ctx, const char *text)
{
    struct doc_sink *k = ctx;
    doc_add(k->doc, PAIR_NONE, "%s", text);
}

void detail_line(struct detail_out *o, const char *fmt, ...)
{
    char line[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->line(o->ctx, line);
}

void detail_wire(const struct detail_out *o, char *buf, size_t cap, const char *s)
{
    if (!s)
        snprintf(buf, cap, "-");
    else
        ui_escape(buf, cap, s, strlen(s), o->ascii);
}

void detail_list(struct detail_out *o, const char *title, const struct strlist *l)
{
    char line[300] = "", item[200];
    for (uint32_t i = 0; i < l->n; i++) {
        detail_wire(o, item, sizeof item, l->v[i]);
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used, "%s%s", i ? ", " : "", item);
    }
    detail_line(o, "  %s: %s", title, l->n ? line : "-");
}

/* ---- the sections ---- */

struct checklist_doc {
    struct ui *ui;
    struct doc *doc;
    struct detail_out *o;
    const struct session *s;
};

static void add_row(void *user, const struct check_row *c, enum check_mark mark)
{
    struct checklist_doc *k = user;
    static const int glyph[] = { GLYPH_OK, GLYPH_FAIL, GLYPH_NA };
    enum ui_pair pair = mark == CHECK_PASSED ? PAIR_OK : mark == CHECK_NA ? PAIR_DIM
                      : finding_info(c->id)->severity == SEV_ERROR ? PAIR_ERROR : PAIR_WARNING;
    doc_add(k->doc, pair, "  %s %-46s %s", ui_glyph(k->ui, glyph[mark]), c->label,
            finding_info(c->id)->rfc);
    if (c->note)
        c->note(k->o, k->s);
}

static void add_checklist(struct ui *ui, struct doc *d, const struct session *s,
                          struct detail_out *o)
{
    doc_add(d, PAIR_NONE, "Checklist");
    struct checklist_doc k = { ui, d, o, s };
    checklist_walk(s, add_row, &k);
}

static void add_risk(void *doc, const char *name)
{
    doc_add(doc, PAIR_WARNING, "  nDPI risk: %s", name);
}

static void add_negotiated(struct ui *ui, struct doc *d, const struct session *s,
                           struct detail_out *o)
{
    doc_add(d, PAIR_NONE, "%s", "");
    doc_add(d, PAIR_NONE, "Negotiated");
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *m = dissector_get((enum proto)p);
        const void *part = session_part_get(s, (enum proto)p);
        if (m && m->report_detail && part)
            m->report_detail(o, s, part);
    }
    if (s->ndpi.present) {
        char proto[80], cat[64];
        ui_wire(ui, proto, sizeof proto, s->ndpi.protocol);
        ui_wire(ui, cat, sizeof cat, s->ndpi.category);
        doc_add(d, PAIR_NONE, "  nDPI: %s (%s)", proto, cat);
        classify_risk_names(s->ndpi.risk, add_risk, d); /* nDPI's own names, not wire text */
    }
}

static void add_head(struct ui *ui, struct doc *d, const char *title,
                     const struct http_head *h)
{
    doc_add(d, PAIR_NONE, "%s", "");
    if (!h) {
        doc_add(d, PAIR_DIM, "%s: not seen", title);
        return;
    }
    doc_add(d, PAIR_NONE, "%s", title);
    /* the raw head, line by line, every byte escaped */
    const char *p = (const char *)h->raw, *end = p + h->raw_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len && p[len - 1] == '\r')
            len--;
        if (len == 0 && nl)
            break;
        char line[300];
        ui_escape(line, sizeof line, p, len, ui->ascii);
        doc_add(d, PAIR_NONE, "  %s", line);
        p = nl ? nl + 1 : end;
    }
}

static void add_findings(struct ui *ui, struct doc *d, const struct session *s)
{
    doc_add(d, PAIR_NONE, "%s", "");
    doc_add(d, PAIR_NONE, "Findings (%u)", s->nfindings);
    for (uint32_t i = 0; i < s->nfindings; i++) {
        const struct session_finding *f = &s->findings[i];
        const struct finding_info *fi = finding_info(f->id);
        char msg[260];
        ui_wire(ui, msg, sizeof msg, f->message);
        enum ui_pair pair = fi->severity == SEV_ERROR ? PAIR_ERROR
                          : fi->severity == SEV_WARNING ? PAIR_WARNING : PAIR_INFO;
        char at[40] = "";
        if (f->frame)
            snprintf(at, sizeof at, " frame %llu", (unsigned long long)f->frame);
        doc_add(d, pair, "  %-7s %s (%s, x%u) [%s]%s", severity_name(fi->severity), fi->id,
                dir_name(f->dir), f->count, fi->rfc, at);
        doc_add(d, PAIR_NONE, "          %s", msg);
    }
}

/* Where to find the session in Wireshark: the capture, the connection's tcp.stream, frames. */
static void add_pivot(struct ui *ui, struct doc *d, const struct session *s)
{
    char src[300];
    ui_wire(ui, src, sizeof src, s->source);
    doc_add(d, PAIR_NONE, "%s", "");
    doc_add(d, PAIR_NONE, "Wireshark");
    doc_add(d, PAIR_NONE, "  capture  %s", src);
    doc_add(d, PAIR_NONE, "  filter   tcp.stream eq %llu", (unsigned long long)(s->flow_id - 1));
    char frames[160];
    int n = snprintf(frames, sizeof frames, "  frames   first %llu",
                     (unsigned long long)s->first_frame);
    if (s->request && s->request->frame && n > 0 && (size_t)n < sizeof frames)
        n += snprintf(frames + n, sizeof frames - (size_t)n, ", request %llu",
                      (unsigned long long)s->request->frame);
    if (s->response && s->response->frame && n > 0 && (size_t)n < sizeof frames)
        snprintf(frames + n, sizeof frames - (size_t)n, ", response %llu",
                 (unsigned long long)s->response->frame);
    doc_add(d, PAIR_NONE, "%s", frames);
}

/* What carried the session under IP (VXLAN, Geneve, GTP-U, ...): the summary's own lines
 * (tunnel_report_text, one way to say it), escaped again for the screen. */
static void add_tunnels(struct ui *ui, struct doc *d, const struct session *s)
{
    if (!s->tunnels)
        return;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return;
    struct text_out o = { m, false };
    tunnel_report_text(&o, s->tunnels);
    if (fclose(m) != 0) {
        free(text);
        return;
    }
    doc_add(d, PAIR_NONE, "%s", "");
    doc_add(d, PAIR_NONE, "Encapsulation (outermost first)");
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char safe[400];
        line += strspn(line, " ");
        if (strncmp(line, "tunnel", 6) == 0) /* the summary's label */
            line += 6 + strspn(line + 6, " ");
        ui_wire(ui, safe, sizeof safe, line);
        doc_add(d, PAIR_NONE, "  %s", safe);
    }
    free(text);
}

static void add_stats(struct doc *d, const struct session *s)
{
    const struct session_stats *st = &s->stats;
    doc_add(d, PAIR_NONE, "%s", "");
    doc_add(d, PAIR_NONE, "Connection (when the session %s)", s->end > s->start ? "ended"
                                                                                : "began");
    doc_add(d, PAIR_NONE, "  packets  client %llu  server %llu",
            (unsigned long long)st->packets[0], (unsigned long long)st->packets[1]);
    doc_add(d, PAIR_NONE, "  stream bytes  client %llu  server %llu   gaps %u / %u",
            (unsigned long long)st->stream_bytes[0], (unsigned long long)st->stream_bytes[1],
            st->gaps[0], st->gaps[1]);
}

void ui_detail_build(struct ui *ui, struct doc *d, const struct session *s, bool open)
{
    char c[64], sv[64], t[40], reason[120] = "";
    report_endpoint(s->family, &s->client_ip, s->client_port, c, sizeof c);
    report_endpoint(s->family, &s->server_ip, s->server_port, sv, sizeof sv);
    report_time(s->start, t, sizeof t, false);
    if (s->response)
        ui_wire(ui, reason, sizeof reason, s->response->reason);
    doc_clear(d);
    doc_add(d, PAIR_NONE, "Session #%llu  %s %s  %d %s%s", (unsigned long long)s->id,
            transition_name(s->transition), outcome_name(s->outcome),
            s->response ? s->response->status : 0, reason, open ? "  (open)" : "");
    doc_add(d, PAIR_NONE, "client %s  ->  server %s   started %s UTC", c, sv, t);
    doc_add(d, PAIR_NONE, "%s", "");
    struct doc_sink sink = { d };
    struct detail_out o = { ui->ascii, sink_line, &sink };
    add_checklist(ui, d, s, &o);
    add_negotiated(ui, d, s, &o);
    add_head(ui, d, "Request", s->request);
    add_head(ui, d, "Response", s->response);
    add_findings(ui, d, s);
    add_tunnels(ui, d, s);
    add_pivot(ui, d, s);
    doc_add(d, PAIR_NONE, "%s", "");
    doc_add(d, PAIR_NONE, "Lifecycle");
    lifecycle_detail(&o, s);
    add_stats(d, s);
}

static void detail_refresh(struct screen *sc, struct ui *ui)
{
    struct detail *dt = sc->state;
    struct store *st = &ui->app->store;
    for (uint32_t i = 0; i < st->n; i++) {
        if (st->v[i].s->id == dt->id) {
            ui_detail_build(ui, &dt->doc, st->v[i].s, !st->v[i].ended);
            return;
        }
    }
    dt->gone = true;
}

static void detail_draw(struct screen *sc, struct ui *ui)
{
    struct detail *dt = sc->state;
    if (dt->gone && dt->doc.n == 0)
        ui_put(sc->win, 1, 2, COLS - 4, "This session is no longer kept (--max-sessions).",
               false);
    doc_draw(&dt->doc, ui, sc->win);
}

static enum key_result detail_key(struct screen *sc, struct ui *ui, enum ui_action act)
{
    struct detail *dt = sc->state;
    if (doc_key(&dt->doc, act))
        return KEY_HANDLED;
    if (act == ACT_OPEN || act == ACT_LADDER) {
        ui_push(ui, ui_ladder_new(ui, dt->id));
        return KEY_HANDLED;
    }
    return KEY_UNHANDLED;
}

static void detail_destroy(void *state)
{
    struct detail *dt = state;
    doc_free(&dt->doc);
    free(dt);
}

static const struct screen_ops detail_ops = {
    .name = "session detail",
    .update = detail_refresh,
    .draw = detail_draw,
    .key = detail_key,
    .destroy = detail_destroy,
};

struct screen *ui_detail_new(struct ui *ui, uint64_t session_id)
{
    (void)ui;
    struct detail *dt = calloc(1, sizeof *dt);
    if (!dt)
        return NULL;
    dt->id = session_id;
    return ui_screen_new(&detail_ops, dt);
}
