/* report_html_session: one session of the --html report — its row of the session table and its
 * section: heading, checklist, negotiated, nDPI, heads, ladder (SVG), lifecycle, findings and
 * the whole NDJSON object. Every string from the wire goes through html_wire. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checklist.h"
#include "detail_out.h"
#include "dissector.h"
#include "escape.h"
#include "html_out.h"
#include "report_html.h"
#include "report_json.h"
#include "report_text.h"

/* The session's NDJSON object, the same the -j report writes (keys added there show here). */
static json_t *session_object(const struct session *s)
{
    char *text = report_json_string(s);
    json_t *o = text ? json_loads(text, JSON_ALLOW_NUL, NULL) : NULL;
    free(text);
    return o;
}

static const char *verdict_class(const struct session *s)
{
    static const char *const names[SEV_COUNT] = { "info", "warning", "error" };
    int w = session_worst(s);
    return w < 0 ? "ok" : names[w];
}

/* ---- generic JSON: a value, and an object as rows of dotted paths ---- */

static void json_scalar(struct html_out *h, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING: html_wire(h, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: html_rawf(h, "%lld", (long long)json_integer_value(v)); break;
    case JSON_REAL: html_rawf(h, "%g", json_real_value(v)); break;
    case JSON_TRUE: html_raw(h, "true"); break;
    case JSON_FALSE: html_raw(h, "false"); break;
    case JSON_NULL: html_raw(h, "<span class=\"mute\">null</span>"); break;
    default: { /* an array of scalars */
        size_t i;
        const json_t *x;
        if (json_array_size(v) == 0)
            html_raw(h, "<span class=\"mute\">[]</span>");
        json_array_foreach(v, i, x) {
            if (i)
                html_raw(h, ", ");
            json_scalar(h, x);
        }
    }
    }
}

static bool has_container(const json_t *a)
{
    size_t i;
    const json_t *x;
    json_array_foreach(a, i, x)
        if (json_is_object(x) || json_is_array(x))
            return true;
    return false;
}

#define JSON_TABLE_MAX_ROWS 400

/* One row per scalar leaf, named by its path ("timings.upgrade_us", "pings[0].rtt_us"). */
static void json_rows(struct html_out *h, const char *path, const json_t *v, int *budget)
{
    char sub[256];
    if (*budget <= 0)
        return;
    if (json_is_object(v) && json_object_size(v)) {
        const char *k;
        const json_t *x;
        json_object_foreach((json_t *)v, k, x) {
            snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", k);
            json_rows(h, sub, x, budget);
        }
        return;
    }
    if (json_is_array(v) && has_container(v)) {
        size_t i;
        const json_t *x;
        json_array_foreach(v, i, x) {
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            json_rows(h, sub, x, budget);
        }
        return;
    }
    if (--*budget == 0) {
        html_raw(h, "<tr><td colspan=\"2\" class=\"mute\">(more in the report below)</td></tr>");
        return;
    }
    html_raw(h, "<tr><th class=\"mono\">");
    html_wire_str(h, path);
    html_raw(h, "</th><td>");
    json_scalar(h, v);
    html_raw(h, "</td></tr>\n");
}

static void json_table(struct html_out *h, const json_t *v)
{
    int budget = JSON_TABLE_MAX_ROWS;
    html_raw(h, "<table class=\"kv\">\n");
    json_rows(h, "", v, &budget);
    html_raw(h, "</table>\n");
}

/* ---- the row ---- */

static void endpoint(struct html_out *h, const struct session *s, bool client)
{
    char ep[64];
    report_endpoint(s->family, client ? &s->client_ip : &s->server_ip,
                    client ? s->client_port : s->server_port, ep, sizeof ep);
    html_text(h, ep);
}

/* "websocket", or "websocket in tls, http2 stream 3" */
static void kind(struct html_out *h, const struct session *s)
{
    html_text(h, transition_name(s->transition));
    for (uint8_t i = 0; i < s->ncarriers; i++) {
        const struct session_carrier *c = &s->carried_by[i];
        html_rawf(h, "%s%s", i ? ", " : " in ", proto_name((enum proto)c->proto));
        if (c->stream)
            html_rawf(h, " stream %u", c->stream);
    }
}

