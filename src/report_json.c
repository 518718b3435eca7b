/* report_json: one session → one NDJSON line with jansson (see report_json.h). */
#include "report_json.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "escape.h"
#include "h2_settings.h"
#include "report_text.h"

/* A string from the wire, made valid UTF-8. Its length is passed on, so a NUL byte stays in the
 * string (jansson writes it as \u0000) instead of ending it. */
static json_t *wire_string(const char *p, size_t n)
{
    if (!p)
        return json_null();
    size_t cap = n * 8 + 1; /* the longest escape is 8 bytes for one input byte */
    char *e = malloc(cap);
    json_t *j = e ? json_stringn(e, escape_buf(e, cap, p, n, ESCAPE_JSON)) : NULL;
    free(e);
    return j ? j : json_null();
}

static json_t *wire_cstr(const char *s)
{
    return s ? wire_string(s, strlen(s)) : json_null();
}

static json_t *time_string(ts_us_t ts)
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

static json_t *per_dir(uint64_t client, uint64_t server)
{
    return json_pack("{s:I, s:I}", "client", (json_int_t)client, "server", (json_int_t)server);
}

static json_t *string_list(const struct strlist *l)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < l->n; i++)
        json_array_append_new(a, wire_cstr(l->v[i]));
    return a;
}

static json_t *head_json(const struct http_head *h)
{
    if (!h)
        return json_null();
    json_t *headers = json_array();
    for (uint32_t i = 0; i < h->nfields; i++) {
        const struct http_field *f = &h->fields[i];
        json_array_append_new(headers, json_pack("[o,o]", wire_string(f->name, f->name_len),
                                                 wire_string(f->value, f->value_len)));
    }
    json_t *o = json_object();
    json_object_set_new(o, "method", h->is_request ? wire_cstr(h->method) : json_null());
    json_object_set_new(o, "target", h->is_request ? wire_cstr(h->target) : json_null());
    json_object_set_new(o, "version", wire_cstr(h->version));
    json_object_set_new(o, "status", h->is_request || !h->status ? json_null()
                                                                 : json_integer(h->status));
    json_object_set_new(o, "reason", h->is_request ? json_null() : wire_cstr(h->reason));
    json_object_set_new(o, "headers", headers);
    json_object_set_new(o, "time", time_string(h->ts));
    return o;
}

static json_t *frames_json(const uint64_t counts[WSF_KIND_COUNT])
{
    json_t *o = json_object();
    for (int k = 0; k < WSF_KIND_COUNT; k++)
        json_object_set_new(o, ws_frame_kind_name((enum ws_frame_kind)k),
                            json_integer((json_int_t)counts[k]));
    return o;
}

static json_t *deflate_json(const struct ws_info *w)
{
    if (!w->deflate)
        return json_null();
    const struct ws_deflate_params *p = &w->deflate_params;
    return json_pack("{s:b, s:b, s:i, s:i}",
                     "server_no_context_takeover", p->server_no_context_takeover,
                     "client_no_context_takeover", p->client_no_context_takeover,
                     "server_max_window_bits", p->server_max_window_bits,
                     "client_max_window_bits", p->client_max_window_bits);
}

static json_t *close_json(const struct ws_info *w)
{
    if (!w->close.seen)
        return json_null();
    return json_pack("{s:o, s:o, s:s, s:b}",
                     "code", w->close.code < 0 ? json_null() : json_integer(w->close.code),
                     "reason", wire_string(w->close.reason, w->close.reason_len),
                     "initiator", dir_name(w->close.initiator),
                     "replied", w->close.replied);
}

static json_t *websocket_json(const struct ws_info *w)
{
    if (!w)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "key", wire_cstr(w->key));
    json_object_set_new(o, "accept", wire_cstr(w->accept));
    json_object_set_new(o, "accept_expected", wire_cstr(w->accept_expected));
    json_object_set_new(o, "accept_valid", w->accept_checked && w->accept_expected
                                               ? json_boolean(w->accept_valid) : json_null());
    json_object_set_new(o, "version", wire_cstr(w->version));
    json_object_set_new(o, "subprotocols_offered", string_list(&w->subprotocols_offered));
    json_object_set_new(o, "subprotocol", wire_cstr(w->subprotocol));
    json_object_set_new(o, "extensions_offered", string_list(&w->extensions_offered));
    json_object_set_new(o, "extensions", string_list(&w->extensions));
    json_object_set_new(o, "deflate", deflate_json(w));
    json_object_set_new(o, "frames", json_pack("{s:o, s:o}",
                        "client", frames_json(w->frames[DIR_C2S]),
                        "server", frames_json(w->frames[DIR_S2C])));
    json_object_set_new(o, "messages", per_dir(w->messages[DIR_C2S], w->messages[DIR_S2C]));
    json_object_set_new(o, "payload_bytes",
                        per_dir(w->payload_bytes[DIR_C2S], w->payload_bytes[DIR_S2C]));
    json_object_set_new(o, "message_bytes",
                        per_dir(w->message_bytes[DIR_C2S], w->message_bytes[DIR_S2C]));
    json_object_set_new(o, "close", close_json(w));
    return o;
}

static json_t *settings_json(const struct h2_setting *set, uint32_t n)
{
    json_t *o = json_object();
    char buf[16];
    for (uint32_t i = 0; i < n; i++)
        json_object_set_new(o, h2_setting_name(set[i].id, buf),
                            json_integer((json_int_t)set[i].value));
    return o;
}

