/* session: construction, findings and teardown of a session (see session.h). */
#include "session.h"

#include "bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const transition_names[TRANSITION_COUNT] = {
    "none", "websocket", "h2c", "tls",
};

static const char *const outcome_names[OUTCOME_COUNT] = {
    [OUTCOME_NO_RESPONSE] = "no_response",
    [OUTCOME_SWITCHED] = "switched",
    [OUTCOME_DECLINED] = "declined",
    [OUTCOME_REQUIRED] = "required",
    [OUTCOME_UNSOLICITED] = "unsolicited",
    [OUTCOME_MIDSTREAM] = "midstream",
    [OUTCOME_PRIOR_KNOWLEDGE] = "prior_knowledge",
    [OUTCOME_OFFERED] = "offered",
    [OUTCOME_NONE] = "none",
};

static const char *const h2_frame_names[H2F_KIND_COUNT] = {
    "DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY",
    "WINDOW_UPDATE", "CONTINUATION", "UNKNOWN",
};

static const char *const frame_kind_names[WSF_KIND_COUNT] = {
    "continuation", "text", "binary", "close", "ping", "pong", "reserved",
};

const char *transition_name(enum transition t)
{
    return t < TRANSITION_COUNT ? transition_names[t] : "?";
}

const char *outcome_name(enum outcome o)
{
    return o < OUTCOME_COUNT ? outcome_names[o] : "?";
}

const char *ws_frame_kind_name(enum ws_frame_kind k)
{
    return k < WSF_KIND_COUNT ? frame_kind_names[k] : "?";
}

const char *h2_frame_kind_name(enum h2_frame_kind k)
{
    return k < H2F_KIND_COUNT ? h2_frame_names[k] : "?";
}

const char *dir_name(int dir)
{
    return dir == DIR_C2S ? "client" : dir == DIR_S2C ? "server" : "connection";
}

/* ---- string lists ---- */

void strlist_add(struct strlist *l, const char *p, size_t n)
{
    if (l->n >= STRLIST_MAX) {
        l->dropped++;
        return;
    }
    char *s = bytes_dup(p, n);
    if (s)
        l->v[l->n++] = s;
}

bool strlist_has_ci(const struct strlist *l, const char *p, size_t n)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (strlen(l->v[i]) == n && strncasecmp(l->v[i], p, n) == 0)
            return true;
    return false;
}

void strlist_free(struct strlist *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        free(l->v[i]);
    l->n = 0;
}

/* ---- sessions ---- */

struct session *session_new(uint64_t id, const struct flow *f, ts_us_t ts)
{
    struct session *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    int c = flow_side_of_dir(f, DIR_C2S), sv = flow_side_of_dir(f, DIR_S2C);
    s->id = id;
    s->flow_id = f->id;
    s->family = f->key.family;
    s->client_ip = f->key.addr[c];
    s->client_port = f->key.port[c];
    s->server_ip = f->key.addr[sv];
    s->server_port = f->key.port[sv];
    s->start = s->end = ts;
    return s;
}

struct ws_info *session_ws(struct session *s)
{
    if (!s->ws) {
        s->ws = calloc(1, sizeof *s->ws);
        if (s->ws)
            s->ws->close.code = -1;
    }
    return s->ws;
}

struct h2_info *session_h2(struct session *s)
{
    if (!s->h2)
        s->h2 = calloc(1, sizeof *s->h2);
    return s->h2;
}

struct tls_info *session_tls(struct session *s)
{
    if (!s->tls) {
        s->tls = calloc(1, sizeof *s->tls);
        if (s->tls)
            s->tls->source = "upscope";
    }
    return s->tls;
}

static void h2_info_free(struct h2_info *h)
{
    if (!h)
        return;
    for (uint32_t i = 0; i < h->nrequests; i++) {
        free(h->requests[i].method);
        free(h->requests[i].path);
        free(h->requests[i].authority);
    }
    free(h);
}

static void tls_info_free(struct tls_info *t)
{
    if (!t)
        return;
    free(t->sni);
    free(t->server_version);
    free(t->server_alpn);
    strlist_free(&t->alpn);
    strlist_free(&t->versions);
    free(t);
}

static void ws_info_free(struct ws_info *w)
{
    if (!w)
        return;
    free(w->key);
    free(w->accept);
    free(w->accept_expected);
    free(w->version);
    free(w->subprotocol);
    free(w->close.reason);
    strlist_free(&w->subprotocols_offered);
    strlist_free(&w->extensions_offered);
    strlist_free(&w->extensions);
    free(w);
}

void session_free(struct session *s)
{
    if (!s)
        return;
    http_head_free(s->request);
    http_head_free(s->response);
    ws_info_free(s->ws);
    h2_info_free(s->h2);
    tls_info_free(s->tls);
    for (uint32_t i = 0; i < s->nfindings; i++)
        free(s->findings[i].message);
    free(s);
}

void session_finding(struct session *s, enum finding_id id, int dir, ts_us_t ts,
                     const char *fmt, ...)
{
    if (!s)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct session_finding *first_of_kind = NULL;
    unsigned kinds = 0;
    for (uint32_t i = 0; i < s->nfindings; i++) {
        struct session_finding *f = &s->findings[i];
        if (f->id != id || f->dir != dir)
            continue;
        if (f->message && strcmp(f->message, msg) == 0) {
            f->count++;
            return;
        }
        if (!first_of_kind)
            first_of_kind = f;
        kinds++;
    }
    if (kinds >= SESSION_MESSAGES_PER_KIND || s->nfindings >= SESSION_MAX_FINDINGS) {
        if (first_of_kind)
            first_of_kind->count++; /* more of the same kind, told apart no further */
        else
            s->findings_dropped++;
        return;
    }
    struct session_finding *f = &s->findings[s->nfindings++];
    f->id = id;
    f->dir = dir;
    f->ts = ts;
    f->count = 1;
    f->message = strdup(msg);
    s->severity_count[finding_info(id)->severity]++;
}

bool session_has_finding(const struct session *s, enum finding_id id)
{
    for (uint32_t i = 0; i < s->nfindings; i++)
        if (s->findings[i].id == id)
            return true;
    return false;
}

int session_worst(const struct session *s)
{
    for (int sev = SEV_COUNT - 1; sev >= 0; sev--)
        if (s->severity_count[sev])
            return sev;
    return -1;
}

void session_take_stats(struct session *s, const struct flow *f)
{
    for (int d = 0; d < 2; d++) {
        int side = flow_side_of_dir(f, (enum dir)d);
        s->stats.packets[d] = f->pkts[side];
        s->stats.bytes[d] = f->bytes[side];
        s->stats.stream_bytes[d] = f->stream[side].delivered;
        s->stats.gaps[d] = f->stream[side].gaps;
    }
}
