/* http1: HTTP/1.1 messages over a connection and the upgrade state machine (RFC 9110 §7.8,
 * RFC 9112). Frames requests and responses (keep-alive, pipelining, bodies by Content-Length,
 * chunked or close), opens a session for every protocol-switch attempt, and on 101 hands each
 * direction to the chosen protocol at the exact byte after its message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "connect.h"
#include "dissector.h"
#include "escape.h"
#include "http1.h"
#include "http_fields.h"

#define PIPELINE_MAX 32               /* requests awaiting responses */
#define CHUNK_LINE_LIMIT 1024

enum h1_state {
    H1_HEAD,            /* expecting a start line */
    H1_BODY,            /* `remaining` body bytes */
    H1_CHUNK_SIZE,      /* a chunk-size line */
    H1_CHUNK_DATA,      /* `remaining` chunk bytes */
    H1_CHUNK_END,       /* the CRLF after chunk data */
    H1_TRAILERS,        /* trailer section after the last chunk */
    H1_UNTIL_CLOSE,     /* a response body delimited by the connection's end */
    H1_HOLD,            /* client: waiting for the response to an upgrade or CONNECT */
    H1_RESYNC,          /* after a gap: waiting for something that looks like a start line */
    H1_SKIP_HEAD,       /* a head past the limit: skipped to its end, then resync */
    H1_STOPPED,         /* nothing more to inspect in this direction */
};

struct h1_request {
    bool head;          /* HEAD: the response has no body */
    bool connect;
    bool upgrade;       /* carried Upgrade: its response settles the open session */
    bool cut;           /* the snap length cut its head: what it asked for is unknown */
};

struct h1_side {
    enum h1_state state;
    size_t scanned;               /* head-end search progress */
    uint64_t remaining;
    bool hold_after_body;         /* client: an upgrade request's body is being skipped */
    bool skip_blank;              /* skipping a head: the bytes so far end a line */
};

struct http1 {
    struct h1_side side[2];
    struct h1_request queue[PIPELINE_MAX];
    unsigned qhead, qlen;
    enum proto asked;             /* protocol the open upgrade request asked for */
    enum proto client_switch;     /* 101 seen while the client was still in its body */
    ts_us_t held_since;           /* first client bytes held before the response */
    bool offer_reported;          /* a server's unasked Upgrade advertisement was reported */
    bool saw_request;             /* a request head was parsed on this connection */
    bool cutting;                 /* the head being parsed was cut by the snap length */
    struct http_head *cut_request; /* the last request cut before any Upgrade was seen: a 101
                                    * to it switched what it asked for (kept until answered) */
};

/* ---- the request queue ---- */

static void queue_push(struct http1 *h, struct h1_request r)
{
    if (h->qlen == PIPELINE_MAX) { /* too deep: forget the oldest */
        h->qhead = (h->qhead + 1) % PIPELINE_MAX;
        h->qlen--;
    }
    h->queue[(h->qhead + h->qlen) % PIPELINE_MAX] = r;
    h->qlen++;
}

static bool queue_pop(struct http1 *h, struct h1_request *out)
{
    if (h->qlen == 0)
        return false;
    *out = h->queue[h->qhead];
    h->qhead = (h->qhead + 1) % PIPELINE_MAX;
    h->qlen--;
    return true;
}

/* ---- helpers ---- */

/* The ladder's arrow for a request or response head, with the head as its payload. */
static void head_event(struct session *s, const struct http_head *hd, enum dir dir)
{
    if (!session_recording(s))
        return;
    char line[200];
    if (hd->is_request) {
        char m[32], t[120];
        escape_buf(m, sizeof m, hd->method, strlen(hd->method), ESCAPE_TERMINAL);
        escape_buf(t, sizeof t, hd->target, strlen(hd->target), ESCAPE_TERMINAL);
        snprintf(line, sizeof line, "%s %s", m, t);
    } else {
        char r[80];
        escape_buf(r, sizeof r, hd->reason, strlen(hd->reason), ESCAPE_TERMINAL);
        snprintf(line, sizeof line, "%d %s", hd->status, r);
    }
    int idx = session_event(s, hd->ts, dir, PROTO_HTTP1,
                            "%s", line);
    session_event_payload(s, idx, hd->raw, hd->raw_len);
}

