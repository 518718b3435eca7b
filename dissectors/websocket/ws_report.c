/* ws_report: how the outputs show a session's WebSocket part — its NDJSON object, its lines
 * of the text summary and of the UI detail, and its checklist rows (RFC 6455, RFC 7692). */
#include <nghttp2/nghttp2.h>
#include <stdio.h>

#include "detail_out.h"
#include "report_json.h"
#include "report_text.h"
#include "websocket.h"
#include "ws_session.h"

/* ---- NDJSON ---- */

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
                     "reason", json_wire(w->close.reason, w->close.reason_len),
                     "initiator", dir_name(w->close.initiator),
                     "replied", w->close.replied);
}

/* What the messages carry: the protocol, how it was known, its handshake, messages by type. */
static json_t *inner_json(const struct ws_app_info *a)
{
    if (a->proto == WSAPP_NONE && a->agreed == WSAPP_NONE)
        return json_null();
    json_t *types[2] = { json_object(), json_object() };
    for (uint32_t i = 0; i < a->ntypes; i++)
        for (int d = 0; d < 2; d++)
            if (a->types[i].count[d])
                json_object_set_new(types[d], a->types[i].name,
                                    json_integer(a->types[i].count[d]));
    const char *hs = ws_app_handshake_name(a->handshake);
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:{s:o, s:o}, s:o, s:I}",
        "protocol", json_wire_str(ws_app_proto_name(a->proto)),
        "subprotocol_protocol", json_wire_str(ws_app_proto_name(a->agreed)),
        "detected_from", json_wire_str(ws_app_source_name(a->source)),
        "handshake", hs ? json_string(hs) : json_null(),
        "handshake_detail", a->handshake ? json_wire_str(a->handshake_detail) : json_null(),
        "types", "client", types[DIR_C2S], "server", types[DIR_S2C],
        "unparsed", json_per_dir(a->unparsed[DIR_C2S], a->unparsed[DIR_S2C]),
        "types_dropped", (json_int_t)a->types_dropped);
}

/* RFC 8441: the HTTP/2 stream that carried it, and how each half of it ended. */
static json_t *h2_stream_json(const struct ws_info *w)
{
    if (!w->h2.present)
        return json_null();
    json_t *reset = w->h2.reset
                  ? json_pack("{s:s, s:s}", "direction", dir_name(w->h2.reset_dir),
                              "error", nghttp2_http2_strerror(w->h2.reset_code))
                  : json_null();
    return json_pack("{s:I, s:{s:b, s:b}, s:o}", "id", (json_int_t)w->h2.stream, "end_stream",
                     "client", w->h2.end_stream[DIR_C2S], "server", w->h2.end_stream[DIR_S2C],
                     "rst_stream", reset);
}

json_t *ws_report_json(const struct session *s, const void *part)
{
    (void)s;
    const struct ws_info *w = part;
    json_t *o = json_object();
    json_object_set_new(o, "key", json_wire_str(w->key));
    json_object_set_new(o, "accept", json_wire_str(w->accept));
    json_object_set_new(o, "accept_expected", json_wire_str(w->accept_expected));
    json_object_set_new(o, "accept_valid", w->accept_checked && w->accept_expected
                                               ? json_boolean(w->accept_valid) : json_null());
    json_object_set_new(o, "version", json_wire_str(w->version));
    json_object_set_new(o, "subprotocols_offered", json_strlist(&w->subprotocols_offered));
    json_object_set_new(o, "subprotocol", json_wire_str(w->subprotocol));
    json_object_set_new(o, "extensions_offered", json_strlist(&w->extensions_offered));
    json_object_set_new(o, "extensions", json_strlist(&w->extensions));
    json_object_set_new(o, "deflate", deflate_json(w));
    json_object_set_new(o, "frames", json_pack("{s:o, s:o}",
                        "client", frames_json(w->frames[DIR_C2S]),
                        "server", frames_json(w->frames[DIR_S2C])));
    json_object_set_new(o, "messages", json_per_dir(w->messages[DIR_C2S], w->messages[DIR_S2C]));
    json_object_set_new(o, "payload_bytes",
                        json_per_dir(w->payload_bytes[DIR_C2S], w->payload_bytes[DIR_S2C]));
    json_object_set_new(o, "message_bytes",
                        json_per_dir(w->message_bytes[DIR_C2S], w->message_bytes[DIR_S2C]));
    json_object_set_new(o, "partial", json_pack("{s:o, s:o}", "messages",
                        json_per_dir(w->partial_messages[DIR_C2S], w->partial_messages[DIR_S2C]),
                        "bytes", json_per_dir(w->partial_bytes[DIR_C2S],
                                              w->partial_bytes[DIR_S2C])));
    json_object_set_new(o, "close", close_json(w));
    json_object_set_new(o, "h2_stream", h2_stream_json(w));
    json_object_set_new(o, "inner", inner_json(&w->app));
    return o;
}

