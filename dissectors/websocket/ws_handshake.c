/* ws_handshake: opening-handshake validation for WebSocket (RFC 6455 §4, RFC 7692). */
#include "ws_session.h"
#include "ws_handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "http_fields.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void ws_accept_compute(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1])
{
    unsigned char digest[SHA_DIGEST_LENGTH] = { 0 };
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
        EVP_DigestUpdate(ctx, key, key_len) &&
        EVP_DigestUpdate(ctx, ws_guid, sizeof ws_guid - 1))
        EVP_DigestFinal_ex(ctx, digest, NULL);
    EVP_MD_CTX_free(ctx);
    EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH);
}

bool ws_key_valid(const char *key, size_t len)
{
    /* 16 bytes encode to 22 characters and "==" */
    if (len != 24 || key[22] != '=' || key[23] != '=')
        return false;
    for (size_t i = 0; i < 22; i++) {
        char c = key[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return false;
    }
    unsigned char raw[18];
    return EVP_DecodeBlock(raw, (const unsigned char *)key, 24) == 18;
}

/* ---- permessage-deflate parameters ---- */

/* "8".."15" without leading zeros (RFC 7692 §7.1.2.1). */
static bool parse_window_bits(struct span v, uint8_t *out)
{
    if (v.n == 0 || v.n > 2 || v.p[0] == '0')
        return false;
    int x = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
        x = x * 10 + (v.p[i] - '0');
    }
    if (x < 8 || x > 15)
        return false;
    *out = (uint8_t)x;
    return true;
}

bool ws_deflate_params_parse(struct span params, bool offer, bool client_offered_cmwb,
                             struct ws_deflate_params *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    out->server_max_window_bits = out->client_max_window_bits = 15;
    struct span name, value;
    bool has_value, quoted, seen[4] = { false };
    static const char *const names[4] = { "server_no_context_takeover",
        "client_no_context_takeover", "server_max_window_bits", "client_max_window_bits" };
    while (param_next(&params, &name, &value, &has_value, &quoted)) {
        int which = -1;
        for (int i = 0; i < 4; i++)
            if (span_eq_ci(name, names[i]))
                which = i;
        if (which < 0) {
            snprintf(why, whylen, "unknown parameter \"%.*s\"", (int)name.n, name.p);
            return false;
        }
        if (seen[which]) {
            snprintf(why, whylen, "%s given twice", names[which]);
            return false;
        }
        seen[which] = true;
        if (which < 2) {
            if (has_value) {
                snprintf(why, whylen, "%s takes no value", names[which]);
                return false;
            }
            if (which == 0)
                out->server_no_context_takeover = true;
            else
                out->client_no_context_takeover = true;
            continue;
        }
        uint8_t *bits = which == 2 ? &out->server_max_window_bits : &out->client_max_window_bits;
        bool value_optional = offer && which == 3; /* §7.1.2.2: the offer may omit it */
        if (!has_value && value_optional)
            continue;
        if (!has_value || !parse_window_bits(value, bits)) {
            snprintf(why, whylen, "%s=%.*s is not a number from 8 to 15", names[which],
                     (int)value.n, value.p);
            return false;
        }
        if (!offer && which == 3 && !client_offered_cmwb) {
            snprintf(why, whylen, "client_max_window_bits in the response, but the client did "
                     "not offer it (RFC 7692 §7.1.2.2)");
            return false;
        }
    }
    return true;
}

/* ---- the request ---- */

/* Host part of "host[:port]" or "[v6]:port". */
static struct span host_only(struct span hp)
{
    if (hp.n && hp.p[0] == '[') {
        const char *close = memchr(hp.p, ']', hp.n);
        if (close)
            hp.n = (size_t)(close - hp.p) + 1;
        return hp;
    }
    const char *colon = memchr(hp.p, ':', hp.n);
    if (colon)
        hp.n = (size_t)(colon - hp.p);
    return hp;
}

/* RFC 6455 §10.2: Origin tells where the script that opened the socket came from. A browser
 * connecting cross-site is how Cross-Site WebSocket Hijacking starts; it is a hint only. */
