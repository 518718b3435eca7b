/* report_text: the readable per-session summary (see report_text.h). */
#include "report_text.h"

#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "escape.h"
#include "h2_settings.h"

#define SGR_RESET "\033[0m"
#define SGR_BOLD "\033[1m"
#define SGR_RED "\033[31m"
#define SGR_GREEN "\033[32m"
#define SGR_YELLOW "\033[33m"
#define SGR_CYAN "\033[36m"
#define SGR_DIM "\033[2m"

struct printer {
    FILE *out;
    bool color;
};

static const char *sgr(const struct printer *pr, const char *code)
{
    return pr->color ? code : "";
}

static const char *severity_color(enum severity sev)
{
    return sev == SEV_ERROR ? SGR_RED : sev == SEV_WARNING ? SGR_YELLOW : SGR_CYAN;
}

/* Prints wire bytes, escaped; at most `max` escaped characters. */
static void wire(const struct printer *pr, const char *p, size_t n, size_t max)
{
    char buf[1024];
    if (max >= sizeof buf)
        max = sizeof buf - 1;
    escape_buf(buf, max + 1, p, n, ESCAPE_TERMINAL);
    fputs(buf, pr->out);
}

static void wire_str(const struct printer *pr, const char *s, size_t max)
{
    if (s)
        wire(pr, s, strlen(s), max);
    else
        fputs("-", pr->out);
}

static void label(const struct printer *pr, const char *name)
{
    fprintf(pr->out, "    %s%-12s%s", sgr(pr, SGR_DIM), name, sgr(pr, SGR_RESET));
}

static void print_title(const struct printer *pr, const struct session *s)
{
    char t[40], c[64], sv[64];
    report_time(s->start, t, sizeof t, false);
    report_endpoint(s->family, &s->client_ip, s->client_port, c, sizeof c);
    report_endpoint(s->family, &s->server_ip, s->server_port, sv, sizeof sv);
    fprintf(pr->out, "%s#%llu%s  %s  %s -> %s", sgr(pr, SGR_BOLD), (unsigned long long)s->id,
            sgr(pr, SGR_RESET), t, c, sv);
    fprintf(pr->out, "  %s%s %s%s", sgr(pr, SGR_BOLD), transition_name(s->transition),
            outcome_name(s->outcome), sgr(pr, SGR_RESET));
    if (s->response && s->response->status) {
        fprintf(pr->out, " (%d ", s->response->status);
        wire_str(pr, s->response->reason, 60);
        fputc(')', pr->out);
    }
    if (s->incomplete)
        fputs(" [connection still open]", pr->out);
    fputc('\n', pr->out);
}

static void print_request(const struct printer *pr, const struct session *s)
{
    const struct http_head *r = s->request;
    if (!r)
        return;
    label(pr, "request");
    wire_str(pr, r->method, 20);
    fputc(' ', pr->out);
    wire_str(pr, r->target, 120);
    fputc(' ', pr->out);
    wire_str(pr, r->version, 20);
    const struct http_field *host = http_field_get(r, "Host");
    const struct http_field *up = http_field_get(r, "Upgrade");
    if (host) {
        fputs("  Host: ", pr->out);
        wire(pr, host->value, host->value_len, 80);
    }
    if (up) {
        fputs("  Upgrade: ", pr->out);
        wire(pr, up->value, up->value_len, 80);
    }
    fputc('\n', pr->out);
}

static void print_list(const struct printer *pr, const struct strlist *l)
{
    if (l->n == 0)
        fputs("-", pr->out);
    for (uint32_t i = 0; i < l->n; i++) {
        if (i)
            fputs(", ", pr->out);
        wire_str(pr, l->v[i], 80);
    }
}

/* "3 text, 1 close" (or "none"): the non-zero counts of a per-kind table. */
static void print_counts(const struct printer *pr, const uint64_t *f, int kinds,
                         const char *(*name)(int kind))
{
    bool any = false;
    for (int k = 0; k < kinds; k++) {
        if (!f[k])
            continue;
        fprintf(pr->out, "%s%llu %s", any ? ", " : "", (unsigned long long)f[k], name(k));
        any = true;
    }
    if (!any)
        fputs("none", pr->out);
}

static const char *ws_kind(int k)
{
    return ws_frame_kind_name((enum ws_frame_kind)k);
}

