/* report_json: one session → one NDJSON line with jansson (see report_json.h). */
#include "report_json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "dissector.h"
#include "escape.h"
#include "json_arena.h"
#include "json_text.h"
#include "lifecycle.h"
#include "report_html.h"
#include "report_text.h"
#include "tunnel_report.h"

/* A string from the wire, made valid UTF-8. Its length is passed on, so a NUL byte stays in the
 * string (jansson writes it as \u0000) instead of ending it. */
json_t *json_wire(const char *p, size_t n)
{
    if (!p)
        return json_null();
    size_t cap = n * 8 + 1; /* the longest escape is 8 bytes for one input byte */
    char *e = malloc(cap);
    json_t *j = e ? json_stringn(e, escape_buf(e, cap, p, n, ESCAPE_JSON)) : NULL;
    free(e);
    return j ? j : json_null();
}

json_t *json_wire_str(const char *s)
{
    return s ? json_wire(s, strlen(s)) : json_null();
}

json_t *json_time(ts_us_t ts)
{
    char buf[40];
    report_time(ts, buf, sizeof buf, true);
    return json_string(buf);
}

static json_t *endpoint(int family, const struct ip_addr *ip, uint16_t port)
{
    char buf[64];
    report_ip(family, ip, buf, sizeof buf);
    return json_pack("{s:s, s:i}", "ip", buf, "port", (json_int_t)port);
}

json_t *json_per_dir(uint64_t client, uint64_t server)
{
    return json_pack("{s:I, s:I}", "client", (json_int_t)client, "server", (json_int_t)server);
}

json_t *json_strlist(const struct strlist *l)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < l->n; i++)
        json_array_append_new(a, json_wire_str(l->v[i]));
    return a;
}

static json_t *head_json(const struct http_head *h)
{
    if (!h)
        return json_null();
    json_t *headers = json_array();
    for (uint32_t i = 0; i < h->nfields; i++) {
        const struct http_field *f = &h->fields[i];
        json_array_append_new(headers, json_pack("[o,o]", json_wire(f->name, f->name_len),
                                                 json_wire(f->value, f->value_len)));
    }
    json_t *o = json_object();
    json_object_set_new(o, "method", h->is_request ? json_wire_str(h->method) : json_null());
    json_object_set_new(o, "target", h->is_request ? json_wire_str(h->target) : json_null());
    json_object_set_new(o, "version", json_wire_str(h->version));
    json_object_set_new(o, "status", h->is_request || !h->status ? json_null()
                                                                 : json_integer(h->status));
    json_object_set_new(o, "reason", h->is_request || h->major == 2 ? json_null()
                                                          : json_wire_str(h->reason));
    json_object_set_new(o, "headers", headers);
    json_object_set_new(o, "time", json_time(h->ts));
    json_object_set_new(o, "frame", h->frame ? json_integer((json_int_t)h->frame) : json_null());
    return o;
}

/* What carries the session above TCP, outermost first (empty: TCP itself). */
static json_t *carriers_json(const struct session *s)
{
    json_t *a = json_array();
    for (uint8_t i = 0; i < s->ncarriers; i++) {
        const struct session_carrier *c = &s->carried_by[i];
        json_t *o = json_pack("{s:s}", "protocol", proto_name((enum proto)c->proto));
        if (c->stream)
            json_object_set_new(o, "stream", json_integer(c->stream));
        json_object_set_new(o, "session", c->session ? json_integer((json_int_t)c->session)
                                                     : json_null());
        json_array_append_new(a, o);
    }
    return a;
}

/* Each protocol's part under its module's key, in registry order (null when absent). */
static void add_parts(json_t *o, const struct session *s)
{
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *d = dissector_get((enum proto)p);
        if (!d || !d->report_key)
            continue;
        const void *part = session_part_get(s, (enum proto)p);
        json_object_set_new(o, d->report_key, part ? d->report_json(s, part) : json_null());
    }
}

static void add_risk(void *user, const char *name)
{
    json_array_append_new(user, json_string(name));
}

static json_t *ndpi_json(const struct ndpi_info *n)
{
    if (!n->present)
        return json_null();
    json_t *risks = json_array();
    classify_risk_names(n->risk, add_risk, risks);
    json_t *o = json_object();
    json_object_set_new(o, "protocol", json_wire_str(n->protocol));
    json_object_set_new(o, "category", json_wire_str(n->category));
    json_object_set_new(o, "risks", risks);
    json_object_set_new(o, "host", n->host[0] ? json_wire_str(n->host) : json_null());
    json_object_set_new(o, "alpn", n->alpn[0] ? json_wire_str(n->alpn) : json_null());
    return o;
}