static void check_origin(struct session *s, const struct http_head *req, const char *host_field)
{
    const struct http_field *origin = http_field_get(req, "Origin");
    const struct http_field *host = http_field_get(req, host_field);
    if (!origin || !host)
        return;
    struct span o = { origin->value, origin->value_len };
    const char *sep = strstr(origin->value, "://");
    if (sep) {
        o.p = sep + 3;
        o.n = (size_t)(origin->value + origin->value_len - o.p);
    }
    struct span oh = host_only(o), hh = host_only((struct span){ host->value, host->value_len });
    if (!sep || oh.n != hh.n || strncasecmp(oh.p, hh.p, oh.n) != 0)
        session_finding(s, F_WS_ORIGIN_CROSS_SITE, DIR_C2S, req->ts,
                        "Origin \"%s\" is not the host \"%s\"", origin->value, host->value);
}

static void check_key(struct session *s, struct ws_info *ws, const struct http_head *req)
{
    unsigned nkeys = http_field_count(req, "Sec-WebSocket-Key");
    const struct http_field *key = http_field_get(req, "Sec-WebSocket-Key");
    if (!key) {
        session_finding(s, F_WS_KEY_MISSING, DIR_C2S, req->ts, "no Sec-WebSocket-Key");
        return;
    }
    ws->key = bytes_dup(key->value, key->value_len);
    if (nkeys > 1)
        session_finding(s, F_WS_KEY_DUPLICATE, DIR_C2S, req->ts,
                        "Sec-WebSocket-Key appears %u times", nkeys);
    if (!ws_key_valid(key->value, key->value_len))
        session_finding(s, F_WS_KEY_INVALID, DIR_C2S, req->ts,
                        "Sec-WebSocket-Key \"%s\" is not base64 of 16 bytes", key->value);
}

static void check_version(struct session *s, struct ws_info *ws, const struct http_head *req)
{
    const struct http_field *v = http_field_get(req, "Sec-WebSocket-Version");
    if (!v) {
        session_finding(s, F_WS_VERSION_MISSING, DIR_C2S, req->ts, "no Sec-WebSocket-Version");
        return;
    }
    ws->version = bytes_dup(v->value, v->value_len);
    if (strcmp(v->value, "13") != 0)
        session_finding(s, F_WS_VERSION_UNSUPPORTED, DIR_C2S, req->ts,
                        "Sec-WebSocket-Version is \"%s\", not 13", v->value);
}

/* Every element of every `name` line, into a list (raw text of each element). */
static void collect_list(const struct http_head *h, const char *name, struct strlist *out)
{
    for (uint32_t i = 0; i < h->nfields; i++) {
        if (strcasecmp(h->fields[i].name, name) != 0)
            continue;
        struct span rest = { h->fields[i].value, h->fields[i].value_len }, e;
        while (list_next(&rest, &e))
            strlist_add(out, e.p, e.n);
    }
}

static void check_deflate_offers(struct session *s, struct ws_info *ws, ts_us_t ts)
{
    for (uint32_t i = 0; i < ws->extensions_offered.n; i++) {
        const char *e = ws->extensions_offered.v[i];
        struct span rest, name = param_first((struct span){ e, strlen(e) }, &rest);
        if (!span_eq_ci(name, "permessage-deflate"))
            continue;
        struct ws_deflate_params p;
        char why[160];
        if (!ws_deflate_params_parse(rest, true, true, &p, why, sizeof why))
            session_finding(s, F_WS_DEFLATE_PARAMS_INVALID, DIR_C2S, ts,
                            "permessage-deflate offer: %s", why);
    }
}

void ws_check_request(struct session *s, const struct http_head *req)
{
    struct ws_info *ws = ws_info_of(s);
    if (!ws)
        return;
    if (strcmp(req->method, "GET") != 0)
        session_finding(s, F_WS_METHOD_NOT_GET, DIR_C2S, req->ts,
                        "method is \"%s\", not GET", req->method);
    if (req->major < 1 || (req->major == 1 && req->minor < 1))
        session_finding(s, F_WS_HTTP_VERSION_TOO_OLD, DIR_C2S, req->ts,
                        "request version is \"%s\", not HTTP/1.1 or later", req->version);
    if (!http_field_get(req, "Host"))
        session_finding(s, F_WS_HOST_MISSING, DIR_C2S, req->ts, "no Host header");
    check_key(s, ws, req);
    check_version(s, ws, req);
    collect_list(req, "Sec-WebSocket-Protocol", &ws->subprotocols_offered);
    collect_list(req, "Sec-WebSocket-Extensions", &ws->extensions_offered);
    check_deflate_offers(s, ws, req->ts);
    check_origin(s, req, "Host");
}