static void report_anomalies(struct session *s, const struct http_head *hd, enum dir dir)
{
    for (int bit = 0; bit < HTTP_ANOM_COUNT_BITS; bit++)
        if (hd->anomalies & (1u << bit))
            session_finding(s, F_HTTP_MALFORMED, dir, hd->ts, "%s",
                            http_anomaly_text(1u << bit));
}

/* The first Upgrade token a dissector knows, or PROTO_NONE; *first gets the first token. */
static enum proto upgrade_proto(const struct http_head *hd, struct span *first)
{
    enum proto found = PROTO_NONE;
    first->p = NULL;
    first->n = 0;
    for (uint32_t i = 0; i < hd->nfields; i++) {
        if (strcasecmp(hd->fields[i].name, "Upgrade") != 0)
            continue;
        struct span rest = { hd->fields[i].value, hd->fields[i].value_len }, tok;
        while (list_next(&rest, &tok)) {
            if (!first->p)
                *first = tok;
            enum proto p = dissector_for_upgrade_token(tok);
            if (found == PROTO_NONE && p != PROTO_NONE)
                found = p;
        }
    }
    return found;
}

static enum transition transition_of(enum proto p)
{
    const struct dissector *d = dissector_get(p);
    return d ? d->transition : TRANSITION_NONE;
}

/* Body framing from Content-Length / Transfer-Encoding (RFC 9112 §6.3). Returns false when the
 * framing is broken beyond use. */
static bool body_framing(struct h1_side *sd, const struct http_head *hd, bool response,
                         struct session *s, enum dir dir)
{
    const struct http_field *te = http_field_get(hd, "Transfer-Encoding");
    unsigned ncl = http_field_count(hd, "Content-Length");
    if (te) {
        if (ncl)
            session_finding(s, F_HTTP_MALFORMED, dir, hd->ts, "both Transfer-Encoding and "
                            "Content-Length (a request smuggling pattern, RFC 9112 §6.3)");
        if (http_field_has_token(hd, "Transfer-Encoding", "chunked")) {
            sd->state = H1_CHUNK_SIZE;
            return true;
        }
        sd->state = response ? H1_UNTIL_CLOSE : H1_STOPPED;
        return response;
    }
    if (ncl == 0) {
        sd->state = response ? H1_UNTIL_CLOSE : H1_HEAD;
        return true;
    }
    uint64_t len = 0;
    bool ok = true, first = true;
    for (uint32_t i = 0; i < hd->nfields; i++) {
        if (strcasecmp(hd->fields[i].name, "Content-Length") != 0)
            continue;
        struct span rest = { hd->fields[i].value, hd->fields[i].value_len }, v;
        while (list_next(&rest, &v)) {
            uint64_t x = 0;
            bool digits = v.n > 0 && v.n <= 15;
            for (size_t k = 0; k < v.n && digits; k++) {
                digits = v.p[k] >= '0' && v.p[k] <= '9';
                x = x * 10 + (uint64_t)(v.p[k] - '0');
            }
            if (!digits || (!first && x != len))
                ok = false;
            len = x;
            first = false;
        }
    }
    if (!ok) {
        session_finding(s, F_HTTP_MALFORMED, dir, hd->ts,
                        "invalid or conflicting Content-Length (RFC 9112 §6.3)");
        sd->state = H1_STOPPED;
        return false;
    }
    sd->remaining = len;
    sd->state = len ? H1_BODY : H1_HEAD;
    return true;
}

/* ---- switching ---- */

/* The direction's bytes belong to protocol p from here on: HTTP/1.1 stops looking. */
static void switch_dir(struct http1 *h, struct dissect *dx, enum dir dir, enum proto p)
{
    h->side[dir].state = H1_STOPPED;
    dissect_switch(dx, dir, p);
}

