/* dispatch: per-connection byte routing, protocol probing and hand-off (see dispatch.h). */
#include "dispatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"

/* A stream picked up mid-way is probed again at the start of each of its next few segments:
 * the first one may begin inside a message, a later one at a message boundary. */
#define MIDSTREAM_PROBES 8

/* A dissector may switch protocols without consuming a byte a few times in a row (a hand-off
 * straight into another); beyond this the loop is a bug, not progress. */
#define MAX_IDLE_SWITCHES 8

void dispatch_init(struct dispatch_ctx *ctx, uint32_t buffer_cap, uint32_t probe_limit,
                   void *app)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->buffer_cap = buffer_cap;
    ctx->probe_limit = probe_limit;
    ctx->app = app;
}

void dispatch_conn_init(struct dispatch_ctx *ctx, struct dissect *dx, struct flow *f)
{
    memset(dx, 0, sizeof *dx);
    dx->ctx = ctx;
    dx->flow = f;
    dx->carrier = PROTO_NONE;
    dx->delivering = -1;
    ctx->stats.connections++;
}

const struct flow *dissect_flow(const struct dissect *dx)
{
    return dx->flow;
}

void *dissect_module_ctx(const struct dissect *dx, enum proto p)
{
    return p < PROTO_COUNT ? dx->ctx->module_ctx[p] : NULL;
}

uint32_t dissect_head_limit(const struct dissect *dx)
{
    uint32_t cap = dx->ctx->buffer_cap, lim = dx->ctx->head_limit ? dx->ctx->head_limit : cap;
    return lim < cap ? lim : cap;
}

void dissect_finding(struct dissect *dx, enum finding_id id, int dir, ts_us_t ts,
                     const char *fmt, ...)
{
    struct session *s = dx->session;
    if (!s && (s = dissect_session_begin(dx, ts)) != NULL)
        s->outcome = OUTCOME_NONE;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    session_finding(s, id, dir, ts, "%s", msg);
}

enum proto dissect_carrier(const struct dissect *dx)
{
    return (enum proto)dx->carrier;
}

void dissect_want_report(struct dissect *dx)
{
    while (dx->parent)
        dx = dx->parent;
    dx->report_wanted = true;
}

size_t dissect_pending(const struct dissect *dx, enum dir dir)
{
    return dx->side[dir].len;
}

uint64_t dissect_frame(const struct dissect *dx)
{
    return dx->ctx->frame;
}

bool dissect_incomplete(const struct dissect *dx)
{
    while (dx->parent && !dx->closed)
        dx = dx->parent;
    return dx->closed && dx->incomplete;
}

bool dissect_midstream(const struct dissect *dx, enum dir dir)
{
    if (dx->side[dir].resync)
        return true;
    if (dx->parent)
        return dx->layer_midstream[dir];
    return dx->flow->stream[flow_side_of_dir(dx->flow, dir)].midstream;
}

void *dissect_state(struct dissect *dx, enum proto p)
{
    const struct dissector *d = dissector_get(p);
    if (!d)
        return NULL;
    if (!dx->state[p])
        dx->state[p] = d->create(dx);
    return dx->state[p];
}

size_t dissect_steps(struct dissect *dx, enum dir dir, dissect_step_fn step, void *state,
                     const uint8_t *p, size_t n, ts_us_t ts)
{
    uint8_t proto = dx->side[dir].proto;
    size_t used = 0;
    while (used < n && dx->side[dir].proto == proto) {
        size_t k = step(state, dx, dir, p + used, n - used, ts);
        if (k == 0)
            break;
        used += k;
    }
    return used;
}

void dissect_switch(struct dissect *dx, enum dir dir, enum proto p)
{
    if (p != PROTO_NONE && !dissect_state(dx, p))
        p = PROTO_NONE; /* out of memory: stop inspecting rather than lose track */
    dx->side[dir].proto = (uint8_t)p;
    if ((int)dir != dx->delivering)
        dx->side[dir].kick = true;
}