/* ---- the response ---- */

static void check_accept(struct session *s, struct ws_info *ws, const struct http_head *resp)
{
    const struct http_field *acc = http_field_get(resp, "Sec-WebSocket-Accept");
    ws->accept_checked = true;
    if (ws->key) {
        char expected[WS_ACCEPT_LEN + 1];
        ws_accept_compute(ws->key, strlen(ws->key), expected);
        ws->accept_expected = bytes_dup(expected, WS_ACCEPT_LEN);
    }
    if (!acc) {
        session_finding(s, F_WS_ACCEPT_MISSING, DIR_S2C, resp->ts, "no Sec-WebSocket-Accept");
        return;
    }
    ws->accept = bytes_dup(acc->value, acc->value_len);
    ws->accept_valid = ws->accept_expected && strcmp(ws->accept, ws->accept_expected) == 0;
    if (!ws->accept_valid && ws->accept_expected)
        session_finding(s, F_WS_ACCEPT_MISMATCH, DIR_S2C, resp->ts,
                        "Sec-WebSocket-Accept is \"%s\", the key gives \"%s\"", ws->accept,
                        ws->accept_expected);
}

static void check_subprotocol(struct session *s, struct ws_info *ws,
                              const struct http_head *resp)
{
    unsigned n = http_field_count(resp, "Sec-WebSocket-Protocol");
    const struct http_field *p = http_field_get(resp, "Sec-WebSocket-Protocol");
    if (!p)
        return;
    ws->subprotocol = bytes_dup(p->value, p->value_len);
    /* RFC 6455 §4.2.2: the server picks one of the client's values, or none */
    if (n > 1 || strchr(p->value, ',') ||
        !strlist_has_ci(&ws->subprotocols_offered, p->value, p->value_len))
        session_finding(s, F_WS_SUBPROTOCOL_NOT_OFFERED, DIR_S2C, resp->ts,
                        "server chose subprotocol \"%s\"; the client offered %u", p->value,
                        ws->subprotocols_offered.n);
}

static bool client_offered(const struct ws_info *ws, struct span ext, bool *cmwb)
{
    bool found = false;
    *cmwb = false;
    for (uint32_t i = 0; i < ws->extensions_offered.n; i++) {
        const char *e = ws->extensions_offered.v[i];
        struct span rest, name = param_first((struct span){ e, strlen(e) }, &rest);
        if (name.n != ext.n || strncasecmp(name.p, ext.p, ext.n) != 0)
            continue;
        found = true;
        struct span pn, pv;
        bool hv, q;
        while (param_next(&rest, &pn, &pv, &hv, &q))
            if (span_eq_ci(pn, "client_max_window_bits"))
                *cmwb = true;
    }
    return found;
}

static void check_extensions(struct session *s, struct ws_info *ws,
                             const struct http_head *resp)
{
    collect_list(resp, "Sec-WebSocket-Extensions", &ws->extensions);
    for (uint32_t i = 0; i < ws->extensions.n; i++) {
        const char *e = ws->extensions.v[i];
        struct span rest, name = param_first((struct span){ e, strlen(e) }, &rest);
        bool cmwb;
        if (!client_offered(ws, name, &cmwb)) {
            session_finding(s, F_WS_EXTENSION_NOT_OFFERED, DIR_S2C, resp->ts,
                            "server accepted extension \"%.*s\", which was not offered",
                            (int)name.n, name.p);
            continue;
        }
        if (!span_eq_ci(name, "permessage-deflate"))
            continue;
        char why[160];
        if (ws->deflate) {
            session_finding(s, F_WS_DEFLATE_PARAMS_INVALID, DIR_S2C, resp->ts,
                            "permessage-deflate accepted twice");
        } else if (!ws_deflate_params_parse(rest, false, cmwb, &ws->deflate_params, why,
                                            sizeof why)) {
            session_finding(s, F_WS_DEFLATE_PARAMS_INVALID, DIR_S2C, resp->ts,
                            "permessage-deflate response: %s", why);
        }
        /* in force even with bad parameters: the peers will compress; decompress as best we
         * can with what the response says */
        ws->deflate = true;
    }
}

