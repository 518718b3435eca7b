/* h2_report: how the outputs show a session's HTTP/2 part — its NDJSON object ("h2c"), its
 * lines of the text summary and of the UI detail, and its checklist rows (RFC 7540 §3.2,
 * RFC 9113, RFC 7541). */
#include <stdio.h>

#include "detail_out.h"
#include "h2_session.h"
#include "h2_settings.h"
#include "http2.h"
#include "report_json.h"
#include "report_text.h"

/* ---- NDJSON ---- */

static json_t *settings_json(const struct h2_setting *set, uint32_t n)
{
    json_t *o = json_object();
    char buf[16];
    for (uint32_t i = 0; i < n; i++)
        json_object_set_new(o, h2_setting_name(set[i].id, buf),
                            json_integer((json_int_t)set[i].value));
    return o;
}

static json_t *frames_json(const uint64_t counts[H2F_KIND_COUNT])
{
    json_t *o = json_object();
    for (int k = 0; k < H2F_KIND_COUNT; k++)
        if (counts[k])
            json_object_set_new(o, h2_frame_kind_name((enum h2_frame_kind)k),
                                json_integer((json_int_t)counts[k]));
    return o;
}

json_t *h2_report_json(const struct session *s, const void *part)
{
    (void)s;
    const struct h2_info *h = part;
    json_t *requests = json_array();
    for (uint32_t i = 0; i < h->nrequests; i++) {
        const struct h2_request *r = &h->requests[i];
        json_array_append_new(requests, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}",
            "stream", (json_int_t)r->stream, "method", json_wire_str(r->method),
            "path", json_wire_str(r->path), "authority", json_wire_str(r->authority),
            "status", r->status ? json_integer(r->status) : json_null(),
            "protocol", json_wire_str(r->protocol)));
    }
    json_t *websockets = json_array();
    for (uint32_t i = 0; i < h->nwebsockets; i++)
        json_array_append_new(websockets, json_pack("{s:I, s:I}", "stream",
                              (json_int_t)h->websockets[i].stream, "session",
                              (json_int_t)h->websockets[i].session));
    json_t *o = json_object();
    json_object_set_new(o, "settings_header", json_boolean(h->settings_header));
    json_object_set_new(o, "settings", h->settings_header ? settings_json(h->settings,
                                                                          h->nsettings)
                                                          : json_null());
    json_object_set_new(o, "client_preface", json_boolean(h->client_preface));
    json_object_set_new(o, "server_settings", h->server_settings_seen
                        ? settings_json(h->server_settings, h->nserver_settings) : json_null());
    json_object_set_new(o, "frames", json_pack("{s:o, s:o}",
                        "client", frames_json(h->frames[DIR_C2S]),
                        "server", frames_json(h->frames[DIR_S2C])));
    json_object_set_new(o, "streams", json_integer(h->streams));
    json_object_set_new(o, "requests", requests);
    json_object_set_new(o, "requests_dropped", json_integer(h->requests_dropped));
    json_object_set_new(o, "websockets", websockets);
    json_object_set_new(o, "websockets_dropped", json_integer(h->websockets_dropped));
    json_object_set_new(o, "midstream", !h->midstream ? json_null() : json_pack(
        "{s:{s:I, s:I}, s:{s:I, s:I}}",
        "resync_bytes", "client", (json_int_t)h->resync_bytes[DIR_C2S],
                        "server", (json_int_t)h->resync_bytes[DIR_S2C],
        "undecoded_header_blocks", "client", (json_int_t)h->undecoded_blocks[DIR_C2S],
                                   "server", (json_int_t)h->undecoded_blocks[DIR_S2C]));
    return o;
}

/* ---- the text summary ---- */

static void text_settings(const struct text_out *o, const struct h2_setting *set, uint32_t n)
{
    char buf[16];
    if (n == 0)
        fputs("(none)", o->out);
    for (uint32_t i = 0; i < n; i++)
        fprintf(o->out, "%s%s=%u", i ? ", " : "", h2_setting_name(set[i].id, buf),
                set[i].value);
}

static const char *kind_name(int k)
{
    return h2_frame_kind_name((enum h2_frame_kind)k);
}

static void text_requests(const struct text_out *o, const struct h2_info *h)
{
    for (uint32_t i = 0; i < h->nrequests; i++) {
        const struct h2_request *r = &h->requests[i];
        text_label(o, i ? "" : "requests");
        fprintf(o->out, "stream %u ", r->stream);
        text_str(o, r->method, 16);
        fputc(' ', o->out);
        text_str(o, r->path, 100);
        if (r->protocol) {
            fputs(" :protocol ", o->out);
            text_str(o, r->protocol, 40);
        }
        if (r->status)
            fprintf(o->out, " -> %d", r->status);
        for (uint32_t k = 0; k < h->nwebsockets; k++)
            if (h->websockets[k].stream == r->stream)
                fprintf(o->out, ", WebSocket session #%llu",
                        (unsigned long long)h->websockets[k].session);
        fputc('\n', o->out);
    }
    if (h->requests_dropped)
        fprintf(o->out, "                ... %u more stream(s)\n", h->requests_dropped);
}