/* The client's held bytes go back to HTTP parsing (the upgrade was refused). */
static void resume_client(struct http1 *h, struct dissect *dx)
{
    struct h1_side *c = &h->side[DIR_C2S];
    c->hold_after_body = false;
    h->held_since = 0;
    if (c->state == H1_HOLD) {
        c->state = H1_HEAD;
        dissect_switch(dx, DIR_C2S, PROTO_HTTP1); /* re-presents what was held */
    }
}

/* A request (or its body) is complete. */
static void request_done(struct http1 *h, struct dissect *dx)
{
    struct h1_side *c = &h->side[DIR_C2S];
    if (h->client_switch != PROTO_UNKNOWN) {
        enum proto p = h->client_switch;
        h->client_switch = PROTO_UNKNOWN;
        switch_dir(h, dx, DIR_C2S, p);
    } else if (c->hold_after_body) {
        c->state = H1_HOLD;
    } else {
        c->state = H1_HEAD;
    }
}

static void message_done(struct http1 *h, struct dissect *dx, enum dir dir)
{
    if (dir == DIR_C2S)
        request_done(h, dx);
    else
        h->side[DIR_S2C].state = H1_HEAD;
}

/* ---- requests ---- */

static void on_upgrade_request(struct http1 *h, struct dissect *dx, struct http_head *req)
{
    struct session *s = dissect_session_begin(dx, req->ts);
    struct span first;
    enum proto p = upgrade_proto(req, &first);
    h->asked = p;
    if (!s) {
        http_head_free(req);
        return;
    }
    s->request = req;
    s->outcome = OUTCOME_NO_RESPONSE;
    s->transition = transition_of(p);
    head_event(s, req, DIR_C2S);
    report_anomalies(s, req, DIR_C2S);
    if (!http_field_has_token(req, "Connection", "upgrade"))
        session_finding(s, F_UPGRADE_CONNECTION_TOKEN_MISSING, DIR_C2S, req->ts,
                        "request has Upgrade but Connection does not list \"upgrade\"");
    if (req->major == 1 && req->minor == 0)
        session_finding(s, F_UPGRADE_IN_HTTP10, DIR_C2S, req->ts,
                        "Upgrade in an HTTP/1.0 request: the server must ignore it");
    const struct dissector *d = dissector_get(p);
    if (d && d->upgrade_request)
        d->upgrade_request(s, req);
}

/* A CONNECT (RFC 9110 §9.3.6) is a session of its own: a switch to a tunnel if answered 2xx. */
static void on_connect_request(struct dissect *dx, struct http_head *req)
{
    struct session *s = dissect_session_begin(dx, req->ts);
    if (!s) {
        http_head_free(req);
        return;
    }
    s->request = req;
    s->outcome = OUTCOME_NO_RESPONSE;
    s->transition = TRANSITION_CONNECT;
    head_event(s, req, DIR_C2S);
    report_anomalies(s, req, DIR_C2S);
    connect_check_request(s, req);
}

static size_t on_request(struct http1 *h, struct dissect *dx, const uint8_t *p, size_t len,
                         ts_us_t ts)
{
    struct h1_side *c = &h->side[DIR_C2S];
    struct http_head *req = http_head_parse(p, len, true, ts);
    if (!req) {
        c->state = H1_STOPPED;
        return len;
    }
    req->frame = dissect_frame(dx);
    h->saw_request = true;
    struct h1_request r = {
        .head = strcmp(req->method, "HEAD") == 0,
        .connect = strcmp(req->method, "CONNECT") == 0,
        .upgrade = http_field_get(req, "Upgrade") != NULL,
        .cut = h->cutting,
    };
    queue_push(h, r);
    if (r.connect) {
        on_connect_request(dx, req);
        c->hold_after_body = true;      /* a tunnel may start after the 2xx */
        body_framing(c, req, false, NULL, DIR_C2S);
    } else if (r.upgrade) {
        on_upgrade_request(h, dx, req);
        c->hold_after_body = true;      /* the new protocol may start after the body */
        struct session *s = dissect_session(dx);
        if (s && s->request == req)     /* the session owns req now */
            body_framing(c, req, false, s, DIR_C2S);
        else
            c->state = H1_HEAD;
    } else {
        c->hold_after_body = false;
        body_framing(c, req, false, NULL, DIR_C2S);
        http_head_free(h->cut_request);
        h->cut_request = r.cut ? req : NULL; /* its Upgrade may have been cut off */
        if (!r.cut)
            http_head_free(req);
    }
    if (c->state == H1_HEAD)
        request_done(h, dx);
    return len;
}