static const char *h2_kind(int k)
{
    return h2_frame_kind_name((enum h2_frame_kind)k);
}

static void print_websocket(const struct printer *pr, const struct ws_info *w, bool frames)
{
    if (!w)
        return;
    if (w->accept_checked) {
        label(pr, "accept");
        if (w->accept_valid)
            fprintf(pr->out, "%svalid%s\n", sgr(pr, SGR_GREEN), sgr(pr, SGR_RESET));
        else if (!w->accept)
            fprintf(pr->out, "%smissing%s\n", sgr(pr, SGR_RED), sgr(pr, SGR_RESET));
        else {
            fprintf(pr->out, "%sINVALID%s: got ", sgr(pr, SGR_RED), sgr(pr, SGR_RESET));
            wire_str(pr, w->accept, 60);
            fputs(", expected ", pr->out);
            wire_str(pr, w->accept_expected, 60);
            fputc('\n', pr->out);
        }
    }
    if (w->subprotocol || w->subprotocols_offered.n) {
        label(pr, "subprotocol");
        wire_str(pr, w->subprotocol, 60);
        fputs("  (offered: ", pr->out);
        print_list(pr, &w->subprotocols_offered);
        fputs(")\n", pr->out);
    }
    if (w->extensions.n || w->extensions_offered.n) {
        label(pr, "extensions");
        print_list(pr, &w->extensions);
        fputs("  (offered: ", pr->out);
        print_list(pr, &w->extensions_offered);
        fputs(")\n", pr->out);
    }
    if (!frames)
        return;
    label(pr, "frames");
    fputs("client: ", pr->out);
    print_counts(pr, w->frames[DIR_C2S], WSF_KIND_COUNT, ws_kind);
    fputs("; server: ", pr->out);
    print_counts(pr, w->frames[DIR_S2C], WSF_KIND_COUNT, ws_kind);
    fprintf(pr->out, "\n");
    label(pr, "messages");
    fprintf(pr->out, "client %llu, server %llu\n", (unsigned long long)w->messages[DIR_C2S],
            (unsigned long long)w->messages[DIR_S2C]);
    if (w->close.seen) {
        label(pr, "close");
        if (w->close.code >= 0)
            fprintf(pr->out, "%d", w->close.code);
        else
            fputs("(no code)", pr->out);
        if (w->close.reason && w->close.reason[0]) {
            fputs(" \"", pr->out);
            wire_str(pr, w->close.reason, 80);
            fputc('"', pr->out);
        }
        fprintf(pr->out, ", from the %s%s\n", dir_name(w->close.initiator),
                w->close.replied ? ", answered" : ", not answered");
    }
}

static void print_settings(const struct printer *pr, const struct h2_setting *set, uint32_t n)
{
    char buf[16];
    if (n == 0)
        fputs("(none)", pr->out);
    for (uint32_t i = 0; i < n; i++)
        fprintf(pr->out, "%s%s=%u", i ? ", " : "", h2_setting_name(set[i].id, buf),
                set[i].value);
}

static void print_h2(const struct printer *pr, const struct h2_info *h, bool frames)
{
    if (!h)
        return;
    if (h->settings_header) {
        label(pr, "settings");
        print_settings(pr, h->settings, h->nsettings);
        fputc('\n', pr->out);
    }
    if (!frames)
        return;
    label(pr, "preface");
    fprintf(pr->out, "client %s; server SETTINGS ", h->client_preface ? "sent" : "MISSING");
    if (h->server_settings_seen)
        print_settings(pr, h->server_settings, h->nserver_settings);
    else
        fputs("not seen", pr->out);
    fputc('\n', pr->out);
    label(pr, "frames");
    fputs("client: ", pr->out);
    print_counts(pr, h->frames[DIR_C2S], H2F_KIND_COUNT, h2_kind);
    fputs("; server: ", pr->out);
    print_counts(pr, h->frames[DIR_S2C], H2F_KIND_COUNT, h2_kind);
    fputc('\n', pr->out);
    for (uint32_t i = 0; i < h->nrequests; i++) {
        const struct h2_request *r = &h->requests[i];
        label(pr, i ? "" : "requests");
        fprintf(pr->out, "stream %u ", r->stream);
        wire_str(pr, r->method, 16);
        fputc(' ', pr->out);
        wire_str(pr, r->path, 100);
        if (r->status)
            fprintf(pr->out, " -> %d", r->status);
        fputc('\n', pr->out);
    }
    if (h->requests_dropped)
        fprintf(pr->out, "                ... %u more stream(s)\n", h->requests_dropped);
}