static void verdict(struct html_out *h, const struct session *s)
{
    const uint32_t *n = s->severity_count;
    if (!s->nfindings) {
        html_raw(h, "OK");
        return;
    }
    const char *sep = "";
    for (int sev = SEV_COUNT - 1; sev >= 0; sev--) {
        if (!n[sev])
            continue;
        html_rawf(h, "%s%u %s", sep, n[sev], severity_name((enum severity)sev));
        sep = ", ";
    }
}

static void finding_ids(struct html_out *h, const struct session *s)
{
    for (uint32_t i = 0; i < s->nfindings; i++) {
        bool seen = false; /* one mention per id */
        for (uint32_t j = 0; j < i; j++)
            seen |= s->findings[j].id == s->findings[i].id;
        if (!seen)
            html_rawf(h, "%s%s", h->n ? " " : "", finding_info(s->findings[i].id)->id);
    }
}

static void render_row(struct html_out *h, const struct session *s, const json_t *o)
{
    char t[40];
    report_time(s->start, t, sizeof t, false);
    const json_t *ndpi = json_object_get(o, "ndpi");
    const json_t *proto = ndpi ? json_object_get(ndpi, "protocol") : NULL;
    html_rawf(h, "<tr data-kind=\"%s\" data-verdict=\"%s\" data-search=\"",
              transition_name(s->transition), verdict_class(s));
    if (s->request) { /* what the / filter of the UI searches too: the target and Host */
        html_wire_str(h, s->request->target);
        const struct http_field *f = http_field_get(s->request, "Host");
        if (!f)
            f = http_field_get(s->request, ":authority");
        if (f) {
            html_raw(h, " ");
            html_wire(h, f->value, f->value_len);
        }
    }
    html_rawf(h, "\"><td class=\"num\"><a href=\"#s-%llu\">%llu</a></td>",
              (unsigned long long)s->id, (unsigned long long)s->id);
    html_rawf(h, "<td class=\"mono\" data-v=\"%llu\">", (unsigned long long)s->start);
    html_text(h, t + 11);
    html_raw(h, "</td><td class=\"mono\">");
    endpoint(h, s, true);
    html_raw(h, "</td><td class=\"mono\">");
    endpoint(h, s, false);
    html_raw(h, "</td><td>");
    kind(h, s);
    html_rawf(h, "</td><td>%s%s</td>", outcome_name(s->outcome),
              s->incomplete ? " (open at the end)" : "");
    html_rawf(h, "<td class=\"num\">%d</td>", s->response ? s->response->status : 0);
    html_rawf(h, "<td class=\"%s\" data-v=\"%u\">", verdict_class(s),
              s->severity_count[SEV_ERROR] * 1000000u + s->severity_count[SEV_WARNING] * 1000u +
              s->severity_count[SEV_INFO]);
    verdict(h, s);
    html_raw(h, "</td><td class=\"mono\">");
    struct html_out ids = { 0 };
    finding_ids(&ids, s);
    if (ids.p)
        html_raw(h, ids.p);
    html_out_free(&ids);
    html_raw(h, "</td><td>");
    if (json_is_string(proto))
        json_scalar(h, proto);
    html_raw(h, "</td></tr>\n");
}

/* ---- lines the protocol modules write (detail_out.h), as escaped text ---- */

struct html_lines {
    struct html_out *h;
    unsigned n;
};

static void html_line(void *ctx, const char *text)
{
    struct html_lines *l = ctx;
    html_text(l->h, text); /* already escaped for a terminal (detail_wire): now for HTML */
    html_raw(l->h, "\n");
    l->n++;
}

/* ---- checklist ---- */

struct checklist_html {
    struct html_out *h;
    const struct session *s;
};