/* ---- the unconsumed-bytes buffer ---- */

static void buf_drop(struct dissect_side *s)
{
    s->len = 0;
}

static void buf_consume(struct dissect_side *s, size_t used)
{
    if (used >= s->len) {
        s->len = 0;
        return;
    }
    memmove(s->buf, s->buf + used, s->len - used);
    s->len -= (uint32_t)used;
}

/* Appends up to n bytes (never past the cap); returns how many were taken. */
static size_t buf_append(struct dissect *dx, struct dissect_side *s, const uint8_t *p, size_t n)
{
    uint32_t cap = dx->ctx->buffer_cap;
    size_t room = cap - s->len;
    if (n > room)
        n = room;
    if (n == 0)
        return 0;
    if (s->len + n > s->cap) {
        uint32_t want = s->cap ? s->cap : 1024;
        while (want < s->len + n)
            want *= 2;
        if (want > cap)
            want = cap;
        uint8_t *nb = realloc(s->buf, want);
        if (!nb)
            return 0;
        dx->ctx->stats.buffer_bytes += want - s->cap;
        s->buf = nb;
        s->cap = want;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += (uint32_t)n;
    return n;
}

/* ---- delivery ---- */

/* Presents bytes to whichever protocols own dir, following switches; returns bytes consumed. */
static size_t deliver(struct dissect *dx, enum dir dir, const uint8_t *p, size_t n, ts_us_t ts)
{
    struct dissect_side *s = &dx->side[dir];
    size_t total = 0;
    int idle = 0;
    int outer = dx->delivering;
    dx->delivering = dir;
    while (total < n && idle < MAX_IDLE_SWITCHES) {
        enum proto pr = s->proto;
        const struct dissector *d = dissector_get(pr);
        if (!d) { /* PROTO_NONE: nothing inspects these bytes */
            total = n;
            break;
        }
        size_t used = d->data(dx->state[pr], dx, dir, p + total, n - total, ts);
        if (used > n - total)
            used = n - total;
        total += used;
        if (s->proto == pr)
            break; /* no switch: the dissector wants more bytes, or took them all */
        s->kick = false;
        idle = used ? 0 : idle + 1;
    }
    dx->delivering = outer;
    return total;
}

/* Feeds bytes to dir's protocol, through the buffer when earlier bytes are waiting. */
static void feed(struct dissect *dx, enum dir dir, const uint8_t *p, size_t n, ts_us_t ts)
{
    struct dissect_side *s = &dx->side[dir];
    if (s->len == 0 && n > 0) { /* p may be NULL when n is 0 (a kick): no arithmetic on it */
        size_t used = deliver(dx, dir, p, n, ts);
        p += used;
        n -= used;
    }
    while (n > 0 || s->kick) {
        s->kick = false;
        size_t took = n ? buf_append(dx, s, p, n) : 0;
        if (took) {
            p += took;
            n -= took;
        }
        size_t used = deliver(dx, dir, s->buf, s->len, ts);
        if (used == 0 && s->len == dx->ctx->buffer_cap) {
            /* a unit larger than the cap: give up on it and let the dissector resync */
            dx->ctx->stats.buffer_overflows++;
            uint64_t lost = s->len;
            buf_drop(s);
            const struct dissector *d = dissector_get(s->proto);
            if (d && d->gap)
                d->gap(dx->state[s->proto], dx, dir, lost, ts);
            continue;
        }
        buf_consume(s, used);
        if (took == 0 && used == 0)
            break; /* out of memory for the buffer: the bytes are lost */
    }
}

/* Re-presents buffered bytes of directions whose protocol changed from the other side. */
static void run_kicks(struct dissect *dx, ts_us_t ts)
{
    for (int again = 0; again < MAX_IDLE_SWITCHES; again++) {
        bool any = false;
        for (int d = 0; d < 2; d++) {
            if (dx->side[d].kick) {
                any = true;
                feed(dx, (enum dir)d, NULL, 0, ts);
            }
        }
        if (!any)
            return;
    }
}

/* ---- probing ---- */

static void swap_roles(struct dissect *dx)
{
    struct flow *f = dx->flow;
    f->client = !f->client;
    f->role_source = ROLE_PAYLOAD;
    struct dissect_side tmp = dx->side[0];
    dx->side[0] = dx->side[1];
    dx->side[1] = tmp;
    dx->ctx->stats.role_corrections++;
}

/* No protocol matched these first bytes. A server may speak first (RFC 9113 §3.4: HTTP/2's
 * SETTINGS before the client's preface): while the other direction is undecided, its bytes
 * are kept, up to the probe limit, for whatever protocol the other side turns out to speak.
 * A stream picked up mid-way tries again at its next few segments; any other is not
 * inspected, and a direction waiting on it gives up too. */
static void probe_failed(struct dissect *dx, enum dir dir)
{
    struct dissect_side *s = &dx->side[dir], *o = &dx->side[!dir];
    if (o->proto == PROTO_UNKNOWN && !dissect_midstream(dx, dir) &&
        s->len < dx->ctx->probe_limit) {
        s->waiting = true;
        return;
    }
    buf_drop(s);
    if (dissect_midstream(dx, dir) && ++s->probes < MIDSTREAM_PROBES)
        return;
    s->proto = PROTO_NONE;
    s->waiting = false;
    if (o->proto == PROTO_UNKNOWN && o->waiting) { /* it waited on this side: no more */
        buf_drop(o);
        o->proto = PROTO_NONE;
        o->waiting = false;
    }
}

/* dir's protocol is unknown: buffer its first bytes until a probe decides. */
static void probe_and_feed(struct dissect *dx, enum dir dir, const uint8_t *p, size_t n,
                           ts_us_t ts)
{
    struct dissect_side *s = &dx->side[dir];
    size_t room = dx->ctx->probe_limit > s->len ? dx->ctx->probe_limit - s->len : 0;
    size_t took = buf_append(dx, s, p, n < room ? n : room);
    enum dir sender = dir;
    if (s->waiting && took == n && s->len < dx->ctx->probe_limit)
        return; /* keeps waiting for the other side to speak */
    enum proto pr = dissector_probe(s->buf, s->len, dissect_midstream(dx, dir), &sender);
    if (pr == PROTO_UNKNOWN && s->len < dx->ctx->probe_limit)
        return;
    if (pr == PROTO_UNKNOWN || pr == PROTO_NONE) {
        probe_failed(dx, dir);
        return;
    }
    if (sender != dir) {
        if (dx->parent || dx->flow->role_source != ROLE_GUESS_PORT) {
            /* the handshake (or the layer below) said who is who; bytes that claim otherwise
             * are not this */
            probe_failed(dx, dir);
            return;
        }
        swap_roles(dx);
        dir = sender;
    }
    for (int d = 0; d < 2; d++) {
        struct dissect_side *o = &dx->side[d];
        if (o->proto == PROTO_NONE)
            o->resync = true; /* its first bytes were dropped: it starts mid-stream */
        if (o->proto == PROTO_UNKNOWN || o->proto == PROTO_NONE)
            dissect_switch(dx, (enum dir)d, pr);
    }
    run_kicks(dx, ts);
    if (took < n)
        feed(dx, dir, p + took, n - took, ts);
}

/* ---- events, by role direction ---- */

static void layer_data(struct dissect *dx, enum dir dir, const uint8_t *p, size_t n, ts_us_t ts)
{
    if (dx->closed || n == 0)
        return;
    if (dx->session) {
        dx->session->last_data = ts;
        dx->session->frame_now = dx->ctx->frame;
    }
    struct dissect_side *s = &dx->side[dir];
    if (s->proto == PROTO_UNKNOWN)
        probe_and_feed(dx, dir, p, n, ts);
    else if (s->proto != PROTO_NONE)
        feed(dx, dir, p, n, ts);
    run_kicks(dx, ts);
}

static void layer_gap(struct dissect *dx, enum dir dir, uint64_t len, ts_us_t ts)
{
    if (dx->closed)
        return;
    if (dx->session)
        dx->session->frame_now = dx->ctx->frame;
    struct dissect_side *s = &dx->side[dir];
    uint64_t lost = len + s->len;
    s->layer_gaps++;
    dx->ctx->stats.gap_bytes[dir] += len;
    buf_drop(s);
    if (s->proto == PROTO_UNKNOWN) {
        s->resync = true;
        return;
    }
    const struct dissector *d = dissector_get(s->proto);
    if (d && d->gap)
        d->gap(dx->state[s->proto], dx, dir, lost, ts);
    run_kicks(dx, ts);
}

/* The snap length cut len bytes off dir's stream: the open session is marked truncated, and
 * the bytes waiting for the rest of a unit go to the dissector's cut() to make what it can of
 * them (a head whose complete lines are there); a session it begins is marked too. */
static void layer_cut(struct dissect *dx, enum dir dir, uint64_t len, ts_us_t ts)
{
    dx->cut_total[dir] += len;
    if (dx->session)
        session_truncated(dx->session, dir, len);
    struct dissect_side *s = &dx->side[dir];
    const struct dissector *d = dissector_get(s->proto);
    if (!s->len || !d || !d->cut)
        return;
    dx->cutting = true;
    int outer = dx->delivering;
    dx->delivering = dir;
    d->cut(dx->state[s->proto], dx, dir, s->buf, s->len, ts);
    dx->delivering = outer;
    dx->cutting = false;
    buf_drop(s);
}

static void layer_fin(struct dissect *dx, enum dir dir, ts_us_t ts)
{
    if (dx->closed)
        return;
    if (dx->session)
        dx->session->frame_now = dx->ctx->frame;
    const struct dissector *d = dissector_get(dx->side[dir].proto);
    if (d && d->fin)
        d->fin(dx->state[dx->side[dir].proto], dx, dir, ts);
    run_kicks(dx, ts);
}

/* ---- the bottom layer: TCP's reassembly events ---- */

void dispatch_data(struct dissect *dx, int side, const uint8_t *p, size_t n, ts_us_t ts)
{
    layer_data(dx, flow_dir_of_side(dx->flow, side), p, n, ts);
}

void dispatch_gap(struct dissect *dx, int side, uint64_t len, ts_us_t ts, bool cut)
{
    enum dir dir = flow_dir_of_side(dx->flow, side);
    if (cut && !dx->closed)
        layer_cut(dx, dir, len, ts);
    layer_gap(dx, dir, len, ts);
}

void dispatch_fin(struct dissect *dx, int side, ts_us_t ts)
{
    layer_fin(dx, flow_dir_of_side(dx->flow, side), ts);
}

void dispatch_close(struct dissect *dx, ts_us_t ts, bool incomplete)
{
    if (dx->closed)
        return;
    dx->closed = true;
    dx->incomplete = incomplete;
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *d = dissector_get((enum proto)p);
        if (d && dx->state[p] && d->close)
            d->close(dx->state[p], dx, ts);
    }
    dissect_session_end(dx, ts);
}