static void print_tls(const struct printer *pr, const struct tls_info *t)
{
    if (!t || (!t->client_hello && !t->server_hello && !t->records[0] && !t->records[1]))
        return;
    label(pr, "tls");
    if (t->client_hello) {
        fputs("ClientHello SNI ", pr->out);
        wire_str(pr, t->sni, 80);
        fputs(", ALPN ", pr->out);
        print_list(pr, &t->alpn);
        fputs(", versions ", pr->out);
        print_list(pr, &t->versions);
    } else {
        fputs("no ClientHello seen", pr->out);
    }
    if (t->server_hello) {
        fputs("; ServerHello ", pr->out);
        wire_str(pr, t->server_version, 20);
        if (t->server_alpn) {
            fputs(", ALPN ", pr->out);
            wire_str(pr, t->server_alpn, 40);
        }
    }
    if (strcmp(t->source, "upscope") != 0)
        fprintf(pr->out, " (from %s)", t->source);
    fputc('\n', pr->out);
    if (t->records[0] || t->records[1]) {
        label(pr, "records");
        fprintf(pr->out, "client %llu (%llu bytes), server %llu (%llu bytes)\n",
                (unsigned long long)t->records[DIR_C2S], (unsigned long long)t->bytes[DIR_C2S],
                (unsigned long long)t->records[DIR_S2C], (unsigned long long)t->bytes[DIR_S2C]);
    }
}

struct risk_printer {
    const struct printer *pr;
    int n;
};

static void print_risk(void *user, const char *name)
{
    struct risk_printer *rp = user;
    fprintf(rp->pr->out, "%s%s", rp->n++ ? "; " : "", name);
}

static void print_ndpi(const struct printer *pr, const struct ndpi_info *n)
{
    if (!n->present)
        return;
    label(pr, "nDPI");
    wire_str(pr, n->protocol, 60);
    fputs(" (", pr->out);
    wire_str(pr, n->category, 40);
    fputc(')', pr->out);
    if (n->risk) {
        struct risk_printer rp = { pr, 0 };
        fputs("  risks: ", pr->out);
        classify_risk_names(n->risk, print_risk, &rp);
    }
    fputc('\n', pr->out);
}

static void print_findings(const struct printer *pr, const struct session *s)
{
    label(pr, "findings");
    if (s->nfindings == 0) {
        fprintf(pr->out, "%snone%s\n", sgr(pr, SGR_GREEN), sgr(pr, SGR_RESET));
        return;
    }
    fprintf(pr->out, "%u error(s), %u warning(s), %u info\n", s->severity_count[SEV_ERROR],
            s->severity_count[SEV_WARNING], s->severity_count[SEV_INFO]);
    for (uint32_t i = 0; i < s->nfindings; i++) {
        const struct session_finding *f = &s->findings[i];
        const struct finding_info *fi = finding_info(f->id);
        fprintf(pr->out, "      %s%-7s%s %-34s %-7s ", sgr(pr, severity_color(fi->severity)),
                severity_name(fi->severity), sgr(pr, SGR_RESET), fi->id, dir_name(f->dir));
        wire_str(pr, f->message, 200);
        if (f->count > 1)
            fprintf(pr->out, " (x%u)", f->count);
        fprintf(pr->out, "  [%s]\n", fi->rfc);
    }
    if (s->findings_dropped)
        fprintf(pr->out, "      ... %u more finding(s) not kept\n", s->findings_dropped);
}

void report_text_session(FILE *out, const struct session *s, bool color)
{
    struct printer pr = { out, color };
    print_title(&pr, s);
    print_request(&pr, s);
    bool spoke = s->outcome == OUTCOME_SWITCHED || s->outcome == OUTCOME_UNSOLICITED ||
                 s->outcome == OUTCOME_MIDSTREAM || s->outcome == OUTCOME_PRIOR_KNOWLEDGE;
    print_websocket(&pr, s->ws, spoke);
    print_h2(&pr, s->h2, spoke);
    print_tls(&pr, s->tls);
    print_ndpi(&pr, &s->ndpi);
    print_findings(&pr, s);
    fputc('\n', out);
}