static void check_row(void *user, const struct check_row *c, enum check_mark mark)
{
    struct checklist_html *k = user;
    static const char *const cls[] = { "ok", "fail", "na" };
    static const char *const glyph[] = { "\u2713", "\u2717", "\u2013" };
    static const char *const title[] = { "passed", "failed", "not applicable" };
    const struct finding_info *fi = finding_info(c->id);
    const char *sev = mark == CHECK_FAILED ? severity_name(fi->severity) : cls[mark];
    html_rawf(k->h, "<tr class=\"check %s\" data-finding=\"%s\"><td class=\"mark %s\" "
              "title=\"%s\">%s</td><td>", cls[mark], fi->id, sev, title[mark], glyph[mark]);
    html_text(k->h, c->label);
    html_raw(k->h, "</td><td>");
    html_rfc(k->h, fi->rfc);
    html_raw(k->h, "</td></tr>\n");
    if (!c->note)
        return;
    struct html_out note = { 0 };
    struct html_lines lines = { &note, 0 };
    struct detail_out o = { false, html_line, &lines };
    c->note(&o, k->s);
    if (lines.n && note.p)
        html_rawf(k->h, "<tr class=\"note\"><td></td><td colspan=\"2\" class=\"mono\">%s</td>"
                  "</tr>\n", note.p);
    html_out_free(&note);
}

static void render_checklist(struct html_out *h, const struct session *s)
{
    html_raw(h, "<div><h3>Checklist</h3>\n<table class=\"checklist\">\n");
    struct checklist_html k = { h, s };
    checklist_walk(s, check_row, &k);
    html_raw(h, "</table></div>\n");
}

/* ---- negotiated, nDPI ---- */

static void render_negotiated(struct html_out *h, const struct session *s, const json_t *o)
{
    struct html_out body = { 0 };
    struct html_lines lines = { &body, 0 };
    struct detail_out out = { false, html_line, &lines };
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *m = dissector_get((enum proto)p);
        const void *part = session_part_get(s, (enum proto)p);
        if (m && m->report_detail && part)
            m->report_detail(&out, s, part);
    }
    html_raw(h, "<div><h3>Negotiated</h3>\n");
    if (lines.n && body.p)
        html_rawf(h, "<div class=\"lines\">%s</div>\n", body.p);
    else
        html_raw(h, "<p class=\"mute\">nothing</p>\n");
    html_out_free(&body);
    const json_t *ndpi = json_object_get(o, "ndpi");
    html_raw(h, "<h3>nDPI's verdict</h3>\n");
    if (json_is_object(ndpi))
        json_table(h, ndpi);
    else
        html_raw(h, "<p class=\"mute\">none (no payload was classified)</p>\n");
    html_raw(h, "</div>\n");
}

/* ---- heads ---- */

static void render_head(struct html_out *h, const char *title, const struct http_head *hd)
{
    html_rawf(h, "<div class=\"head\"><h3>%s</h3>\n", title);
    if (!hd) {
        html_raw(h, "<p class=\"mute\">not seen</p></div>\n");
        return;
    }
    html_raw(h, "<pre>");
    html_wire_lines(h, (const char *)hd->raw, hd->raw_len);
    html_raw(h, "</pre></div>\n");
}

/* ---- the ladder, as SVG ---- */

enum {
    LADDER_W = 1060, LADDER_TOP = 40, LADDER_ROW = 22,
    LADDER_CLIENT_X = 150, LADDER_SERVER_X = 690, LADDER_LABEL_CHARS = 78,
};

/* At most max characters of UTF-8 text s (already escaped), "..." marking a cut. */
static void clipped(struct html_out *h, const char *s, size_t max)
{
    size_t chars = 0, i = 0;
    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && ++chars > max)
            break;
    }
    html_textn(h, s, i);
    if (s[i])
        html_raw(h, "...");
}

static void ladder_findings(struct html_out *h, const struct session_event *e, int y)
{
    if (!e->findings[0])
        return;
    int worst = 0;
    for (int i = 0; i < EVENT_FINDINGS && e->findings[i]; i++) {
        int sev = finding_info((enum finding_id)(e->findings[i] - 1))->severity;
        worst = sev > worst ? sev : worst;
    }
    html_rawf(h, "<text class=\"sev-%s\" x=\"%d\" y=\"%d\">",
              severity_name((enum severity)worst), LADDER_SERVER_X + 10, y + 4);
    for (int i = 0; i < EVENT_FINDINGS && e->findings[i]; i++)
        html_rawf(h, "%s\u2717 %s", i ? " " : "",
                  finding_info((enum finding_id)(e->findings[i] - 1))->id);
    html_raw(h, "</text>");
}