void ws_check_response(struct session *s, const struct http_head *req,
                       const struct http_head *resp)
{
    (void)req;
    struct ws_info *ws = ws_info_of(s);
    if (!ws)
        return;
    if (resp->status != 101) {
        /* RFC 6455 §4.4: a server refusing the client's version says which it speaks */
        bool handshake = req && http_field_get(req, "Sec-WebSocket-Key");
        bool other_version = ws->version && strcmp(ws->version, "13") != 0;
        if (handshake && (resp->status == 426 || other_version) &&
            !http_field_get(resp, "Sec-WebSocket-Version"))
            session_finding(s, F_WS_426_VERSION_MISSING, DIR_S2C, resp->ts,
                            "%d refuses WebSocket version \"%s\" without Sec-WebSocket-Version "
                            "listing the versions the server speaks", resp->status,
                            ws->version ? ws->version : "(none)");
        return;
    }
    if (!http_field_has_token(resp, "Upgrade", "websocket"))
        session_finding(s, F_WS_RESPONSE_UPGRADE_INVALID, DIR_S2C, resp->ts,
                        "101 does not carry Upgrade: websocket");
    if (!http_field_has_token(resp, "Connection", "upgrade"))
        session_finding(s, F_WS_RESPONSE_CONNECTION_INVALID, DIR_S2C, resp->ts,
                        "101 does not carry Connection: Upgrade");
    check_accept(s, ws, resp);
    check_subprotocol(s, ws, resp);
    check_extensions(s, ws, resp);
}

/* ---- over HTTP/2 (RFC 8441) ---- */

/* RFC 8441 §5: the HTTP/1.1 upgrade's Connection and Upgrade have no place in HTTP/2, and the
 * key and Accept are not used (the stream itself is the handshake's proof). */
static void check_h2_headers(struct session *s, const struct http_head *h, int dir,
                             const char *key_name)
{
    static const char *const forbidden[] = { "Connection", "Upgrade" };
    for (int i = 0; i < 2; i++)
        if (http_field_get(h, forbidden[i]))
            session_finding(s, F_WS_H2_FORBIDDEN_HEADER, dir, h->ts, "%s carries %s",
                            h->is_request ? "the CONNECT" : "the response", forbidden[i]);
    if (http_field_get(h, key_name))
        session_finding(s, F_WS_H2_KEY_HEADER, dir, h->ts, "%s carries %s, which HTTP/2 "
                        "does not use", h->is_request ? "the CONNECT" : "the response", key_name);
}

void ws_check_h2_request(struct session *s, const struct http_head *req)
{
    struct ws_info *ws = ws_info_of(s);
    if (!ws)
        return;
    char missing[40] = "";
    static const char *const needed[] = { ":scheme", ":path", ":authority" };
    for (int i = 0; i < 3; i++)
        if (!http_field_get(req, needed[i]))
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
                     missing[0] ? ", " : "", needed[i]);
    if (missing[0])
        session_finding(s, F_WS_H2_PSEUDO_HEADER_MISSING, DIR_C2S, req->ts,
                        "the extended CONNECT lacks %s", missing);
    check_h2_headers(s, req, DIR_C2S, "Sec-WebSocket-Key");
    check_version(s, ws, req);
    collect_list(req, "Sec-WebSocket-Protocol", &ws->subprotocols_offered);
    collect_list(req, "Sec-WebSocket-Extensions", &ws->extensions_offered);
    check_deflate_offers(s, ws, req->ts);
    check_origin(s, req, ":authority");
}

void ws_check_h2_response(struct session *s, const struct http_head *resp)
{
    struct ws_info *ws = ws_info_of(s);
    if (!ws)
        return;
    if (resp->status != 200)
        session_finding(s, F_WS_H2_BAD_STATUS, DIR_S2C, resp->ts, "the CONNECT was answered "
                        "%d and the stream went on as a WebSocket; only 200 accepts",
                        resp->status);
    check_h2_headers(s, resp, DIR_S2C, "Sec-WebSocket-Accept");
    check_subprotocol(s, ws, resp);
    check_extensions(s, ws, resp);
}