/* ---- layers above ---- */

struct dissect *dissect_layer_new(struct dissect *dx, enum proto carrier, uint32_t carrier_id,
                                  bool midstream)
{
    struct dissect *layer = malloc(sizeof *layer);
    if (!layer)
        return NULL;
    dispatch_conn_init(dx->ctx, layer, dx->flow);
    dx->ctx->stats.connections--; /* the same connection */
    dx->ctx->stats.layers++;
    layer->parent = dx;
    layer->carrier = (uint8_t)carrier;
    layer->carrier_id = carrier_id;
    layer->layer_midstream[0] = layer->layer_midstream[1] = midstream;
    return layer;
}

void dissect_layer_start(struct dissect *layer, enum proto p)
{
    for (int d = 0; d < 2; d++)
        if (layer->side[d].proto == PROTO_UNKNOWN)
            dissect_switch(layer, (enum dir)d, p);
}

void dissect_layer_data(struct dissect *layer, enum dir dir, const uint8_t *p, size_t n,
                        ts_us_t ts)
{
    layer_data(layer, dir, p, n, ts);
}

void dissect_layer_gap(struct dissect *layer, enum dir dir, uint64_t len, ts_us_t ts)
{
    layer_gap(layer, dir, len, ts);
}

void dissect_layer_fin(struct dissect *layer, enum dir dir, ts_us_t ts)
{
    layer_fin(layer, dir, ts);
}