static void ladder_event(struct html_out *h, const struct session_event *e, ts_us_t base,
                         int y)
{
    bool note = e->dir == SESSION_EVENT_NOTE; /* a silence, the end: across, no arrowhead */
    bool c2s = e->dir == DIR_C2S;
    int from = c2s ? LADDER_CLIENT_X : LADDER_SERVER_X, to = c2s ? LADDER_SERVER_X - 1
                                                                 : LADDER_CLIENT_X + 1;
    int head = c2s ? -8 : 8;
    long long rel = (long long)e->ts - (long long)base;
    char label[sizeof e->label * 4 + 8];
    escape_buf(label, sizeof label, e->label, strlen(e->label), ESCAPE_TERMINAL);
    html_rawf(h, "<g class=\"ev\"><title>%s ", note ? "note:"
              : c2s ? "client to server:" : "server to client:");
    html_text(h, label);
    html_rawf(h, "</title><text class=\"t\" x=\"4\" y=\"%d\">%s%lld.%06lld s</text>", y + 4,
              rel < 0 ? "-" : "+", llabs(rel) / 1000000, llabs(rel) % 1000000);
    if (note)
        html_rawf(h, "<path class=\"note\" d=\"M%d %dH%d\"/>", LADDER_CLIENT_X, y,
                  LADDER_SERVER_X);
    else
        html_rawf(h, "<path class=\"arrow %s\" d=\"M%d %dH%dM%d %dL%d %dL%d %d\"/>",
                  c2s ? "c2s" : "s2c", from, y, to, to + head, y - 4, to, y, to + head, y + 4);
    html_rawf(h, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
              (LADDER_CLIENT_X + LADDER_SERVER_X) / 2, y - 4);
    clipped(h, label, LADDER_LABEL_CHARS);
    html_raw(h, "</text>");
    ladder_findings(h, e, y);
    html_raw(h, "</g>\n");
}

static void render_ladder(struct html_out *h, const struct session *s)
{
    const struct session_events *ev = s->events;
    html_raw(h, "<h3>Ladder</h3>\n");
    if (!ev || !ev->n) {
        html_raw(h, "<p class=\"mute\">No events were recorded for this session.</p>\n");
        return;
    }
    uint32_t n = ev->n < HTML_LADDER_MAX_EVENTS ? ev->n : HTML_LADDER_MAX_EVENTS;
    int height = LADDER_TOP + (int)n * LADDER_ROW + 8;
    char c[64], sv[64];
    report_endpoint(s->family, &s->client_ip, s->client_port, c, sizeof c);
    report_endpoint(s->family, &s->server_ip, s->server_port, sv, sizeof sv);
    html_rawf(h, "<div class=\"svgbox\"><svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\""
              " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
              "aria-label=\"ladder of session %llu: %u events\">\n", LADDER_W, height, LADDER_W,
              height, (unsigned long long)s->id, n);
    html_rawf(h, "<text x=\"%d\" y=\"16\" text-anchor=\"middle\">client ", LADDER_CLIENT_X);
    html_text(h, c);
    html_rawf(h, "</text><text x=\"%d\" y=\"16\" text-anchor=\"middle\">server ",
              LADDER_SERVER_X);
    html_text(h, sv);
    html_raw(h, "</text>\n");
    html_rawf(h, "<path class=\"life\" d=\"M%d 24V%dM%d 24V%d\"/>\n", LADDER_CLIENT_X, height,
              LADDER_SERVER_X, height);
    for (uint32_t i = 0; i < n; i++)
        ladder_event(h, &ev->v[i], ev->v[0].ts, LADDER_TOP + (int)i * LADDER_ROW + 8);
    html_raw(h, "</svg></div>\n");
    if (ev->n > n || ev->dropped)
        html_rawf(h, "<p class=\"mute\">%u more event(s) recorded but not drawn (the report "
                  "draws %d per session); %llu not recorded (history cap of %d).</p>\n",
                  ev->n - n, HTML_LADDER_MAX_EVENTS, (unsigned long long)ev->dropped,
                  SESSION_MAX_EVENTS);
}

/* ---- findings, lifecycle, the whole report ---- */