/* ---- responses ---- */

static void check_held_client_data(struct http1 *h, struct session *s, ts_us_t ts)
{
    if (h->held_since && h->held_since < ts)
        session_finding(s, F_CLIENT_DATA_BEFORE_SWITCH, DIR_C2S, h->held_since,
                        "client sent bytes after its upgrade request and before the 101");
}

static void on_switch(struct http1 *h, struct dissect *dx, struct http_head *resp, bool asked,
                      bool req_cut)
{
    struct session *s = asked ? dissect_session(dx) : NULL;
    if (!s && req_cut && h->cut_request) {
        /* the request's Upgrade was cut off by the snap length: the 101 answers what it asked */
        s = dissect_session_begin(dx, h->cut_request->ts);
        if (s) {
            s->request = h->cut_request;
            s->outcome = OUTCOME_SWITCHED;
            head_event(s, s->request, DIR_C2S);
        } else {
            http_head_free(h->cut_request);
        }
        h->cut_request = NULL;
    } else if (!s) {
        s = dissect_session_begin(dx, resp->ts);
        if (s && !h->saw_request && dissect_midstream(dx, DIR_S2C)) {
            s->outcome = OUTCOME_MIDSTREAM; /* the request went by before the capture began */
        } else if (s) {
            s->outcome = OUTCOME_UNSOLICITED;
            session_finding(s, F_UPGRADE_101_NOT_REQUESTED, DIR_S2C, resp->ts,
                            "101 Switching Protocols to a request without Upgrade");
        }
    } else {
        s->outcome = OUTCOME_SWITCHED;
        if (s->request && s->request->major == 1 && s->request->minor == 0)
            session_finding(s, F_UPGRADE_101_TO_HTTP10, DIR_S2C, resp->ts, "101 answers an "
                            "HTTP/1.0 request, whose Upgrade the server must ignore");
    }
    struct span first;
    enum proto p = upgrade_proto(resp, &first);
    if (!first.p) {
        p = h->asked;
        session_finding(s, F_UPGRADE_101_UPGRADE_HEADER_MISSING, DIR_S2C, resp->ts,
                        "101 Switching Protocols has no Upgrade header");
    } else if (s && s->request && !http_field_has_token_span(s->request, "Upgrade", first)) {
        session_finding(s, F_UPGRADE_101_PROTOCOL_NOT_OFFERED, DIR_S2C, resp->ts,
                        "101 switches to \"%.*s\", which the client did not offer",
                        (int)first.n, first.p);
    }
    if (!s) {
        http_head_free(resp);
        switch_dir(h, dx, DIR_S2C, PROTO_NONE);
        switch_dir(h, dx, DIR_C2S, PROTO_NONE);
        return;
    }
    s->response = resp;
    s->transition = transition_of(p);
    head_event(s, resp, DIR_S2C);
    report_anomalies(s, resp, DIR_S2C);
    if (p != PROTO_WEBSOCKET && !http_field_has_token(resp, "Connection", "upgrade"))
        session_finding(s, F_UPGRADE_CONNECTION_TOKEN_MISSING, DIR_S2C, resp->ts,
                        "101 has Upgrade but Connection does not list \"upgrade\"");
    /* the checks of the protocol asked for judge the answer to its request, whatever the
     * server chose; those of the protocol chosen judge the switch itself */
    const struct dissector *wanted = dissector_get(h->asked), *chosen = dissector_get(p);
    if (wanted && wanted->upgrade_response && s->request)
        wanted->upgrade_response(s, s->request, resp);
    if (chosen && chosen != wanted && chosen->upgrade_response)
        chosen->upgrade_response(s, s->request, resp);
    check_held_client_data(h, s, resp->ts);
    h->held_since = 0;
    h->asked = PROTO_NONE;
    if (p == PROTO_UNKNOWN)
        p = PROTO_NONE;
    /* RFC 9110 §7.8: the server's new protocol starts right after the 101's empty line; the
     * client's after its request, body included (RFC 7540 §3.2). */
    switch_dir(h, dx, DIR_S2C, p);
    struct h1_side *c = &h->side[DIR_C2S];
    if (c->hold_after_body && (c->state == H1_BODY || c->state == H1_CHUNK_SIZE ||
                               c->state == H1_CHUNK_DATA || c->state == H1_CHUNK_END ||
                               c->state == H1_TRAILERS))
        h->client_switch = p;
    else
        switch_dir(h, dx, DIR_C2S, p);
}

