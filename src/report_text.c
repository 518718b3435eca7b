/* report_text: the readable per-session summary (see report_text.h). */
#include "report_text.h"

#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "dissector.h"
#include "escape.h"
#include "lifecycle.h"
#include "tunnel_report.h"

#define SGR_RESET TEXT_SGR_RESET
#define SGR_BOLD TEXT_SGR_BOLD
#define SGR_RED TEXT_SGR_RED
#define SGR_GREEN TEXT_SGR_GREEN
#define SGR_YELLOW TEXT_SGR_YELLOW
#define SGR_CYAN TEXT_SGR_CYAN
#define SGR_DIM TEXT_SGR_DIM

const char *text_sgr(const struct text_out *o, const char *code)
{
    return o->color ? code : "";
}

static const char *severity_color(enum severity sev)
{
    return sev == SEV_ERROR ? SGR_RED : sev == SEV_WARNING ? SGR_YELLOW : SGR_CYAN;
}

void text_wire(const struct text_out *o, const char *p, size_t n, size_t max)
{
    char buf[1024];
    if (max >= sizeof buf)
        max = sizeof buf - 1;
    escape_buf(buf, max + 1, p, n, ESCAPE_TERMINAL);
    fputs(buf, o->out);
}

void text_str(const struct text_out *o, const char *s, size_t max)
{
    if (s)
        text_wire(o, s, strlen(s), max);
    else
        fputs("-", o->out);
}

void text_label(const struct text_out *o, const char *name)
{
    fprintf(o->out, "    %s%-12s%s", text_sgr(o, SGR_DIM), name, text_sgr(o, SGR_RESET));
}

void text_list(const struct text_out *o, const struct strlist *l)
{
    if (l->n == 0)
        fputs("-", o->out);
    for (uint32_t i = 0; i < l->n; i++) {
        if (i)
            fputs(", ", o->out);
        text_str(o, l->v[i], 80);
    }
}

void text_counts(const struct text_out *o, const uint64_t *f, int kinds,
                 const char *(*name)(int kind))
{
    bool any = false;
    for (int k = 0; k < kinds; k++) {
        if (!f[k])
            continue;
        fprintf(o->out, "%s%llu %s", any ? ", " : "", (unsigned long long)f[k], name(k));
        any = true;
    }
    if (!any)
        fputs("none", o->out);
}

static void print_title(const struct text_out *pr, const struct session *s)
{
    char t[40], c[64], sv[64];
    report_time(s->start, t, sizeof t, false);
    report_endpoint(s->family, &s->client_ip, s->client_port, c, sizeof c);
    report_endpoint(s->family, &s->server_ip, s->server_port, sv, sizeof sv);
    fprintf(pr->out, "%s#%llu%s  %s  %s -> %s", text_sgr(pr, SGR_BOLD),
            (unsigned long long)s->id, text_sgr(pr, SGR_RESET), t, c, sv);
    fprintf(pr->out, "  %s%s %s%s", text_sgr(pr, SGR_BOLD), transition_name(s->transition),
            outcome_name(s->outcome), text_sgr(pr, SGR_RESET));
    if (s->response && s->response->status) {
        fprintf(pr->out, " (%d", s->response->status);
        if (s->response->reason && s->response->reason[0]) { /* HTTP/2 has none */
            fputc(' ', pr->out);
            text_str(pr, s->response->reason, 60);
        }
        fputc(')', pr->out);
    }
    if (s->incomplete)
        fputs(" [connection still open]", pr->out);
    fputc('\n', pr->out);
}

static void print_request(const struct text_out *pr, const struct session *s)
{
    const struct http_head *r = s->request;
    if (!r)
        return;
    text_label(pr, "request");
    text_str(pr, r->method, 20);
    fputc(' ', pr->out);
    text_str(pr, r->target, 120);
    fputc(' ', pr->out);
    text_str(pr, r->version, 20);
    /* what names the target and the protocol asked for: in HTTP/2 (RFC 8441) the
     * pseudo-header fields that stand for Host and Upgrade */
    static const char *const shown[] = { "Host", "Upgrade", ":authority", ":protocol" };
    for (int i = 0; i < 4; i++) {
        const struct http_field *f = http_field_get(r, shown[i]);
        if (!f)
            continue;
        fprintf(pr->out, "  %s: ", shown[i]);
        text_wire(pr, f->value, f->value_len, 80);
    }
    fputc('\n', pr->out);
}

struct risk_printer {
    const struct text_out *pr;
    int n;
};