void dissect_layer_close(struct dissect *layer, ts_us_t ts)
{
    dispatch_close(layer, ts, layer->parent->closed && layer->parent->incomplete);
}

enum proto dissect_layer_proto(const struct dissect *layer, enum dir dir)
{
    return (enum proto)layer->side[dir].proto;
}

uint32_t dissect_layer_sessions(const struct dissect *layer)
{
    return layer->sessions;
}

struct session *dissect_tunnel_session(struct dissect *dx)
{
    if (dx->session || !dx->parent)
        return dx->session;
    const struct dissector *carrier = dissector_get((enum proto)dx->carrier);
    return carrier && carrier->tunnel ? dx->parent->session : NULL;
}

void dissect_layer_free(struct dissect *layer)
{
    if (!layer)
        return;
    dispatch_conn_release(layer);
    free(layer);
}

/* ---- sessions ---- */

struct session *dissect_session(struct dissect *dx)
{
    return dx->session;
}

/* The layers that carry sessions of dx, outermost first (the bottom layer is TCP's). */
static void note_carriers(const struct dissect *dx, struct session *s)
{
    const struct dissect *chain[SESSION_MAX_CARRIERS];
    int n = 0;
    for (const struct dissect *l = dx; l->parent && n < SESSION_MAX_CARRIERS; l = l->parent)
        chain[n++] = l;
    for (int i = n - 1; i >= 0; i--) {
        const struct session *under = chain[i]->parent->session;
        s->carried_by[s->ncarriers++] = (struct session_carrier){
            chain[i]->carrier, chain[i]->carrier_id, under ? under->id : 0 };
    }
}

