/* report_html: the --html report's collector and page (see report_html.h). */
#include "report_html.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "html_out.h"
#include "report_html_assets.h"
#include "report_text.h"

/* A session rendered and waiting for the end of the run. */
struct html_item {
    uint64_t id;
    ts_us_t start, end;
    int worst;                   /* severity, -1: none */
    char *row, *section;
};

struct html_report {
    FILE *f;
    char *path;
    uint32_t max_sessions;
    struct html_item *items;
    size_t n, cap;
    size_t bytes;                /* rendered HTML kept */
    /* every session reported, kept or not */
    uint64_t sessions;
    uint64_t by_kind[TRANSITION_COUNT][OUTCOME_COUNT];
    uint64_t findings[SEV_COUNT];
    uint64_t with_worst[SEV_COUNT + 1];            /* [0]: none, [sev + 1] */
    uint64_t finding_sessions[FINDING_COUNT];      /* sessions with each finding */
    uint64_t over_count, over_bytes, failed;       /* left out: which cap, or no memory */
};

struct html_report *html_report_open(const char *path, uint32_t max_sessions, char *err,
                                     size_t errlen)
{
    struct html_report *h = calloc(1, sizeof *h);
    if (!h || !(h->path = strdup(path))) {
        snprintf(err, errlen, "out of memory");
        free(h);
        return NULL;
    }
    h->max_sessions = max_sessions;
    h->f = fopen(path, "w");
    if (!h->f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        free(h->path);
        free(h);
        return NULL;
    }
    return h;
}

static void count(struct html_report *h, const struct session *s)
{
    h->sessions++;
    h->by_kind[s->transition][s->outcome]++;
    for (int sev = 0; sev < SEV_COUNT; sev++)
        h->findings[sev] += s->severity_count[sev];
    h->with_worst[session_worst(s) + 1]++;
    bool seen[FINDING_COUNT] = { false };
    for (uint32_t i = 0; i < s->nfindings; i++) {
        if (!seen[s->findings[i].id])
            h->finding_sessions[s->findings[i].id]++;
        seen[s->findings[i].id] = true;
    }
}

void html_report_add(struct html_report *h, const struct session *s)
{
    if (!h)
        return;
    count(h, s);
    if (h->n >= h->max_sessions) {
        h->over_count++;
        return;
    }
    struct html_out row = { 0 }, section = { 0 };
    row.max = section.max = HTML_REPORT_MAX_BYTES;
    bool ok = html_session_render(s, &row, &section);
    size_t size = row.n + section.n;
    if (ok && h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct html_item *v = realloc(h->items, cap * sizeof *v);
        ok = v != NULL;
        if (v) {
            h->items = v;
            h->cap = cap;
        }
    }
    if (!ok || size > HTML_REPORT_MAX_BYTES - h->bytes) {
        if (ok)
            h->over_bytes++;
        else
            h->failed++;
        html_out_free(&row);
        html_out_free(&section);
        return;
    }
    h->items[h->n++] = (struct html_item){ s->id, s->start, s->end, session_worst(s),
                                           html_out_take(&row), html_out_take(&section) };
    h->bytes += size;
}

/* ---- the page ---- */

/* 'sha256-BASE64' of text, for the Content-Security-Policy. */
static void csp_hash(const char *text, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    if (!EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL)) {
        snprintf(out, cap, "'none'");
        return;
    }
    EVP_EncodeBlock(b64, md, (int)mdlen);
    snprintf(out, cap, "'sha256-%s'", b64);
}