static void print_risk(void *user, const char *name)
{
    struct risk_printer *rp = user;
    fprintf(rp->pr->out, "%s%s", rp->n++ ? "; " : "", name);
}

static void print_ndpi(const struct text_out *pr, const struct ndpi_info *n)
{
    if (!n->present)
        return;
    text_label(pr, "nDPI");
    text_str(pr, n->protocol, 60);
    fputs(" (", pr->out);
    text_str(pr, n->category, 40);
    fputc(')', pr->out);
    if (n->risk) {
        struct risk_printer rp = { pr, 0 };
        fputs("  risks: ", pr->out);
        classify_risk_names(n->risk, print_risk, &rp);
    }
    fputc('\n', pr->out);
}

/* What carries it above TCP, outermost first ("in tls, http2 stream 3 of #1"), and what the
 * snap length cut: the lines that explain why a session looks as it does. */
static void print_carriers(const struct text_out *pr, const struct session *s)
{
    if (s->ncarriers) {
        text_label(pr, "inside");
        for (uint8_t i = 0; i < s->ncarriers; i++) {
            const struct session_carrier *c = &s->carried_by[i];
            fprintf(pr->out, "%s%s", i ? ", " : "", proto_name((enum proto)c->proto));
            if (c->stream)
                fprintf(pr->out, " stream %u", c->stream);
            if (c->session)
                fprintf(pr->out, " of #%llu", (unsigned long long)c->session);
        }
        fputc('\n', pr->out);
    }
    if (s->truncated[0] || s->truncated[1]) {
        text_label(pr, "truncated");
        fprintf(pr->out, "the snap length cut %llu/%llu bytes client/server; %u finding(s) "
                "withheld\n", (unsigned long long)s->truncated[0],
                (unsigned long long)s->truncated[1], s->findings_withheld);
    }
}

/* Where to look in Wireshark: the display filter for its connection, and its frames. */
static void print_pivot(const struct text_out *pr, const struct session *s)
{
    text_label(pr, "wireshark");
    fprintf(pr->out, "tcp.stream eq %llu", (unsigned long long)(s->flow_id - 1));
    if (s->request && s->request->frame)
        fprintf(pr->out, "; request frame %llu", (unsigned long long)s->request->frame);
    if (s->response && s->response->frame)
        fprintf(pr->out, "; response frame %llu", (unsigned long long)s->response->frame);
    fputc('\n', pr->out);
}

static void print_findings(const struct text_out *pr, const struct session *s)
{
    text_label(pr, "findings");
    if (s->nfindings == 0) {
        fprintf(pr->out, "%snone%s\n", text_sgr(pr, SGR_GREEN), text_sgr(pr, SGR_RESET));
        return;
    }
    fprintf(pr->out, "%u error(s), %u warning(s), %u info\n", s->severity_count[SEV_ERROR],
            s->severity_count[SEV_WARNING], s->severity_count[SEV_INFO]);
    for (uint32_t i = 0; i < s->nfindings; i++) {
        const struct session_finding *f = &s->findings[i];
        const struct finding_info *fi = finding_info(f->id);
        fprintf(pr->out, "      %s%-7s%s %-34s %-7s ",
                text_sgr(pr, severity_color(fi->severity)), severity_name(fi->severity),
                text_sgr(pr, SGR_RESET), fi->id, dir_name(f->dir));
        text_str(pr, f->message, 200);
        if (f->count > 1)
            fprintf(pr->out, " (x%u)", f->count);
        fprintf(pr->out, "  [%s]", fi->rfc);
        if (f->frame)
            fprintf(pr->out, " frame %llu", (unsigned long long)f->frame);
        fputc('\n', pr->out);
    }
    if (s->findings_dropped)
        fprintf(pr->out, "      ... %u more finding(s) not kept\n", s->findings_dropped);
}

void report_text_session(FILE *out, const struct session *s, bool color)
{
    struct text_out pr = { out, color };
    print_title(&pr, s);
    tunnel_report_text(&pr, s->tunnels);
    print_carriers(&pr, s);
    print_request(&pr, s);
    bool spoke = session_spoke(s);
    for (int p = 0; p < PROTO_COUNT; p++) { /* each protocol's part, in registry order */
        const struct dissector *d = dissector_get((enum proto)p);
        const void *part = session_part_get(s, (enum proto)p);
        if (d && d->report_text && part)
            d->report_text(&pr, s, part, spoke);
    }
    lifecycle_text(&pr, s);
    print_pivot(&pr, s);
    print_ndpi(&pr, &s->ndpi);
    print_findings(&pr, s);
    fputc('\n', out);
}