/* ---- the text summary ---- */

static const char *kind_name(int k)
{
    return ws_frame_kind_name((enum ws_frame_kind)k);
}

static void text_accept(const struct text_out *o, const struct ws_info *w)
{
    text_label(o, "accept");
    if (w->accept_valid) {
        fprintf(o->out, "%svalid%s\n", text_sgr(o, TEXT_SGR_GREEN), text_sgr(o, TEXT_SGR_RESET));
    } else if (!w->accept) {
        fprintf(o->out, "%smissing%s\n", text_sgr(o, TEXT_SGR_RED), text_sgr(o, TEXT_SGR_RESET));
    } else {
        fprintf(o->out, "%sINVALID%s: got ", text_sgr(o, TEXT_SGR_RED),
                text_sgr(o, TEXT_SGR_RESET));
        text_str(o, w->accept, 60);
        fputs(", expected ", o->out);
        text_str(o, w->accept_expected, 60);
        fputc('\n', o->out);
    }
}

static void text_close(const struct text_out *o, const struct ws_info *w)
{
    text_label(o, "close");
    if (w->close.code >= 0)
        fprintf(o->out, "%d", w->close.code);
    else
        fputs("(no code)", o->out);
    if (w->close.reason && w->close.reason[0]) {
        fputs(" \"", o->out);
        text_str(o, w->close.reason, 80);
        fputc('"', o->out);
    }
    fprintf(o->out, ", from the %s%s\n", dir_name(w->close.initiator),
            w->close.replied ? ", answered" : ", not answered");
}

static void text_inner_types(const struct text_out *o, const struct ws_app_info *a, enum dir d)
{
    int shown = 0;
    fprintf(o->out, "%s: ", dir_name(d));
    for (uint32_t i = 0; i < a->ntypes; i++) {
        if (!a->types[i].count[d])
            continue;
        fprintf(o->out, "%s%u ", shown++ ? ", " : "", a->types[i].count[d]);
        text_str(o, a->types[i].name, WS_APP_TYPE_LEN);
    }
    if (!shown)
        fputs("none", o->out);
}

/* "inner       mqtt (subprotocol): CONNECT -> CONNACK 0 (accepted); client: 1 CONNECT, ..." */
static void text_inner(const struct text_out *o, const struct ws_app_info *a)
{
    if (a->proto == WSAPP_NONE && a->agreed == WSAPP_NONE)
        return;
    text_label(o, "inner");
    fprintf(o->out, "%s", a->proto ? ws_app_proto_name(a->proto) : "not recognised");
    static const char *const from[] = { "", " (from the subprotocol)",
                                        " (from the request target)", " (from the messages)" };
    fputs(from[a->source], o->out);
    if (a->handshake) {
        fputs("; ", o->out);
        text_str(o, a->handshake_detail, 64);
    }
    fputs("\n", o->out);
    if (!a->ntypes)
        return;
    text_label(o, "");
    text_inner_types(o, a, DIR_C2S);
    fputs("; ", o->out);
    text_inner_types(o, a, DIR_S2C);
    fputc('\n', o->out);
}

/* RFC 8441 §5: END_STREAM is the orderly TCP close, RST_STREAM the TCP RST. */
static void text_h2_stream(const struct text_out *o, const struct session *s,
                           const struct ws_info *w)
{
    text_label(o, "stream");
    fprintf(o->out, "HTTP/2 stream %u", w->h2.stream);
    if (s->ncarriers && s->carried_by[s->ncarriers - 1].session)
        fprintf(o->out, " of session #%llu",
                (unsigned long long)s->carried_by[s->ncarriers - 1].session);
    const bool *e = w->h2.end_stream;
    fprintf(o->out, ": END_STREAM %s", e[0] && e[1] ? "both ways" : e[0] ? "from the client only"
                                       : e[1] ? "from the server only" : "from neither side");
    if (w->h2.reset)
        fprintf(o->out, "; RST_STREAM(%s) from the %s", nghttp2_http2_strerror(w->h2.reset_code),
                dir_name(w->h2.reset_dir));
    fputc('\n', o->out);
}

