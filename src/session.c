/* session: construction, findings and teardown of a session (see session.h). */
#include "session.h"

#include "bytes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const transition_names[TRANSITION_COUNT] = {
    "none", "websocket", "h2c", "tls", "h2", "connect",
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
    [OUTCOME_ALPN] = "alpn",
};

const char *transition_name(enum transition t)
{
    return t < TRANSITION_COUNT ? transition_names[t] : "?";
}

const char *outcome_name(enum outcome o)
{
    return o < OUTCOME_COUNT ? outcome_names[o] : "?";
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
    s->spool_first = s->spool_end = -1;
    s->tunnels = tunnel_pair_oriented(f->tunnels, c);
    return s;
}

/* ---- the event history ---- */

void session_events_enable(struct session *s)
{
    if (s->events)
        return;
    s->events = calloc(1, sizeof *s->events);
    if (s->events)
        s->events->last[0] = s->events->last[1] = -1;
}

int session_event(struct session *s, ts_us_t ts, int dir, enum proto source, const char *fmt,
                  ...)
{
    struct session_events *ev = s ? s->events : NULL;
    if (!ev)
        return -1;
    if (ev->n == ev->cap) {
        uint32_t cap = ev->cap ? ev->cap * 2 : 32;
        struct session_event *nv = ev->n < SESSION_MAX_EVENTS
                                 ? realloc(ev->v, (cap < SESSION_MAX_EVENTS ? cap
                                                   : SESSION_MAX_EVENTS) * sizeof *nv)
                                 : NULL;
        if (!nv) {
            ev->dropped++;
            return -1;
        }
        ev->v = nv;
        ev->cap = cap < SESSION_MAX_EVENTS ? cap : SESSION_MAX_EVENTS;
    }
    struct session_event *e = &ev->v[ev->n];
    memset(e, 0, sizeof *e);
    e->ts = ts;
    e->dir = (uint8_t)(dir < 0 ? DIR_C2S : dir);
    e->proto = (uint8_t)source;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->label, sizeof e->label, fmt, ap);
    va_end(ap);
    if (dir == DIR_C2S || dir == DIR_S2C) /* a note is no side's latest message */
        ev->last[dir] = (int)ev->n;
    return (int)ev->n++;
}

void session_event_payload(struct session *s, int idx, const void *p, size_t n)
{
    struct session_events *ev = s ? s->events : NULL;
    if (!ev || idx < 0 || (uint32_t)idx >= ev->n)
        return;
    struct session_event *e = &ev->v[idx];
    e->full_len += n;
    size_t room = EVENT_PAYLOAD_MAX - e->payload_len;
    if (SESSION_PAYLOAD_MAX - ev->payload_bytes < room)
        room = SESSION_PAYLOAD_MAX - ev->payload_bytes;
    if (n > room)
        n = room;
    if (n == 0)
        return;
    if (!e->payload && !(e->payload = malloc(EVENT_PAYLOAD_MAX)))
        return;
    memcpy(e->payload + e->payload_len, p, n);
    e->payload_len += (uint32_t)n;
    ev->payload_bytes += n;
}

void session_event_relabel(struct session *s, int idx, const char *fmt, ...)
{
    struct session_events *ev = s ? s->events : NULL;
    if (!ev || idx < 0 || (uint32_t)idx >= ev->n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ev->v[idx].label, sizeof ev->v[idx].label, fmt, ap);
    va_end(ap);
}

/* Marks a finding on the latest event of its direction (or of either, for the connection). */
static void mark_event(struct session *s, enum finding_id id, int dir)
{
    struct session_events *ev = s->events;
    if (!ev)
        return;
    int idx = dir >= 0 ? ev->last[dir] : (ev->last[0] > ev->last[1] ? ev->last[0] : ev->last[1]);
    if (idx < 0)
        return;
    uint16_t *slots = ev->v[idx].findings;
    for (int i = 0; i < EVENT_FINDINGS; i++) {
        if (slots[i] == id + 1)
            return;
        if (slots[i] == 0) {
            slots[i] = (uint16_t)(id + 1);
            return;
        }
    }
}

static void events_free(struct session_events *ev)
{
    if (!ev)
        return;
    for (uint32_t i = 0; i < ev->n; i++)
        free(ev->v[i].payload);
    free(ev->v);
    free(ev);
}

void *session_part(struct session *s, enum proto p, void *(*create)(void),
                   void (*destroy)(void *))
{
    struct session_part *part = &s->parts[p];
    if (!part->data && (part->data = create()))
        part->destroy = destroy;
    return part->data;
}

const void *session_part_get(const struct session *s, enum proto p)
{
    return s->parts[p].data;
}

void *session_part_find(struct session *s, enum proto p)
{
    return s->parts[p].data;
}

void session_free(struct session *s)
{
    if (!s)
        return;
    http_head_free(s->request);
    http_head_free(s->response);
    for (int p = 0; p < PROTO_COUNT; p++)
        if (s->parts[p].data)
            s->parts[p].destroy(s->parts[p].data);
    events_free(s->events);
    for (uint32_t i = 0; i < s->nfindings; i++)
        free(s->findings[i].message);
    free(s->tunnels);
    free(s);
}

void session_finding(struct session *s, enum finding_id id, int dir, ts_us_t ts,
                     const char *fmt, ...)
{
    if (!s)
        return;
    if (s->truncated[0] || s->truncated[1]) {
        s->findings_withheld++;
        return;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mark_event(s, id, dir);
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
    f->frame = s->frame_now;
    f->message = strdup(msg);
    s->severity_count[finding_info(id)->severity]++;
}

void session_truncated(struct session *s, int dir, uint64_t n)
{
    if (s && (dir == 0 || dir == 1))
        s->truncated[dir] += n;
}

bool session_has_finding(const struct session *s, enum finding_id id)
{
    for (uint32_t i = 0; i < s->nfindings; i++)
        if (s->findings[i].id == id)
            return true;
    return false;
}

bool session_spoke(const struct session *s)
{
    return s->outcome == OUTCOME_SWITCHED || s->outcome == OUTCOME_UNSOLICITED ||
           s->outcome == OUTCOME_MIDSTREAM || s->outcome == OUTCOME_PRIOR_KNOWLEDGE ||
           s->outcome == OUTCOME_ALPN;
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
    free(s->tunnels); /* the other side may have been seen since the session began */
    s->tunnels = tunnel_pair_oriented(f->tunnels, flow_side_of_dir(f, DIR_C2S));
    for (int d = 0; d < 2; d++) {
        int side = flow_side_of_dir(f, (enum dir)d);
        s->stats.packets[d] = f->pkts[side];
        s->stats.bytes[d] = f->bytes[side];
        s->stats.stream_bytes[d] = f->stream[side].delivered;
        s->stats.gaps[d] = f->stream[side].gaps;
    }
    const struct flow_life *l = &f->life;
    s->tcp = (struct session_tcp){ l->syn, l->synack, l->ack,
        { l->fin[flow_side_of_dir(f, DIR_C2S)], l->fin[flow_side_of_dir(f, DIR_S2C)] },
        l->rst, flow_dir_of_side(f, l->rst_side), l->rst_in_flight, l->ended, l->end };
}
