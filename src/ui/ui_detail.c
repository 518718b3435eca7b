/* ui_detail: one session in full — the validation checklist (each check passed, failed or not
 * applicable, with its RFC section), what was negotiated, nDPI's verdict, the request and
 * response heads, the findings and the counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2_settings.h"
#include "report_text.h"
#include "ui_doc.h"
#include "ui_internal.h"
#include "ui_text.h"

/* When a check can be judged at all. */
enum need { NEED_REQUEST, NEED_REFUSAL, NEED_101, NEED_SPOKEN };

struct check {
    enum transition t;           /* TRANSITION_NONE: any */
    enum finding_id id;          /* the check fails when the session has this finding */
    enum need need;
    const char *label;
};

static const struct check checks[] = {
    { TRANSITION_NONE, F_HTTP_MALFORMED, NEED_REQUEST, "HTTP/1.1 messages well formed" },
    { TRANSITION_NONE, F_UPGRADE_CONNECTION_TOKEN_MISSING, NEED_REQUEST,
      "Connection lists the upgrade option" },
    { TRANSITION_NONE, F_UPGRADE_IN_HTTP10, NEED_REQUEST, "request is HTTP/1.1 or later" },
    { TRANSITION_NONE, F_UPGRADE_101_NOT_REQUESTED, NEED_101, "101 answers an upgrade request" },
    { TRANSITION_NONE, F_UPGRADE_101_PROTOCOL_NOT_OFFERED, NEED_101,
      "101 switches to a protocol the client offered" },
    { TRANSITION_NONE, F_UPGRADE_101_UPGRADE_HEADER_MISSING, NEED_101, "101 carries Upgrade" },
    { TRANSITION_NONE, F_CLIENT_DATA_BEFORE_SWITCH, NEED_101, "client waited for the 101" },
    { TRANSITION_WEBSOCKET, F_WS_METHOD_NOT_GET, NEED_REQUEST, "method is GET" },
    { TRANSITION_WEBSOCKET, F_WS_HTTP_VERSION_TOO_OLD, NEED_REQUEST, "HTTP/1.1 or later" },
    { TRANSITION_WEBSOCKET, F_WS_HOST_MISSING, NEED_REQUEST, "Host present" },
    { TRANSITION_WEBSOCKET, F_WS_KEY_MISSING, NEED_REQUEST, "Sec-WebSocket-Key present" },
    { TRANSITION_WEBSOCKET, F_WS_KEY_DUPLICATE, NEED_REQUEST, "Sec-WebSocket-Key only once" },
    { TRANSITION_WEBSOCKET, F_WS_KEY_INVALID, NEED_REQUEST, "key is base64 of 16 bytes" },
    { TRANSITION_WEBSOCKET, F_WS_VERSION_MISSING, NEED_REQUEST,
      "Sec-WebSocket-Version present" },
    { TRANSITION_WEBSOCKET, F_WS_VERSION_UNSUPPORTED, NEED_REQUEST, "version is 13" },
    { TRANSITION_WEBSOCKET, F_WS_ORIGIN_CROSS_SITE, NEED_REQUEST, "Origin is the same site" },
    { TRANSITION_WEBSOCKET, F_WS_DEFLATE_PARAMS_INVALID, NEED_REQUEST,
      "permessage-deflate parameters valid" },
    { TRANSITION_WEBSOCKET, F_WS_426_VERSION_MISSING, NEED_REFUSAL,
      "a refusal lists the versions spoken" },
    { TRANSITION_WEBSOCKET, F_WS_RESPONSE_UPGRADE_INVALID, NEED_101, "101 has Upgrade: websocket" },
    { TRANSITION_WEBSOCKET, F_WS_RESPONSE_CONNECTION_INVALID, NEED_101,
      "101 has Connection: Upgrade" },
    { TRANSITION_WEBSOCKET, F_WS_ACCEPT_MISSING, NEED_101, "Sec-WebSocket-Accept present" },
    { TRANSITION_WEBSOCKET, F_WS_ACCEPT_MISMATCH, NEED_101,
      "Sec-WebSocket-Accept matches the key" },
    { TRANSITION_WEBSOCKET, F_WS_SUBPROTOCOL_NOT_OFFERED, NEED_101,
      "subprotocol chosen was offered" },
    { TRANSITION_WEBSOCKET, F_WS_EXTENSION_NOT_OFFERED, NEED_101,
      "extensions accepted were offered" },
    { TRANSITION_WEBSOCKET, F_WS_CLIENT_FRAME_UNMASKED, NEED_SPOKEN, "client frames masked" },
    { TRANSITION_WEBSOCKET, F_WS_SERVER_FRAME_MASKED, NEED_SPOKEN, "server frames unmasked" },
    { TRANSITION_WEBSOCKET, F_WS_RSV_BITS_SET, NEED_SPOKEN, "RSV bits only as negotiated" },
    { TRANSITION_WEBSOCKET, F_WS_OPCODE_RESERVED, NEED_SPOKEN, "no reserved opcodes" },
    { TRANSITION_WEBSOCKET, F_WS_CONTROL_FRAME_TOO_LONG, NEED_SPOKEN,
      "control frames 125 bytes at most" },
    { TRANSITION_WEBSOCKET, F_WS_CONTROL_FRAME_FRAGMENTED, NEED_SPOKEN,
      "control frames not fragmented" },
    { TRANSITION_WEBSOCKET, F_WS_CONTINUATION_UNEXPECTED, NEED_SPOKEN,
      "continuations follow a started message" },
    { TRANSITION_WEBSOCKET, F_WS_FRAGMENT_INTERLEAVED, NEED_SPOKEN,
      "fragmented messages not interleaved" },
    { TRANSITION_WEBSOCKET, F_WS_LENGTH_NOT_MINIMAL, NEED_SPOKEN, "lengths minimally encoded" },
    { TRANSITION_WEBSOCKET, F_WS_TEXT_INVALID_UTF8, NEED_SPOKEN, "text messages are UTF-8" },
    { TRANSITION_WEBSOCKET, F_WS_CLOSE_CODE_INVALID, NEED_SPOKEN, "close codes allowed" },
    { TRANSITION_WEBSOCKET, F_WS_CLOSE_PAYLOAD_INVALID, NEED_SPOKEN, "close payloads valid" },
    { TRANSITION_WEBSOCKET, F_WS_DATA_AFTER_CLOSE, NEED_SPOKEN, "no frames after close" },
    { TRANSITION_WEBSOCKET, F_WS_DEFLATE_ERROR, NEED_SPOKEN, "compressed messages inflate" },
    { TRANSITION_H2C, F_H2C_SETTINGS_MISSING, NEED_REQUEST, "HTTP2-Settings present" },
    { TRANSITION_H2C, F_H2C_SETTINGS_DUPLICATE, NEED_REQUEST, "HTTP2-Settings only once" },
    { TRANSITION_H2C, F_H2C_CONNECTION_OPTION_MISSING, NEED_REQUEST,
      "Connection lists HTTP2-Settings" },
    { TRANSITION_H2C, F_H2C_SETTINGS_BAD_BASE64, NEED_REQUEST, "HTTP2-Settings is base64url" },
    { TRANSITION_H2C, F_H2C_SETTINGS_FULL_FRAME, NEED_REQUEST,
      "HTTP2-Settings is a payload, not a frame" },
    { TRANSITION_H2C, F_H2C_SETTINGS_BAD_LENGTH, NEED_REQUEST, "settings are 6 bytes each" },
    { TRANSITION_H2C, F_H2C_SETTINGS_VALUE_INVALID, NEED_REQUEST, "setting values allowed" },
    { TRANSITION_H2C, F_H2C_UPGRADE_TOKEN_H2, NEED_REQUEST, "no \"h2\" token in cleartext" },
    { TRANSITION_H2C, F_H2C_SERVER_ACCEPTED_BAD_SETTINGS, NEED_101,
      "server switched only on valid settings" },
    { TRANSITION_H2C, F_H2C_CLIENT_PREFACE_MISSING, NEED_SPOKEN, "client preface sent" },
    { TRANSITION_H2C, F_H2C_SERVER_FIRST_FRAME_NOT_SETTINGS, NEED_SPOKEN,
      "server's first frame is SETTINGS" },
    { TRANSITION_H2C, F_H2_FRAME_INVALID, NEED_SPOKEN, "frames follow the rules" },
    { TRANSITION_H2C, F_H2_HPACK_ERROR, NEED_SPOKEN, "header blocks decode" },
    { TRANSITION_H2C, F_H2_CONNECTION_HEADER, NEED_SPOKEN, "no connection-specific headers" },
    { TRANSITION_H2C, F_H2_HEADER_INVALID, NEED_SPOKEN, "header lists well formed" },
    { TRANSITION_H2C, F_H2C_SMUGGLING_SUSPECTED, NEED_SPOKEN,
      "streams stay on the upgrade's path" },
    { TRANSITION_TLS, F_TLS_UPGRADE_NOT_TLS, NEED_SPOKEN, "TLS handshake follows the 101" },
    { TRANSITION_TLS, F_TLS_UPGRADE_SERVER_DATA_BEFORE_HELLO, NEED_SPOKEN,
      "client speaks first" },
};