static void render_findings(struct html_out *h, const struct session *s)
{
    html_rawf(h, "<h3>Findings (%u)</h3>\n", s->nfindings);
    if (!s->nfindings) {
        html_raw(h, "<p class=\"ok\">none</p>\n");
        return;
    }
    html_raw(h, "<table class=\"findings\"><thead><tr><th>severity</th><th>finding</th>"
             "<th>by</th><th>message</th><th class=\"num\">count</th><th>RFC</th></tr></thead>"
             "<tbody>\n");
    for (uint32_t i = 0; i < s->nfindings; i++) {
        const struct session_finding *f = &s->findings[i];
        const struct finding_info *fi = finding_info(f->id);
        const char *sev = severity_name(fi->severity);
        html_rawf(h, "<tr class=\"finding\" data-finding=\"%s\"><td class=\"sev-%s\">%s</td>"
                  "<td class=\"mono\" title=\"", fi->id, sev, sev);
        html_text(h, fi->title);
        html_rawf(h, "\">%s</td><td>%s</td><td>", fi->id, dir_name(f->dir));
        html_wire_str(h, f->message);
        html_rawf(h, "</td><td class=\"num\">%u</td><td>", f->count);
        html_rfc(h, fi->rfc);
        html_raw(h, "</td></tr>\n");
    }
    html_raw(h, "</tbody></table>\n");
    if (s->findings_dropped)
        html_rawf(h, "<p class=\"mute\">%u more finding(s) not kept.</p>\n",
                  s->findings_dropped);
}

static void render_lifecycle(struct html_out *h, const json_t *o)
{
    const json_t *lc = json_object_get(o, "lifecycle");
    if (!json_is_object(lc))
        return; /* not in this version's report */
    html_raw(h, "<div><h3>Lifecycle</h3>\n");
    json_table(h, lc);
    html_raw(h, "</div>\n");
}

static void render_json(struct html_out *h, const json_t *o)
{
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    html_raw(h, "<details><summary>The NDJSON report of this session</summary><pre>");
    if (text)
        html_text(h, text); /* ASCII with JSON escapes; HTML-escaped here */
    html_raw(h, "</pre></details>\n");
    free(text);
}

static void render_title(struct html_out *h, const struct session *s)
{
    char t[40], e[40];
    report_time(s->start, t, sizeof t, false);
    report_time(s->end, e, sizeof e, false);
    html_rawf(h, "<h2>#%llu ", (unsigned long long)s->id);
    kind(h, s);
    html_rawf(h, " %s", outcome_name(s->outcome));
    if (s->response && s->response->status) {
        html_rawf(h, " (%d", s->response->status);
        if (s->response->reason && s->response->reason[0]) {
            html_raw(h, " ");
            html_wire_str(h, s->response->reason);
        }
        html_raw(h, ")");
    }
    html_rawf(h, " <span class=\"%s\">", verdict_class(s));
    verdict(h, s);
    html_raw(h, "</span></h2>\n<p>client <code>");
    endpoint(h, s, true);
    html_raw(h, "</code> \u2192 server <code>");
    endpoint(h, s, false);
    html_raw(h, "</code>, from ");
    html_text(h, t);
    html_raw(h, " to ");
    html_text(h, e + 11);
    html_rawf(h, " UTC%s</p>\n", s->incomplete ? " (the connection was still open at the end)"
                                                : "");
}

bool html_session_render(const struct session *s, struct html_out *row,
                         struct html_out *section)
{
    json_t *o = session_object(s);
    if (!o)
        return false;
    render_row(row, s, o);
    html_rawf(section, "<section class=\"session\" id=\"s-%llu\" data-verdict=\"%s\">\n",
              (unsigned long long)s->id, verdict_class(s));
    render_title(section, s);
    html_raw(section, "<div class=\"cards\">\n");
    render_checklist(section, s);
    render_negotiated(section, s, o);
    render_lifecycle(section, o);
    html_raw(section, "</div>\n<div class=\"cards\">\n");
    render_head(section, "Request", s->request);
    render_head(section, "Response", s->response);
    html_raw(section, "</div>\n");
    render_findings(section, s);
    render_ladder(section, s);
    render_json(section, o);
    html_raw(section, "</section>\n");
    json_decref(o);
    return !row->failed && !section->failed;
}