static json_t *findings_json(const struct session *s)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < s->nfindings; i++) {
        const struct session_finding *f = &s->findings[i];
        const struct finding_info *fi = finding_info(f->id);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o, s:s, s:i, s:o, s:o}",
            "id", fi->id, "severity", severity_name(fi->severity),
            "direction", dir_name(f->dir), "message", json_wire_str(f->message),
            "rfc", fi->rfc, "count", (json_int_t)f->count, "time", json_time(f->ts),
            "frame", f->frame ? json_integer((json_int_t)f->frame) : json_null()));
    }
    return a;
}

static json_t *stats_json(const struct session *s)
{
    const struct session_stats *st = &s->stats;
    return json_pack("{s:o, s:o, s:o, s:o}",
        "packets", json_per_dir(st->packets[DIR_C2S], st->packets[DIR_S2C]),
        "bytes", json_per_dir(st->bytes[DIR_C2S], st->bytes[DIR_S2C]),
        "stream_bytes", json_per_dir(st->stream_bytes[DIR_C2S], st->stream_bytes[DIR_S2C]),
        "gaps", json_per_dir(st->gaps[DIR_C2S], st->gaps[DIR_S2C]));
}

static json_t *session_json(const struct session *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)s->id));
    json_object_set_new(o, "flow_id", json_integer((json_int_t)s->flow_id));
    json_object_set_new(o, "client", endpoint(s->family, &s->client_ip, s->client_port));
    json_object_set_new(o, "server", endpoint(s->family, &s->server_ip, s->server_port));
    json_object_set_new(o, "start", json_time(s->start));
    json_object_set_new(o, "end", json_time(s->end));
    json_object_set_new(o, "transition", json_string(transition_name(s->transition)));
    json_object_set_new(o, "outcome", json_string(outcome_name(s->outcome)));
    json_object_set_new(o, "incomplete", json_boolean(s->incomplete));
    json_object_set_new(o, "carried_by", carriers_json(s));
    json_object_set_new(o, "encapsulation", tunnel_report_json(s->tunnels));
    json_object_set_new(o, "request", head_json(s->request));
    json_object_set_new(o, "response", head_json(s->response));
    add_parts(o, s);
    json_object_set_new(o, "ndpi", ndpi_json(&s->ndpi));
    json_object_set_new(o, "findings", findings_json(s));
    json_object_set_new(o, "findings_dropped", json_integer(s->findings_dropped));
    json_object_set_new(o, "truncated", s->truncated[0] || s->truncated[1]
                        ? json_pack("{s:{s:I, s:I}, s:i}", "missing_bytes",
                                    "client", (json_int_t)s->truncated[DIR_C2S],
                                    "server", (json_int_t)s->truncated[DIR_S2C],
                                    "findings_withheld", (int)s->findings_withheld)
                        : json_null());
    json_object_set_new(o, "stats", stats_json(s));
    json_object_set_new(o, "lifecycle", lifecycle_json(s));
    /* where to look in Wireshark: tcp.stream counts connections from 0 as upscope's flows do */
    json_object_set_new(o, "capture", json_pack("{s:o, s:I, s:o, s:b}", "source",
                        json_wire_str(s->source), "tcp_stream", (json_int_t)s->flow_id - 1,
                        "first_frame", s->first_frame ? json_integer((json_int_t)s->first_frame)
                                                      : json_null(),
                        "drops_during", s->capture_drops));
    return o;
}

char *report_json_string(const struct session *s)
{
    json_arena_begin(); /* the tree's nodes from a few blocks, freed at once (json_arena.h) */
    json_t *o = session_json(s);
    json_arena_end();
    char *text = json_text(o); /* json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII), faster */
    json_arena_drop();      /* the tree with it: no json_decref */
    return text;
}

bool report_json_write_run(FILE *out, const struct html_run *run)
{
    json_t *kernel = run->have_drops
        ? json_pack("{s:I, s:I, s:I}", "received", (json_int_t)run->received,
                    "dropped", (json_int_t)run->dropped,
                    "if_dropped", (json_int_t)run->if_dropped)
        : json_null();
    json_t *o = json_pack("{s:{s:o, s:b, s:I, s:o, s:o}}", "run",
                          "source", json_wire_str(run->source), "live", run->live,
                          "packets", (json_int_t)run->packets,
                          "kernel", kernel ? kernel : json_null(),
                          "ended", run->ended ? json_string(run->ended) : json_null());
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (!text)
        return false;
    bool ok = fputs(text, out) >= 0 && fputc('\n', out) != EOF && fflush(out) == 0;
    free(text);
    return ok;
}

bool report_json_write(FILE *out, const struct session *s)
{
    char *text = report_json_string(s);
    if (!text)
        return false;
    bool ok = fputs(text, out) >= 0 && fputc('\n', out) != EOF && fflush(out) == 0;
    free(text);
    return ok;
}