/* A final response that is not 101. */
static void on_final_response(struct http1 *h, struct dissect *dx, struct http_head *resp,
                              const struct h1_request *req)
{
    struct session *s = req && req->upgrade ? dissect_session(dx) : NULL;
    struct span first;
    enum proto offered = upgrade_proto(resp, &first);
    bool offer = !s && resp->status != 426 && first.p;
    if (!s && (resp->status == 426 || (offer && !h->offer_reported))) {
        /* the server asks for (426) or advertises (RFC 9110 §7.8, RFC 2817 §4) an upgrade on
         * its own; servers that advertise do it on every response, so once per connection */
        s = dissect_session_begin(dx, resp->ts);
        if (s)
            s->transition = transition_of(offered);
        h->offer_reported |= offer;
    }
    if (!s) {
        http_head_free(resp);
        return;
    }
    s->outcome = resp->status == 426 ? OUTCOME_REQUIRED
               : req && req->upgrade ? OUTCOME_DECLINED : OUTCOME_OFFERED;
    if (s->transition == TRANSITION_NONE)
        s->transition = transition_of(offered);
    s->response = resp;
    head_event(s, resp, DIR_S2C);
    report_anomalies(s, resp, DIR_S2C);
    if (resp->status == 426 && !first.p)
        session_finding(s, F_UPGRADE_426_UPGRADE_HEADER_MISSING, DIR_S2C, resp->ts,
                        "426 Upgrade Required has no Upgrade header naming the protocol");
    enum proto p = h->asked != PROTO_NONE && req && req->upgrade ? h->asked : offered;
    const struct dissector *d = dissector_get(p);
    if (d && d->upgrade_response)
        d->upgrade_response(s, s->request, resp);
    h->asked = PROTO_NONE;
    dissect_session_end(dx, resp->ts);
}

/* The answer to a CONNECT: 2xx makes the connection a tunnel (its bytes from the byte after
 * the head are the tunnel's, both ways); anything else refuses it and HTTP goes on. */
static void on_connect_response(struct http1 *h, struct dissect *dx, struct http_head *resp)
{
    struct session *s = dissect_session(dx);
    bool ok = resp->status >= 200 && resp->status < 300;
    if (s && s->transition == TRANSITION_CONNECT && !s->response) {
        s->response = resp;
        s->outcome = ok ? OUTCOME_SWITCHED : OUTCOME_DECLINED;
        head_event(s, resp, DIR_S2C);
        report_anomalies(s, resp, DIR_S2C);
        connect_check_response(s, resp);
        if (!ok)
            dissect_session_end(dx, resp->ts);
    } else {
        http_head_free(resp);
    }
    if (!ok)
        return;
    /* a 2xx has no content whatever its headers say (RFC 9110 §9.3.6) */
    switch_dir(h, dx, DIR_S2C, PROTO_CONNECT);
    switch_dir(h, dx, DIR_C2S, PROTO_CONNECT);
}