void ws_report_text(const struct text_out *o, const struct session *s, const void *part,
                    bool spoke)
{
    const struct ws_info *w = part;
    if (w->accept_checked)
        text_accept(o, w);
    if (w->subprotocol || w->subprotocols_offered.n) {
        text_label(o, "subprotocol");
        text_str(o, w->subprotocol, 60);
        fputs("  (offered: ", o->out);
        text_list(o, &w->subprotocols_offered);
        fputs(")\n", o->out);
    }
    if (w->extensions.n || w->extensions_offered.n) {
        text_label(o, "extensions");
        text_list(o, &w->extensions);
        fputs("  (offered: ", o->out);
        text_list(o, &w->extensions_offered);
        fputs(")\n", o->out);
    }
    if (!spoke)
        return;
    text_label(o, "frames");
    fputs("client: ", o->out);
    text_counts(o, w->frames[DIR_C2S], WSF_KIND_COUNT, kind_name);
    fputs("; server: ", o->out);
    text_counts(o, w->frames[DIR_S2C], WSF_KIND_COUNT, kind_name);
    fputc('\n', o->out);
    text_label(o, "messages");
    fprintf(o->out, "client %llu, server %llu\n", (unsigned long long)w->messages[DIR_C2S],
            (unsigned long long)w->messages[DIR_S2C]);
    if (w->close.seen)
        text_close(o, w);
    if (w->h2.present)
        text_h2_stream(o, s, w);
    text_inner(o, &w->app);
}

/* ---- the UI ---- */

void ws_report_detail(struct detail_out *o, const struct session *s, const void *part)
{
    (void)s;
    const struct ws_info *w = part;
    char a[200];
    detail_wire(o, a, sizeof a, w->subprotocol);
    detail_line(o, "  subprotocol: %s", a);
    detail_list(o, "subprotocols offered", &w->subprotocols_offered);
    detail_list(o, "extensions accepted", &w->extensions);
    detail_list(o, "extensions offered", &w->extensions_offered);
    if (w->app.proto || w->app.agreed)
        detail_line(o, "  inner protocol: %s%s%s%s", w->app.proto ? ws_app_proto_name(w->app.proto)
                    : "not recognised", w->app.source ? ", known from the " : "",
                    w->app.source ? ws_app_source_name(w->app.source) : "",
                    w->app.handshake ? "" : "");
    if (w->app.handshake)
        detail_line(o, "  inner handshake: %s", w->app.handshake_detail);
    if (w->deflate) {
        const struct ws_deflate_params *p = &w->deflate_params;
        detail_line(o, "  permessage-deflate: server window %u bits%s, client window %u bits%s",
                    p->server_max_window_bits,
                    p->server_no_context_takeover ? " no context takeover" : "",
                    p->client_max_window_bits,
                    p->client_no_context_takeover ? " no context takeover" : "");
    }
}

/* Under the Accept row: what was received and what the key gives. */
static void accept_note(struct detail_out *o, const struct session *s)
{
    const struct ws_info *w = ws_info_get(s);
    if (!w || !w->accept_checked)
        return;
    char got[80], want[80];
    detail_wire(o, got, sizeof got, w->accept);
    detail_wire(o, want, sizeof want, w->accept_expected);
    detail_line(o, "      received %s", got);
    detail_line(o, "      computed %s", want);
}