void h2_report_text(const struct text_out *o, const struct session *s, const void *part,
                    bool spoke)
{
    (void)s;
    const struct h2_info *h = part;
    if (h->settings_header) {
        text_label(o, "settings");
        text_settings(o, h->settings, h->nsettings);
        fputc('\n', o->out);
    }
    if (!spoke)
        return;
    text_label(o, "preface");
    if (h->midstream)
        fprintf(o->out, "not in the capture (picked up mid-connection: %llu+%llu bytes skipped "
                "to a frame boundary, %llu+%llu header blocks not decodable); server SETTINGS ",
                (unsigned long long)h->resync_bytes[DIR_C2S],
                (unsigned long long)h->resync_bytes[DIR_S2C],
                (unsigned long long)h->undecoded_blocks[DIR_C2S],
                (unsigned long long)h->undecoded_blocks[DIR_S2C]);
    else
        fprintf(o->out, "client %s; server SETTINGS ", h->client_preface ? "sent" : "MISSING");
    if (h->server_settings_seen)
        text_settings(o, h->server_settings, h->nserver_settings);
    else
        fputs("not seen", o->out);
    fputc('\n', o->out);
    text_label(o, "frames");
    fputs("client: ", o->out);
    text_counts(o, h->frames[DIR_C2S], H2F_KIND_COUNT, kind_name);
    fputs("; server: ", o->out);
    text_counts(o, h->frames[DIR_S2C], H2F_KIND_COUNT, kind_name);
    fputc('\n', o->out);
    text_requests(o, h);
}

/* ---- the UI ---- */

static void detail_settings(struct detail_out *o, const char *title,
                            const struct h2_setting *set, uint32_t n)
{
    char buf[16];
    detail_line(o, "  %s:%s", title, n ? "" : " (none)");
    for (uint32_t i = 0; i < n; i++)
        detail_line(o, "    %s = %u", h2_setting_name(set[i].id, buf), set[i].value);
}

void h2_report_detail(struct detail_out *o, const struct session *s, const void *part)
{
    (void)s;
    const struct h2_info *h = part;
    if (h->settings_header)
        detail_settings(o, "HTTP2-Settings (decoded)", h->settings, h->nsettings);
    if (h->server_settings_seen)
        detail_settings(o, "server SETTINGS", h->server_settings, h->nserver_settings);
}

const struct check_row h2_checks[] = {
    { F_H2C_SETTINGS_MISSING, NEED_REQUEST, "HTTP2-Settings present", NULL },
    { F_H2C_SETTINGS_DUPLICATE, NEED_REQUEST, "HTTP2-Settings only once", NULL },
    { F_H2C_CONNECTION_OPTION_MISSING, NEED_REQUEST, "Connection lists HTTP2-Settings", NULL },
    { F_H2C_SETTINGS_BAD_BASE64, NEED_REQUEST, "HTTP2-Settings is base64url", NULL },
    { F_H2C_SETTINGS_FULL_FRAME, NEED_REQUEST, "HTTP2-Settings is a payload, not a frame",
      NULL },
    { F_H2C_SETTINGS_BAD_LENGTH, NEED_REQUEST, "settings are 6 bytes each", NULL },
    { F_H2C_SETTINGS_VALUE_INVALID, NEED_REQUEST, "setting values allowed", NULL },
    { F_H2C_UPGRADE_TOKEN_H2, NEED_REQUEST, "no \"h2\" token in cleartext", NULL },
    { F_H2C_SERVER_ACCEPTED_BAD_SETTINGS, NEED_101, "server switched only on valid settings",
      NULL },
    { F_H2C_CLIENT_PREFACE_MISSING, NEED_SPOKEN, "client preface sent", NULL },
    { F_H2C_SERVER_FIRST_FRAME_NOT_SETTINGS, NEED_SPOKEN, "server's first frame is SETTINGS",
      NULL },
    { F_H2_FRAME_INVALID, NEED_SPOKEN, "frames follow the rules", NULL },
    { F_H2_HPACK_ERROR, NEED_SPOKEN, "header blocks decode", NULL },
    { F_H2_CONNECTION_HEADER, NEED_SPOKEN, "no connection-specific headers", NULL },
    { F_H2_HEADER_INVALID, NEED_SPOKEN, "header lists well formed", NULL },
    { F_H2C_SMUGGLING_SUSPECTED, NEED_SPOKEN, "streams stay on the upgrade's path", NULL },
    { 0, 0, NULL, NULL },
};

uint64_t h2_report_volume(const void *part)
{
    const struct h2_info *h = part;
    uint64_t v = 0;
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < H2F_KIND_COUNT; k++)
            v += h->frames[d][k];
    return v;
}