static json_t *h2_frames_json(const uint64_t counts[H2F_KIND_COUNT])
{
    json_t *o = json_object();
    for (int k = 0; k < H2F_KIND_COUNT; k++)
        if (counts[k])
            json_object_set_new(o, h2_frame_kind_name((enum h2_frame_kind)k),
                                json_integer((json_int_t)counts[k]));
    return o;
}

static json_t *h2_json(const struct h2_info *h)
{
    if (!h)
        return json_null();
    json_t *requests = json_array();
    for (uint32_t i = 0; i < h->nrequests; i++) {
        const struct h2_request *r = &h->requests[i];
        json_array_append_new(requests, json_pack("{s:I, s:o, s:o, s:o, s:o}",
            "stream", (json_int_t)r->stream, "method", wire_cstr(r->method),
            "path", wire_cstr(r->path), "authority", wire_cstr(r->authority),
            "status", r->status ? json_integer(r->status) : json_null()));
    }
    json_t *o = json_object();
    json_object_set_new(o, "settings_header", json_boolean(h->settings_header));
    json_object_set_new(o, "settings", h->settings_header ? settings_json(h->settings,
                                                                          h->nsettings)
                                                          : json_null());
    json_object_set_new(o, "client_preface", json_boolean(h->client_preface));
    json_object_set_new(o, "server_settings", h->server_settings_seen
                        ? settings_json(h->server_settings, h->nserver_settings) : json_null());
    json_object_set_new(o, "frames", json_pack("{s:o, s:o}",
                        "client", h2_frames_json(h->frames[DIR_C2S]),
                        "server", h2_frames_json(h->frames[DIR_S2C])));
    json_object_set_new(o, "streams", json_integer(h->streams));
    json_object_set_new(o, "requests", requests);
    json_object_set_new(o, "requests_dropped", json_integer(h->requests_dropped));
    return o;
}

static json_t *tls_json(const struct tls_info *t)
{
    if (!t)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "source", json_string(t->source));
    json_object_set_new(o, "client_hello", json_boolean(t->client_hello));
    json_object_set_new(o, "sni", wire_cstr(t->sni));
    json_object_set_new(o, "alpn", string_list(&t->alpn));
    json_object_set_new(o, "versions", string_list(&t->versions));
    json_object_set_new(o, "server_hello", json_boolean(t->server_hello));
    json_object_set_new(o, "server_version", wire_cstr(t->server_version));
    json_object_set_new(o, "server_alpn", wire_cstr(t->server_alpn));
    json_object_set_new(o, "records", per_dir(t->records[DIR_C2S], t->records[DIR_S2C]));
    json_object_set_new(o, "bytes", per_dir(t->bytes[DIR_C2S], t->bytes[DIR_S2C]));
    return o;
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
    json_object_set_new(o, "protocol", wire_cstr(n->protocol));
    json_object_set_new(o, "category", wire_cstr(n->category));
    json_object_set_new(o, "risks", risks);
    json_object_set_new(o, "host", n->host[0] ? wire_cstr(n->host) : json_null());
    json_object_set_new(o, "alpn", n->alpn[0] ? wire_cstr(n->alpn) : json_null());
    return o;
}

static json_t *findings_json(const struct session *s)
{
    json_t *a = json_array();
    for (uint32_t i = 0; i < s->nfindings; i++) {
        const struct session_finding *f = &s->findings[i];
        const struct finding_info *fi = finding_info(f->id);
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o, s:s, s:i, s:o}",
            "id", fi->id, "severity", severity_name(fi->severity),
            "direction", dir_name(f->dir), "message", wire_cstr(f->message),
            "rfc", fi->rfc, "count", (json_int_t)f->count, "time", time_string(f->ts)));
    }
    return a;
}

static json_t *stats_json(const struct session *s)
{
    const struct session_stats *st = &s->stats;
    return json_pack("{s:o, s:o, s:o, s:o}",
        "packets", per_dir(st->packets[DIR_C2S], st->packets[DIR_S2C]),
        "bytes", per_dir(st->bytes[DIR_C2S], st->bytes[DIR_S2C]),
        "stream_bytes", per_dir(st->stream_bytes[DIR_C2S], st->stream_bytes[DIR_S2C]),
        "gaps", per_dir(st->gaps[DIR_C2S], st->gaps[DIR_S2C]));
}

static json_t *session_json(const struct session *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer((json_int_t)s->id));
    json_object_set_new(o, "flow_id", json_integer((json_int_t)s->flow_id));
    json_object_set_new(o, "client", endpoint(s->family, &s->client_ip, s->client_port));
    json_object_set_new(o, "server", endpoint(s->family, &s->server_ip, s->server_port));
    json_object_set_new(o, "start", time_string(s->start));
    json_object_set_new(o, "end", time_string(s->end));
    json_object_set_new(o, "transition", json_string(transition_name(s->transition)));
    json_object_set_new(o, "outcome", json_string(outcome_name(s->outcome)));
    json_object_set_new(o, "incomplete", json_boolean(s->incomplete));
    json_object_set_new(o, "request", head_json(s->request));
    json_object_set_new(o, "response", head_json(s->response));
    json_object_set_new(o, "websocket", websocket_json(s->ws));
    json_object_set_new(o, "h2c", h2_json(s->h2));
    json_object_set_new(o, "tls", tls_json(s->tls));
    json_object_set_new(o, "ndpi", ndpi_json(&s->ndpi));
    json_object_set_new(o, "findings", findings_json(s));
    json_object_set_new(o, "findings_dropped", json_integer(s->findings_dropped));
    json_object_set_new(o, "stats", stats_json(s));
    return o;
}

char *report_json_string(const struct session *s)
{
    json_t *o = session_json(s);
    char *text = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(o);
    return text;
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
