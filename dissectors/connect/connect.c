/* connect: an HTTP CONNECT tunnel's bytes carried into a layer above, its part of the session
 * and how the outputs show it (see connect.h). */
#include "connect.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detail_out.h"
#include "escape.h"
#include "http_fields.h"
#include "report_json.h"
#include "report_text.h"

/* ---- the session's part ---- */

static void *info_new(void)
{
    return calloc(1, sizeof(struct connect_info));
}

static void info_free(void *p)
{
    free(p);
}

struct connect_info *connect_info_of(struct session *s)
{
    return s ? session_part(s, PROTO_CONNECT, info_new, info_free) : NULL;
}

const struct connect_info *connect_info_get(const struct session *s)
{
    return s ? session_part_get(s, PROTO_CONNECT) : NULL;
}

/* ---- checks (RFC 9110 §9.3.6) ---- */

/* authority-form: host ":" port, the host a name, an IPv4 address or "[" IPv6 "]", the port
 * digits. No scheme, no path: there is no default port, the client must send it. */
static bool authority_form(const char *t)
{
    const char *colon = strrchr(t, ':');
    if (!colon || colon == t || !colon[1] || strlen(colon + 1) > 5)
        return false;
    for (const char *p = colon + 1; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    if (t[0] == '[')
        return colon[-1] == ']';
    for (const char *p = t; p < colon; p++)
        if (*p == '/' || *p == '@' || *p == ':' || *p == '?' || *p == '#' ||
            (unsigned char)*p <= ' ')
            return false;
    return true;
}

void connect_check_request(struct session *s, const struct http_head *req)
{
    char t[80];
    if (!authority_form(req->target)) {
        snprintf(t, sizeof t, "%s", req->target);
        session_finding(s, F_CONNECT_TARGET_INVALID, DIR_C2S, req->ts, "CONNECT target \"%s\" "
                        "is not host:port (authority-form, with the port)", t);
    }
}

void connect_check_response(struct session *s, const struct http_head *resp)
{
    if (resp->status < 200 || resp->status >= 300)
        return;
    for (uint32_t i = 0; i < resp->nfields; i++) {
        const char *n = resp->fields[i].name;
        if (strcasecmp(n, "Content-Length") == 0 || strcasecmp(n, "Transfer-Encoding") == 0)
            session_finding(s, F_CONNECT_2XX_FRAMING_HEADER, DIR_S2C, resp->ts, "the %d to "
                            "CONNECT carries %s (the client must ignore it: the tunnel starts "
                            "right after the head)", resp->status, n);
    }
}

/* ---- the tunnel: bytes into the layer above ---- */

struct connect_tunnel {
    struct dissect *inner;
    struct session *session;      /* the tunnel's (its bytes counted there) */
};

static void *connect_create(struct dissect *dx)
{
    struct connect_tunnel *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->inner = dissect_layer_new(dx, PROTO_CONNECT, 0, false);
    if (!t->inner) {
        free(t);
        return NULL;
    }
    t->session = dissect_session(dx);
    return t;
}

static void connect_destroy(void *state)
{
    struct connect_tunnel *t = state;
    dissect_layer_free(t->inner);
    free(t);
}

/* What the layer turned out to carry, noted in the tunnel's part. */
static void note_carries(struct connect_tunnel *t, struct connect_info *ci)
{
    if (!ci)
        return;
    for (int d = 0; d < 2 && ci->carries == PROTO_UNKNOWN; d++)
        ci->carries = (uint8_t)dissect_layer_proto(t->inner, (enum dir)d);
    ci->sessions = dissect_layer_sessions(t->inner);
}

static size_t connect_data(void *state, struct dissect *dx, enum dir dir, const uint8_t *p,
                           size_t n, ts_us_t ts)
{
    struct connect_tunnel *t = state;
    (void)dx;
    struct connect_info *ci = connect_info_of(t->session);
    if (ci)
        ci->bytes[dir] += n;
    dissect_layer_data(t->inner, dir, p, n, ts);
    note_carries(t, ci);
    return n;
}

static void connect_gap(void *state, struct dissect *dx, enum dir dir, uint64_t len, ts_us_t ts)
{
    struct connect_tunnel *t = state;
    (void)dx;
    dissect_layer_gap(t->inner, dir, len, ts);
}

static void connect_fin(void *state, struct dissect *dx, enum dir dir, ts_us_t ts)
{
    struct connect_tunnel *t = state;
    (void)dx;
    dissect_layer_fin(t->inner, dir, ts);
}

/* The connection ends: the sessions inside end first, then the tunnel's own. */
static void connect_close(void *state, struct dissect *dx, ts_us_t ts)
{
    struct connect_tunnel *t = state;
    (void)dx;
    dissect_layer_close(t->inner, ts);
    note_carries(t, connect_info_of(t->session));
}

static void connect_carried_begin(void *state, struct dissect *dx, struct session *s)
{
    struct connect_tunnel *t = state;
    (void)dx;
    const struct session *tunnel = t->session;
    if (!session_recording(s) || !tunnel || !tunnel->request)
        return;
    char target[100];
    escape_buf(target, sizeof target, tunnel->request->target,
               strlen(tunnel->request->target), ESCAPE_TERMINAL);
    /* (not the tunnel session's number: --workers gives numbers only when sessions are
     * reported; carried_by names it) */
    session_event(s, s->start, SESSION_EVENT_NOTE, PROTO_CONNECT, "in the CONNECT tunnel to %s",
                  target);
}

/* ---- how the outputs show it ---- */

static const char *carries_name(const struct connect_info *ci)
{
    return ci->carries == PROTO_UNKNOWN ? NULL : proto_name((enum proto)ci->carries);
}

static json_t *connect_json(const struct session *s, const void *part)
{
    const struct connect_info *ci = part;
    const char *carries = carries_name(ci);
    return json_pack("{s:o, s:o, s:{s:I, s:I}, s:I}",
                     "target", s->request ? json_wire_str(s->request->target) : json_null(),
                     "carries", carries ? json_string(carries) : json_null(),
                     "bytes", "client", (json_int_t)ci->bytes[DIR_C2S],
                     "server", (json_int_t)ci->bytes[DIR_S2C],
                     "sessions", (json_int_t)ci->sessions);
}

static void connect_text(const struct text_out *o, const struct session *s, const void *part,
                         bool spoke)
{
    const struct connect_info *ci = part;
    (void)spoke;
    text_label(o, "tunnel");
    text_str(o, s->request ? s->request->target : NULL, 100);
    const char *carries = carries_name(ci);
    fprintf(o->out, ", carrying %s; %llu/%llu bytes client/server; %u session(s) inside\n",
            carries ? carries : "nothing seen", (unsigned long long)ci->bytes[DIR_C2S],
            (unsigned long long)ci->bytes[DIR_S2C], ci->sessions);
}

static void connect_detail(struct detail_out *o, const struct session *s, const void *part)
{
    const struct connect_info *ci = part;
    char target[300];
    detail_wire(o, target, sizeof target, s->request ? s->request->target : NULL);
    const char *carries = carries_name(ci);
    detail_line(o, "  CONNECT tunnel to %s, carrying %s", target,
                carries ? carries : "nothing seen");
    detail_line(o, "  tunnelled: %llu bytes from the client, %llu from the server; %u "
                "session(s) inside", (unsigned long long)ci->bytes[DIR_C2S],
                (unsigned long long)ci->bytes[DIR_S2C], ci->sessions);
}

static uint64_t connect_volume(const void *part)
{
    const struct connect_info *ci = part;
    return ci->bytes[0] + ci->bytes[1];
}

static const struct check_row connect_checks[] = {
    { F_CONNECT_TARGET_INVALID, NEED_REQUEST, "CONNECT target is host:port", NULL },
    { F_CONNECT_2XX_FRAMING_HEADER, NEED_ACCEPTED, "2xx to CONNECT has no Content-Length or "
      "Transfer-Encoding", NULL },
    { 0, 0, NULL, NULL },
};

const struct dissector connect_dissector = {
    .name = "connect",
    .proto = PROTO_CONNECT,
    .create = connect_create,
    .destroy = connect_destroy,
    .data = connect_data,
    .gap = connect_gap,
    .fin = connect_fin,
    .close = connect_close,
    .tunnel = true,
    .report_key = "connect",
    .report_json = connect_json,
    .report_text = connect_text,
    .report_detail = connect_detail,
    .checks = connect_checks,
    .volume = connect_volume,
    .carried_begin = connect_carried_begin,
    .transition = TRANSITION_CONNECT,
};