static void page_head(struct html_out *p, const struct html_run *run)
{
    char css[128], js[128];
    csp_hash(report_html_css, css, sizeof css);
    csp_hash(report_html_js, js, sizeof js);
    html_raw(p, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    /* only this page's own style and script, by hash: nothing fetched, no other script runs
     * even if markup got in (the first wall is escaping) */
    html_rawf(p, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
              "style-src %s; script-src %s; img-src 'none'; base-uri 'none'; "
              "form-action 'none'\">\n", css, js);
    html_raw(p, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
             "<meta name=\"generator\" content=\"upscope " PACKAGE_VERSION "\">\n<title>upscope: ");
    html_wire_str(p, run->source);
    html_raw(p, "</title>\n<style>");
    html_raw(p, report_html_css);
    html_raw(p, "</style>\n</head>\n<body>\n");
}

static void page_intro(struct html_out *p, const struct html_report *h,
                       const struct html_run *run)
{
    char now[40];
    report_time((ts_us_t)time(NULL) * 1000000u, now, sizeof now, false);
    html_raw(p, "<h1>upscope report: ");
    html_wire_str(p, run->source);
    html_rawf(p, "</h1>\n<p class=\"mute\">%s, %llu packet%s (%s); written %.19s UTC by "
              "upscope " PACKAGE_VERSION ". Strings from the wire are shown escaped "
              "(<code>\\e</code>, <code>\\xNN</code>, <code>\\u{XXXX}</code>).</p>\n",
              run->live ? "live capture" : "capture file", (unsigned long long)run->packets,
              run->packets == 1 ? "" : "s", run->ended ? run->ended : "-", now);
    if (h->over_count || h->over_bytes || h->failed) {
        html_rawf(p, "<p class=\"banner\" id=\"left-out\" data-left-out=\"%llu\">%llu of %llu "
                  "sessions are left out of this file",
                  (unsigned long long)(h->over_count + h->over_bytes + h->failed),
                  (unsigned long long)(h->over_count + h->over_bytes + h->failed),
                  (unsigned long long)h->sessions);
        if (h->over_count)
            html_rawf(p, ": %llu past the first %u (--html-max-sessions)",
                      (unsigned long long)h->over_count, h->max_sessions);
        if (h->over_bytes)
            html_rawf(p, "%s %llu past the report's %u MiB", h->over_count ? ";" : ":",
                      (unsigned long long)h->over_bytes, HTML_REPORT_MAX_BYTES >> 20);
        if (h->failed)
            html_rawf(p, "; %llu for want of memory", (unsigned long long)h->failed);
        html_raw(p, ". The overview counts them all; the NDJSON report (-j) has every one."
                 "</p>\n");
    }
}

static void overview_kinds(struct html_out *p, const struct html_report *h)
{
    bool used[OUTCOME_COUNT] = { false };
    for (int t = 0; t < TRANSITION_COUNT; t++)
        for (int o = 0; o < OUTCOME_COUNT; o++)
            used[o] |= h->by_kind[t][o] > 0;
    html_raw(p, "<div><h3>Sessions by kind and outcome</h3>\n<table id=\"by-kind\"><thead><tr>"
             "<th>kind</th>");
    for (int o = 0; o < OUTCOME_COUNT; o++)
        if (used[o])
            html_rawf(p, "<th class=\"num\">%s</th>", outcome_name((enum outcome)o));
    html_raw(p, "<th class=\"num\">all</th></tr></thead><tbody>\n");
    for (int t = 0; t < TRANSITION_COUNT; t++) {
        uint64_t all = 0;
        for (int o = 0; o < OUTCOME_COUNT; o++)
            all += h->by_kind[t][o];
        if (!all)
            continue;
        html_rawf(p, "<tr><th>%s</th>", transition_name((enum transition)t));
        for (int o = 0; o < OUTCOME_COUNT; o++)
            if (used[o])
                html_rawf(p, "<td class=\"num\">%llu</td>",
                          (unsigned long long)h->by_kind[t][o]);
        html_rawf(p, "<td class=\"num\">%llu</td></tr>\n", (unsigned long long)all);
    }
    html_rawf(p, "</tbody></table><p>%llu session%s in all.</p></div>\n",
              (unsigned long long)h->sessions, h->sessions == 1 ? "" : "s");
}

static void overview_findings(struct html_out *p, const struct html_report *h)
{
    html_raw(p, "<div><h3>Findings by severity</h3>\n<table id=\"by-severity\"><thead><tr>"
             "<th>severity</th><th class=\"num\">findings</th><th class=\"num\">sessions "
             "(worst)</th></tr></thead><tbody>\n");
    for (int sev = SEV_COUNT - 1; sev >= 0; sev--)
        html_rawf(p, "<tr><th class=\"sev-%s\">%s</th><td class=\"num\">%llu</td>"
                  "<td class=\"num\">%llu</td></tr>\n", severity_name((enum severity)sev),
                  severity_name((enum severity)sev), (unsigned long long)h->findings[sev],
                  (unsigned long long)h->with_worst[sev + 1]);
    html_rawf(p, "<tr><th class=\"ok\">none</th><td></td><td class=\"num\">%llu</td></tr>\n"
              "</tbody></table></div>\n", (unsigned long long)h->with_worst[0]);
    bool any = false;
    for (int i = 0; i < FINDING_COUNT; i++)
        any |= h->finding_sessions[i] > 0;
    if (!any)
        return;
    html_raw(p, "<div><h3>Findings by ID</h3>\n<table id=\"by-finding\"><thead><tr><th>"
             "finding</th><th class=\"num\">sessions</th><th>RFC</th></tr></thead><tbody>\n");
    for (int sev = SEV_COUNT - 1; sev >= 0; sev--) {
        for (int i = 0; i < FINDING_COUNT; i++) {
            const struct finding_info *fi = finding_info((enum finding_id)i);
            if (!h->finding_sessions[i] || (int)fi->severity != sev)
                continue;
            html_rawf(p, "<tr><td class=\"mono sev-%s\" title=\"", severity_name(fi->severity));
            html_text(p, fi->title);
            html_rawf(p, "\">%s</td><td class=\"num\">%llu</td><td>", fi->id,
                      (unsigned long long)h->finding_sessions[i]);
            html_rfc(p, fi->rfc);
            html_raw(p, "</td></tr>\n");
        }
    }
    html_raw(p, "</tbody></table></div>\n");
}

/* ---- the timeline: one bar per session, packed into lanes ---- */

enum { TIMELINE_W = 1000, TIMELINE_LANES = 120, TIMELINE_LANE_H = 12 };

static int by_start(const void *a, const void *b)
{
    const struct html_item *x = *(struct html_item *const *)a, *y = *(struct html_item *const *)b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

static ts_us_t item_end(const struct html_item *it)
{
    return it->end > it->start ? it->end : it->start;
}

/* The lane of each item (sorted by start): the first one free at its start. */
static void assign_lanes(struct html_item **v, size_t n, int *lane, int *nlanes)
{
    ts_us_t busy[TIMELINE_LANES];
    *nlanes = 0;
    for (size_t i = 0; i < n; i++) {
        int l = 0;
        while (l < *nlanes && busy[l] > v[i]->start)
            l++;
        if (l == TIMELINE_LANES) /* more at once than lanes: share the one free soonest */
            for (int k = l = 0; k < TIMELINE_LANES; k++)
                l = busy[k] < busy[l] ? k : l;
        if (l == *nlanes)
            (*nlanes)++;
        busy[l] = item_end(v[i]);
        lane[i] = l;
    }
}

static void timeline(struct html_out *p, const struct html_report *h)
{
    if (!h->n)
        return;
    struct html_item **v = malloc(h->n * sizeof *v);
    int *lane = malloc(h->n * sizeof *lane);
    if (!v || !lane) {
        free(v);
        free(lane);
        return;
    }
    for (size_t i = 0; i < h->n; i++)
        v[i] = &h->items[i];
    qsort(v, h->n, sizeof *v, by_start);
    ts_us_t t0 = v[0]->start, t1 = t0;
    for (size_t i = 0; i < h->n; i++)
        t1 = item_end(v[i]) > t1 ? item_end(v[i]) : t1;
    double span = t1 > t0 ? (double)(t1 - t0) : 1.0;
    int nlanes;
    assign_lanes(v, h->n, lane, &nlanes);
    int height = nlanes * TIMELINE_LANE_H + 34;
    char start[40];
    report_time(t0, start, sizeof start, false);
    html_rawf(p, "<h2>Timeline</h2>\n<div class=\"svgbox\"><svg id=\"timeline\" "
              "xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
              "role=\"img\" aria-label=\"sessions in time\">\n", TIMELINE_W + 20, height,
              TIMELINE_W + 20, height);
    for (size_t i = 0; i < h->n; i++) {
        const struct html_item *it = v[i];
        double x = 10 + (double)(it->start - t0) * TIMELINE_W / span;
        double w = (double)(item_end(it) - it->start) * TIMELINE_W / span;
        static const char *const cls[] = { "ok", "ok", "warning", "error" }; /* info is ok */
        html_rawf(p, "<a href=\"#s-%llu\"><rect class=\"bar %s\" x=\"%.1f\" y=\"%d\" "
                  "width=\"%.1f\" height=\"%d\"><title>#%llu, %.6f s</title></rect></a>\n",
                  (unsigned long long)it->id, cls[it->worst + 1], x,
                  6 + lane[i] * TIMELINE_LANE_H, w < 2 ? 2.0 : w, TIMELINE_LANE_H - 3,
                  (unsigned long long)it->id, (double)(item_end(it) - it->start) / 1e6);
    }
    int axis = nlanes * TIMELINE_LANE_H + 10;
    html_rawf(p, "<path class=\"axis\" d=\"M10 %dH%d\"/><text x=\"10\" y=\"%d\">%s UTC</text>"
              "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">+%.3f s</text>\n</svg></div>\n",
              axis, TIMELINE_W + 10, axis + 16, start, TIMELINE_W + 10, axis + 16,
              (double)(t1 - t0) / 1e6);
    free(v);
    free(lane);
}

/* ---- the session table ---- */

static void table_head(struct html_out *p, const struct html_report *h)
{
    html_raw(p, "<h2>Sessions</h2>\n<div class=\"controls\"><input id=\"q\" type=\"search\" "
             "placeholder=\"filter: address, port, path, Host, finding ID\" aria-label=\"filter\" "
             "size=\"40\"><select id=\"kind\" aria-label=\"kind\"><option value=\"\">every kind"
             "</option>");
    for (int t = 0; t < TRANSITION_COUNT; t++) {
        uint64_t any = 0;
        for (int o = 0; o < OUTCOME_COUNT; o++)
            any += h->by_kind[t][o];
        if (any)
            html_rawf(p, "<option>%s</option>", transition_name((enum transition)t));
    }
    html_rawf(p, "</select><select id=\"verdict\" aria-label=\"verdict\"><option value=\"\">"
              "any verdict</option><option value=\"error\">errors</option><option value=\""
              "warning\">warnings (no error)</option><option value=\"info\">info only</option>"
              "<option value=\"ok\">no finding</option></select><span id=\"shown\" "
              "class=\"mute\">%zu sessions</span></div>\n", h->n);
    html_raw(p, "<table id=\"sessions\"><thead><tr><th class=\"num\">#</th><th>start (UTC)</th>"
             "<th>client</th><th>server</th><th>kind</th><th>outcome</th><th class=\"num\">"
             "status</th><th>verdict</th><th>findings</th><th>nDPI</th></tr></thead>\n<tbody>\n");
}

static int by_id(const void *a, const void *b)
{
    const struct html_item *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Writes the markup in p and empties it; false once a write failed. */
static bool flush(FILE *f, struct html_out *p)
{
    bool ok = !p->failed && (p->n == 0 || fwrite(p->p, 1, p->n, f) == p->n);
    html_out_free(p);
    return ok;
}

static bool write_page(struct html_report *h, const struct html_run *run)
{
    struct html_out p = { 0 };
    qsort(h->items, h->n, sizeof *h->items, by_id); /* they arrive in the order they ended */
    page_head(&p, run);
    page_intro(&p, h, run);
    html_raw(&p, "<h2>Overview</h2>\n<div class=\"cards\">\n");
    overview_kinds(&p, h);
    overview_findings(&p, h);
    html_raw(&p, "</div>\n");
    timeline(&p, h);
    table_head(&p, h);
    bool ok = flush(h->f, &p);
    for (size_t i = 0; ok && i < h->n; i++)
        ok = fputs(h->items[i].row, h->f) >= 0;
    html_raw(&p, "</tbody></table>\n");
    if (!h->n)
        html_raw(&p, "<p class=\"mute\">No session to show.</p>\n");
    ok = ok && flush(h->f, &p);
    for (size_t i = 0; ok && i < h->n; i++)
        ok = fputs(h->items[i].section, h->f) >= 0;
    html_raw(&p, "<script>");
    html_raw(&p, report_html_js);
    html_raw(&p, "</script>\n</body>\n</html>\n");
    return flush(h->f, &p) && ok;
}

static void free_items(struct html_report *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->items[i].row);
        free(h->items[i].section);
    }
    free(h->items);
    free(h->path);
    free(h);
}

bool html_report_close(struct html_report *h, const struct html_run *run, char *err,
                       size_t errlen)
{
    if (!h)
        return true;
    errno = 0;
    bool ok = write_page(h, run);
    int e = errno;
    if (fclose(h->f) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok)
        snprintf(err, errlen, "%s: %s", h->path, e ? strerror(e) : "out of memory");
    free_items(h);
    return ok;
}

void html_report_abort(struct html_report *h)
{
    if (!h)
        return;
    fclose(h->f);
    free_items(h);
}