struct detail {
    uint64_t id;
    struct doc doc;
    bool gone;
};

static bool can_judge(const struct session *s, enum need need)
{
    bool spoke = s->outcome == OUTCOME_SWITCHED || s->outcome == OUTCOME_UNSOLICITED ||
                 s->outcome == OUTCOME_MIDSTREAM || s->outcome == OUTCOME_PRIOR_KNOWLEDGE;
    switch (need) {
    case NEED_REQUEST: return s->request != NULL;
    case NEED_REFUSAL: return s->response && s->response->status != 101;
    case NEED_101: return s->response && s->response->status == 101;
    case NEED_SPOKEN: return spoke;
    }
    return false;
}

static void add_checklist(struct ui *ui, struct doc *d, const struct session *s)
{
    doc_add(d, PAIR_NONE, "Checklist");
    for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
        const struct check *c = &checks[i];
        if (c->t != TRANSITION_NONE && c->t != s->transition)
            continue;
        bool judged = can_judge(s, c->need), failed = session_has_finding(s, c->id);
        const char *mark = failed ? ui_glyph(ui, GLYPH_FAIL)
                         : judged ? ui_glyph(ui, GLYPH_OK) : ui_glyph(ui, GLYPH_NA);
        enum ui_pair pair = failed ? (finding_info(c->id)->severity == SEV_ERROR ? PAIR_ERROR
                                      : PAIR_WARNING)
                          : judged ? PAIR_OK : PAIR_DIM;
        doc_add(d, pair, "  %s %-46s %s", mark, c->label, finding_info(c->id)->rfc);
        if (c->id == F_WS_ACCEPT_MISMATCH && s->ws && s->ws->accept_checked) {
            char got[80], want[80];
            ui_wire(ui, got, sizeof got, s->ws->accept);
            ui_wire(ui, want, sizeof want, s->ws->accept_expected);
            doc_add(d, PAIR_NONE, "      received %s", got);
            doc_add(d, PAIR_NONE, "      computed %s", want);
        }
    }
}