struct session *dissect_session_begin(struct dissect *dx, ts_us_t ts)
{
    dissect_session_end(dx, ts);
    uint64_t id = dx->ctx->next_session_id ? dx->ctx->next_session_id(dx->ctx->app) : 0;
    dx->session = session_new(id, dx->flow, ts);
    if (dx->session) {
        dx->session->first_frame = dx->session->frame_now = dx->ctx->frame;
        dx->session->source = dx->ctx->source;
        dx->ctx->stats.sessions++;
        for (struct dissect *l = dx; l; l = l->parent)
            l->sessions++;
        note_carriers(dx, dx->session);
        for (int d = 0; dx->cutting && d < 2; d++) /* begun from heads the snap length cut */
            session_truncated(dx->session, d, dx->cut_total[d]);
        if (dx->ctx->record_events)
            session_events_enable(dx->session);
        for (struct dissect *l = dx; l->parent; l = l->parent) { /* outermost last: fine, the
                                                                  * ladder shows one carrier */
            const struct dissector *d = dissector_get((enum proto)l->carrier);
            void *state = l->parent->state[l->carrier];
            if (d && d->carried_begin && state)
                d->carried_begin(state, l->parent, dx->session);
        }
        if (dx->ctx->on_session_begin)
            dx->ctx->on_session_begin(dx->ctx->app, dx, dx->session);
    }
    return dx->session;
}

/* What the transport saw, as findings: holes and retransmissions with other bytes; above the
 * bottom, the holes each carrying layer left too. */