static size_t on_response(struct http1 *h, struct dissect *dx, const uint8_t *p, size_t len,
                          ts_us_t ts)
{
    struct h1_side *sv = &h->side[DIR_S2C];
    struct http_head *resp = http_head_parse(p, len, false, ts);
    if (!resp) {
        sv->state = H1_STOPPED;
        return len;
    }
    resp->frame = dissect_frame(dx);
    int status = resp->status;
    if (status >= 100 && status < 200 && status != 101) { /* interim: the request waits on */
        http_head_free(resp);
        return len;
    }
    struct h1_request req = { 0 };
    bool have_req = queue_pop(h, &req);
    if (status == 101) {
        on_switch(h, dx, resp, have_req && req.upgrade, have_req && req.cut);
        return len;
    }
    /* body framing first: on_final_response may hand resp to a session */
    bool no_body = (have_req && req.head) || status == 204 || status == 304;
    if (no_body)
        sv->state = H1_HEAD;
    else
        body_framing(sv, resp, true, dissect_session(dx), DIR_S2C);
    if (have_req && req.connect) {
        bool tunnel = status >= 200 && status < 300;
        on_connect_response(h, dx, resp);
        if (!tunnel)
            resume_client(h, dx);
        return len;
    }
    on_final_response(h, dx, resp, have_req ? &req : NULL);
    if (have_req && req.upgrade)
        resume_client(h, dx);
    return len;
}

/* ---- the byte-level state machine ---- */

/* A line ending with LF at the start of p, or 0 if none yet. */
static size_t line_len(const uint8_t *p, size_t n)
{
    const uint8_t *nl = memchr(p, '\n', n);
    return nl ? (size_t)(nl - p) + 1 : 0;
}

static size_t step_chunk_size(struct h1_side *sd, struct dissect *dx, enum dir dir,
                              const uint8_t *p, size_t n, ts_us_t ts)
{
    size_t ll = line_len(p, n);
    if (!ll) {
        if (n > CHUNK_LINE_LIMIT)
            goto bad;
        return 0;
    }
    uint64_t size = 0;
    size_t i = 0, digits = 0;
    for (; i < ll; i++, digits++) {
        int c = p[i], v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (v < 0)
            break;
        if (size >> 56)
            goto bad;
        size = size * 16 + (uint64_t)v;
    }
    if (digits == 0)
        goto bad;
    sd->remaining = size;
    sd->state = size ? H1_CHUNK_DATA : H1_TRAILERS;
    return ll;
bad:
    dissect_finding(dx, F_HTTP_MALFORMED, dir, ts,
                    "invalid chunk size line (RFC 9112 §7.1)");
    sd->state = H1_STOPPED;
    return n;
}

/* Through the end of a head being skipped (an empty line: CRLF CRLF, or bare LFs), found
 * across calls; returns the bytes that belong to it. */
static size_t skip_head(struct h1_side *sd, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') {
            if (sd->skip_blank) {
                sd->skip_blank = false;
                sd->state = H1_RESYNC; /* its body, if any, cannot be framed: resync */
                return i + 1;
            }
            sd->skip_blank = true;
        } else if (p[i] != '\r') {
            sd->skip_blank = false;
        }
    }
    return n;
}

/* A head larger than the limit (RFC 9112 §2.3 lets servers refuse those; nginx and Apache
 * take 32 and 64 KiB): reported, skipped without being kept, and the connection followed on.
 * Its request still counts, so the responses stay paired with theirs. */
static size_t too_large(struct http1 *h, struct dissect *dx, enum dir dir, const uint8_t *p,
                        size_t n, size_t len, ts_us_t ts)
{
    struct h1_side *sd = &h->side[dir];
    dissect_finding(dx, F_HTTP_HEADER_TOO_LARGE, dir, ts, "%s head larger than %u bytes; "
                    "skipped, the connection followed on", dir == DIR_C2S ? "request"
                    : "response", dissect_head_limit(dx));
    struct h1_request skipped = { 0 };
    if (dir == DIR_C2S)
        queue_push(h, skipped);
    else
        queue_pop(h, &skipped);
    sd->scanned = 0;
    if (len) {                       /* all of it is here: skip exactly it */
        sd->state = H1_RESYNC;
        return len;
    }
    sd->state = H1_SKIP_HEAD;
    sd->skip_blank = false;
    return skip_head(sd, p, n);
}