static void add_settings(struct doc *d, const char *title, const struct h2_setting *set,
                         uint32_t n)
{
    char buf[16];
    doc_add(d, PAIR_NONE, "  %s:%s", title, n ? "" : " (none)");
    for (uint32_t i = 0; i < n; i++)
        doc_add(d, PAIR_NONE, "    %s = %u", h2_setting_name(set[i].id, buf), set[i].value);
}

static void add_list(struct ui *ui, struct doc *d, const char *title, const struct strlist *l)
{
    char line[300] = "", item[200];
    for (uint32_t i = 0; i < l->n; i++) {
        ui_wire(ui, item, sizeof item, l->v[i]);
        size_t used = strlen(line);
        snprintf(line + used, sizeof line - used, "%s%s", i ? ", " : "", item);
    }
    doc_add(d, PAIR_NONE, "  %s: %s", title, l->n ? line : "-");
}

static void add_negotiated(struct ui *ui, struct doc *d, const struct session *s)
{
    char a[200];
    doc_add(d, PAIR_NONE, "%s", "");
    doc_add(d, PAIR_NONE, "Negotiated");
    if (s->ws) {
        ui_wire(ui, a, sizeof a, s->ws->subprotocol);
        doc_add(d, PAIR_NONE, "  subprotocol: %s", a);
        add_list(ui, d, "subprotocols offered", &s->ws->subprotocols_offered);
        add_list(ui, d, "extensions accepted", &s->ws->extensions);
        add_list(ui, d, "extensions offered", &s->ws->extensions_offered);
        if (s->ws->deflate) {
            const struct ws_deflate_params *p = &s->ws->deflate_params;
            doc_add(d, PAIR_NONE, "  permessage-deflate: server window %u bits%s, client window "
                    "%u bits%s", p->server_max_window_bits,
                    p->server_no_context_takeover ? " no context takeover" : "",
                    p->client_max_window_bits,
                    p->client_no_context_takeover ? " no context takeover" : "");
        }
    }
    if (s->h2) {
        if (s->h2->settings_header)
            add_settings(d, "HTTP2-Settings (decoded)", s->h2->settings, s->h2->nsettings);
        if (s->h2->server_settings_seen)
            add_settings(d, "server SETTINGS", s->h2->server_settings, s->h2->nserver_settings);
    }
    if (s->tls) {
        ui_wire(ui, a, sizeof a, s->tls->sni);
        doc_add(d, PAIR_NONE, "  TLS SNI: %s (from %s)", a, s->tls->source);
        add_list(ui, d, "TLS ALPN offered", &s->tls->alpn);
        add_list(ui, d, "TLS versions offered", &s->tls->versions);
        ui_wire(ui, a, sizeof a, s->tls->server_version);
        doc_add(d, PAIR_NONE, "  TLS version chosen: %s", a);
    }
    if (s->ndpi.present) {
        char proto[80], cat[64];
        ui_wire(ui, proto, sizeof proto, s->ndpi.protocol);
        ui_wire(ui, cat, sizeof cat, s->ndpi.category);
        doc_add(d, PAIR_NONE, "  nDPI: %s (%s)%s", proto, cat,
                s->ndpi.risk ? ", with risks (see the report)" : "");
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
        doc_add(d, pair, "  %-7s %s (%s, x%u) [%s]", severity_name(fi->severity), fi->id,
                dir_name(f->dir), f->count, fi->rfc);
        doc_add(d, PAIR_NONE, "          %s", msg);
    }
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
    add_checklist(ui, d, s);
    add_negotiated(ui, d, s);
    add_head(ui, d, "Request", s->request);
    add_head(ui, d, "Response", s->response);
    add_findings(ui, d, s);
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