const struct check_row ws_checks[] = {
    { F_WS_METHOD_NOT_GET, NEED_REQUEST_H1, "method is GET", NULL },
    { F_WS_HTTP_VERSION_TOO_OLD, NEED_REQUEST_H1, "HTTP/1.1 or later", NULL },
    { F_WS_HOST_MISSING, NEED_REQUEST_H1, "Host present", NULL },
    { F_WS_KEY_MISSING, NEED_REQUEST_H1, "Sec-WebSocket-Key present", NULL },
    { F_WS_KEY_DUPLICATE, NEED_REQUEST_H1, "Sec-WebSocket-Key only once", NULL },
    { F_WS_KEY_INVALID, NEED_REQUEST_H1, "key is base64 of 16 bytes", NULL },
    { F_WS_VERSION_MISSING, NEED_REQUEST, "Sec-WebSocket-Version present", NULL },
    { F_WS_VERSION_UNSUPPORTED, NEED_REQUEST, "version is 13", NULL },
    { F_WS_ORIGIN_CROSS_SITE, NEED_REQUEST, "Origin is the same site", NULL },
    { F_WS_DEFLATE_PARAMS_INVALID, NEED_REQUEST, "permessage-deflate parameters valid", NULL },
    { F_WS_426_VERSION_MISSING, NEED_REFUSAL, "a refusal lists the versions spoken", NULL },
    { F_WS_RESPONSE_UPGRADE_INVALID, NEED_101, "101 has Upgrade: websocket", NULL },
    { F_WS_RESPONSE_CONNECTION_INVALID, NEED_101, "101 has Connection: Upgrade", NULL },
    { F_WS_ACCEPT_MISSING, NEED_101, "Sec-WebSocket-Accept present", NULL },
    { F_WS_ACCEPT_MISMATCH, NEED_101, "Sec-WebSocket-Accept matches the key", accept_note },
    { F_WS_SUBPROTOCOL_NOT_OFFERED, NEED_ACCEPTED, "subprotocol chosen was offered", NULL },
    { F_WS_EXTENSION_NOT_OFFERED, NEED_ACCEPTED, "extensions accepted were offered", NULL },
    { F_WS_H2_CONNECT_WITHOUT_SETTING, NEED_REQUEST_H2, "the server enabled extended CONNECT",
      NULL },
    { F_WS_H2_PSEUDO_HEADER_MISSING, NEED_REQUEST_H2, ":scheme, :path, :authority present",
      NULL },
    { F_WS_H2_FORBIDDEN_HEADER, NEED_REQUEST_H2, "no Connection or Upgrade", NULL },
    { F_WS_H2_KEY_HEADER, NEED_REQUEST_H2, "no Sec-WebSocket-Key or -Accept", NULL },
    { F_WS_H2_BAD_STATUS, NEED_RESPONSE_H2, "accepted with 200", NULL },
    { F_WS_H2_DATA_BEFORE_RESPONSE, NEED_REQUEST_H2, "no data before the response", NULL },
    { F_WS_H2_DATA_AFTER_END_STREAM, NEED_REQUEST_H2, "no data after END_STREAM", NULL },
    { F_WS_CLIENT_FRAME_UNMASKED, NEED_SPOKEN, "client frames masked", NULL },
    { F_WS_SERVER_FRAME_MASKED, NEED_SPOKEN, "server frames unmasked", NULL },
    { F_WS_RSV_BITS_SET, NEED_SPOKEN, "RSV bits only as negotiated", NULL },
    { F_WS_OPCODE_RESERVED, NEED_SPOKEN, "no reserved opcodes", NULL },
    { F_WS_CONTROL_FRAME_TOO_LONG, NEED_SPOKEN, "control frames 125 bytes at most", NULL },
    { F_WS_CONTROL_FRAME_FRAGMENTED, NEED_SPOKEN, "control frames not fragmented", NULL },
    { F_WS_CONTINUATION_UNEXPECTED, NEED_SPOKEN, "continuations follow a started message",
      NULL },
    { F_WS_FRAGMENT_INTERLEAVED, NEED_SPOKEN, "fragmented messages not interleaved", NULL },
    { F_WS_LENGTH_NOT_MINIMAL, NEED_SPOKEN, "lengths minimally encoded", NULL },
    { F_WS_TEXT_INVALID_UTF8, NEED_SPOKEN, "text messages are UTF-8", NULL },
    { F_WS_CLOSE_CODE_INVALID, NEED_SPOKEN, "close codes allowed", NULL },
    { F_WS_CLOSE_PAYLOAD_INVALID, NEED_SPOKEN, "close payloads valid", NULL },
    { F_WS_DATA_AFTER_CLOSE, NEED_SPOKEN, "no frames after close", NULL },
    { F_WS_DEFLATE_ERROR, NEED_SPOKEN, "compressed messages inflate", NULL },
    { F_WS_SUBPROTOCOL_NOT_SPOKEN, NEED_SPOKEN, "the agreed subprotocol is spoken", NULL },
    { 0, 0, NULL, NULL },
};

uint64_t ws_report_volume(const void *part)
{
    const struct ws_info *w = part;
    uint64_t v = 0;
    for (int d = 0; d < 2; d++)
        for (int k = 0; k < WSF_KIND_COUNT; k++)
            v += w->frames[d][k];
    return v;
}