static size_t step_head(struct http1 *h, struct dissect *dx, enum dir dir, const uint8_t *p,
                        size_t n, ts_us_t ts)
{
    struct h1_side *sd = &h->side[dir];
    size_t empty = http_skip_empty(p, n);
    if (empty) {
        sd->scanned = 0;
        return empty;
    }
    size_t len = http_head_end(p, n, &sd->scanned);
    uint32_t limit = dissect_head_limit(dx);
    /* the limit holds whether the end is still to come or arrived in one large piece */
    if ((!len && n >= limit) || len > limit)
        return too_large(h, dx, dir, p, n, len, ts);
    if (!len)
        return 0;
    sd->scanned = 0;
    return dir == DIR_C2S ? on_request(h, dx, p, len, ts) : on_response(h, dx, p, len, ts);
}

/* Does p start like an HTTP message of this direction? (for resynchronisation) */
static bool looks_like_start(enum dir dir, const uint8_t *p, size_t n)
{
    enum dir sender = dir;
    return http1_probe(p, n, false, &sender) == PROBE_YES && sender == dir;
}

static size_t step(void *state, struct dissect *dx, enum dir dir, const uint8_t *p, size_t n,
                   ts_us_t ts)
{
    struct http1 *h = state;
    struct h1_side *sd = &h->side[dir];
    size_t take;
    switch (sd->state) {
    case H1_HEAD:
        return step_head(h, dx, dir, p, n, ts);
    case H1_BODY:
    case H1_CHUNK_DATA:
        take = n < sd->remaining ? n : (size_t)sd->remaining;
        sd->remaining -= take;
        if (sd->remaining == 0) {
            if (sd->state == H1_CHUNK_DATA)
                sd->state = H1_CHUNK_END;
            else
                message_done(h, dx, dir);
        }
        return take;
    case H1_CHUNK_SIZE:
        return step_chunk_size(sd, dx, dir, p, n, ts);
    case H1_CHUNK_END:
        take = line_len(p, n < 2 ? n : 2);
        if (take && (take == 1 || p[0] == '\r')) {
            sd->state = H1_CHUNK_SIZE;
            return take;
        }
        if (n < 2)
            return 0;
        dissect_finding(dx, F_HTTP_MALFORMED, dir, ts,
                        "chunk data not followed by CRLF (RFC 9112 §7.1)");
        sd->state = H1_STOPPED;
        return n;
    case H1_TRAILERS:
        take = http_skip_empty(p, n < 2 ? n : 2);
        if (take && (p[0] == '\n' || take == 2)) {
            message_done(h, dx, dir);
            return take;
        }
        take = http_head_end(p, n, &sd->scanned);
        if (take) {
            sd->scanned = 0;
            message_done(h, dx, dir);
        }
        return take;
    case H1_HOLD:
        if (!h->held_since)
            h->held_since = ts;
        return 0;
    case H1_SKIP_HEAD:
        return skip_head(sd, p, n);
    case H1_RESYNC:
        if (looks_like_start(dir, p, n)) {
            sd->state = H1_HEAD;
            return step_head(h, dx, dir, p, n, ts);
        }
        return n;
    case H1_UNTIL_CLOSE:
    case H1_STOPPED:
        return n;
    }
    return n;
}

/* ---- the dissector interface ---- */

static size_t http1_data(void *state, struct dissect *dx, enum dir dir, const uint8_t *p,
                         size_t n, ts_us_t ts)
{
    return dissect_steps(dx, dir, step, state, p, n, ts);
}

static void http1_gap(void *state, struct dissect *dx, enum dir dir, uint64_t len, ts_us_t ts)
{
    struct http1 *h = state;
    struct h1_side *sd = &h->side[dir];
    (void)ts;
    if ((sd->state == H1_BODY || sd->state == H1_CHUNK_DATA) && len <= sd->remaining) {
        /* the hole lies inside a body of known length: framing survives */
        sd->remaining -= len;
        if (sd->remaining == 0 && sd->state == H1_BODY)
            message_done(h, dx, dir);
        else if (sd->remaining == 0)
            sd->state = H1_CHUNK_END;
        return;
    }
    if (sd->state == H1_UNTIL_CLOSE || sd->state == H1_STOPPED)
        return;
    if (sd->state == H1_HOLD)
        return; /* held bytes were lost; the response still decides */
    sd->state = H1_RESYNC;
    sd->scanned = 0;
}