static void add_transport_findings(struct session *s, const struct dissect *dx, ts_us_t ts)
{
    const struct flow *f = dx->flow;
    for (int d = 0; d < 2; d++) {
        const struct reasm_dir *r = &f->stream[flow_side_of_dir(f, (enum dir)d)];
        if (r->gaps)
            session_finding(s, F_STREAM_GAP, d, ts, "%u gap(s) in the %s's stream; dissection "
                            "resynchronised after each", r->gaps, dir_name(d));
        for (const struct dissect *l = dx; l->parent; l = l->parent)
            if (l->side[d].layer_gaps)
                session_finding(s, F_STREAM_GAP, d, ts, "%u gap(s) in the %s's stream inside "
                                "%s; dissection resynchronised after each", l->side[d].layer_gaps,
                                dir_name(d), proto_name((enum proto)l->carrier));
        if (r->conflicts)
            session_finding(s, F_TCP_OVERLAP_CONFLICT, d, ts, "%u retransmission(s) carried "
                            "bytes different from the first copy; the first copy was used",
                            r->conflicts);
        const struct flow_life *l = &f->life;
        if (l->rst && l->rst_in_flight && flow_dir_of_side(f, l->rst_side) == (enum dir)d &&
            s->end_cause != SESSION_END_REPLACED)
            session_finding(s, F_TCP_RESET_WITH_DATA_IN_FLIGHT, d, ts, "the %s reset the "
                            "connection with %u byte(s) from the %s not yet acknowledged",
                            dir_name(d), l->rst_in_flight, dir_name(!d));
        uint32_t frags = f->frag_conflicts[flow_side_of_dir(f, (enum dir)d)];
        if (frags)
            session_finding(s, F_IP_FRAGMENT_OVERLAP_CONFLICT, d, ts, "%u packet(s) came in IP "
                            "fragments that overlapped with different bytes; the first copy "
                            "was used", frags);
    }
}

void dissect_session_end(struct dissect *dx, ts_us_t ts)
{
    struct session *s = dx->session;
    if (!s)
        return;
    dx->session = NULL;
    if (ts > s->end)
        s->end = ts;
    s->incomplete = dx->closed && dx->incomplete;
    const struct dissect *root = dx;
    while (root->parent)
        root = root->parent;
    s->end_cause = !dx->closed ? SESSION_END_REPLACED
                 : root->closed ? SESSION_END_CONNECTION : SESSION_END_LAYER;
    session_take_stats(s, dx->flow);
    add_transport_findings(s, dx, s->end);
    if (session_recording(s)) { /* the ladder ends with its last silence and how it ended */
        char w[96];
        ts_us_t died = lifecycle_end_time(s);
        if (s->last_data && died > s->last_data && died - s->last_data >= 1000000) {
            lifecycle_duration(died - s->last_data, w, sizeof w);
            session_event(s, died, SESSION_EVENT_NOTE, PROTO_NONE, "%s of silence", w);
        }
        lifecycle_end_words(lifecycle_end(s), w, sizeof w);
        session_event(s, s->end, SESSION_EVENT_NOTE, PROTO_NONE, "ended: %s", w);
    }
    /* each layer that carries it adds what it knows (TLS: version, suite, decrypted) */
    for (struct dissect *l = dx; l->parent; l = l->parent) {
        const struct dissector *d = dissector_get((enum proto)l->carrier);
        void *state = l->parent->state[l->carrier];
        if (d && d->carried_end && state)
            d->carried_end(state, l->parent, s);
    }
    if (dx->ctx->on_session)
        dx->ctx->on_session(dx->ctx->app, dx, s);
    else
        session_free(s);
}

void dispatch_conn_release(struct dissect *dx)
{
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *d = dissector_get((enum proto)p);
        if (d && dx->state[p])
            d->destroy(dx->state[p]);
        dx->state[p] = NULL;
    }
    for (int d = 0; d < 2; d++) {
        dx->ctx->stats.buffer_bytes -= dx->side[d].cap;
        free(dx->side[d].buf);
        dx->side[d].buf = NULL;
        dx->side[d].cap = dx->side[d].len = 0;
    }
}