static void http1_fin(void *state, struct dissect *dx, enum dir dir, ts_us_t ts)
{
    struct http1 *h = state;
    struct h1_side *sd = &h->side[dir];
    size_t pending = dissect_pending(dx, dir);
    if (sd->state == H1_HEAD && pending)
        dissect_finding(dx, F_HTTP_MALFORMED, dir, ts,
                        "connection closed in the middle of a message head (%zu bytes)",
                        pending);
}

/* The snap length cut a head short (tcpdump -s 160): its complete lines, the start line
 * first, are a head as far as they go — often the request line, Upgrade and Connection, or
 * the status line — and go the usual way (the session is marked truncated and raises no
 * finding from here on: what is missing might be anywhere). */
static void http1_cut(void *state, struct dissect *dx, enum dir dir, const uint8_t *p, size_t n,
                      ts_us_t ts)
{
    struct http1 *h = state;
    struct h1_side *sd = &h->side[dir];
    if (sd->state != H1_HEAD)
        return;
    size_t skip = http_skip_empty(p, n), end = n;
    while (end > skip && p[end - 1] != '\n')
        end--;
    static const char status[] = "HTTP/1.";
    if (end <= skip && dir == DIR_S2C && n - skip >= 12 && memcmp(p + skip, status, 7) == 0 &&
        p[skip + 8] == ' ' && p[skip + 9] >= '1' && p[skip + 9] <= '5')
        end = n; /* the status line cut inside its reason phrase: code and version are there */
    if (end <= skip)
        return; /* not even the start line */
    /* what was cut off: the empty line, and the end of a line cut short */
    const char *tail = p[end - 1] == '\n' ? "\r\n" : "\r\n\r\n";
    size_t tl = strlen(tail);
    uint8_t *head = malloc(end - skip + tl);
    if (!head)
        return;
    memcpy(head, p + skip, end - skip);
    memcpy(head + end - skip, tail, tl);
    sd->scanned = 0;
    h->cutting = true;
    if (dir == DIR_C2S)
        on_request(h, dx, head, end - skip + tl, ts);
    else
        on_response(h, dx, head, end - skip + tl, ts);
    h->cutting = false;
    free(head);
}

static void *http1_create(struct dissect *dx)
{
    (void)dx;
    struct http1 *h = calloc(1, sizeof *h);
    if (h) {
        h->asked = PROTO_NONE;
        h->client_switch = PROTO_UNKNOWN;
    }
    return h;
}

static void http1_destroy(void *state)
{
    struct http1 *h = state;
    if (h)
        http_head_free(h->cut_request);
    free(state);
}

/* Request methods recognised at the start of a stream (RFC 9110 §9 and common extensions). */
static const char *const methods[] = {
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH",
};

enum probe_result http1_probe(const uint8_t *p, size_t n, bool midstream, enum dir *sender)
{
    (void)midstream;
    static const char http[] = "HTTP/1.";
    size_t k = n < sizeof http - 1 ? n : sizeof http - 1;
    if (memcmp(p, http, k) == 0) {
        if (k < sizeof http - 1)
            return PROBE_MORE;
        *sender = DIR_S2C;
        return PROBE_YES;
    }
    bool partial = false;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        size_t ml = strlen(methods[i]);
        if (n <= ml) {
            partial |= memcmp(p, methods[i], n) == 0;
            continue;
        }
        if (memcmp(p, methods[i], ml) == 0 && p[ml] == ' ') {
            if (n == ml + 1)
                return PROBE_MORE;
            if (p[ml + 1] == ' ' || p[ml + 1] < 0x21 || p[ml + 1] > 0x7E)
                return PROBE_NO;
            *sender = DIR_C2S;
            return PROBE_YES;
        }
    }
    return partial ? PROBE_MORE : PROBE_NO;
}

const struct dissector http1_dissector = {
    .name = "http1",
    .proto = PROTO_HTTP1,
    .probe = http1_probe,
    .create = http1_create,
    .destroy = http1_destroy,
    .data = http1_data,
    .gap = http1_gap,
    .fin = http1_fin,
    .cut = http1_cut,
    .checks = http1_checks,
    .transition = TRANSITION_NONE,
};
