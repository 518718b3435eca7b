/* harness: drives the real dispatcher and dissectors with crafted byte streams, and collects
 * the sessions they end — for unit tests of the HTTP/1.1 and WebSocket dissectors. */
#ifndef UPSCOPE_TEST_HARNESS_H
#define UPSCOPE_TEST_HARNESS_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "session.h"

#define HARNESS_MAX_SESSIONS 8

struct harness {
    struct dispatch_ctx ctx;
    struct flow flow;
    struct dissect dx;
    struct session *sessions[HARNESS_MAX_SESSIONS];
    int nsessions;
    uint64_t ids;
    ts_us_t ts;
};

static inline void harness_on_session(void *app, struct dissect *dx, struct session *s)
{
    (void)dx;
    struct harness *h = app;
    ck_assert_int_lt(h->nsessions, HARNESS_MAX_SESSIONS);
    h->sessions[h->nsessions++] = s;
}

static inline uint64_t harness_next_id(void *app)
{
    struct harness *h = app;
    return ++h->ids;
}

/* A connection whose handshake was seen (client = key endpoint 0), or picked up mid-stream. */
static inline void harness_init(struct harness *h, bool midstream)
{
    memset(h, 0, sizeof *h);
    dispatch_init(&h->ctx, 64 * 1024, 1024, h);
    h->ctx.head_limit = 16 * 1024; /* below the buffer: the over-limit paths, cheaply */
    h->ctx.on_session = harness_on_session;
    h->ctx.next_session_id = harness_next_id;
    h->flow.key.family = 4;
    h->flow.key.port[0] = 40000;
    h->flow.key.port[1] = 80;
    h->flow.client = 0;
    h->flow.role_source = midstream ? ROLE_GUESS_PORT : ROLE_SYN;
    h->flow.stream[0].midstream = h->flow.stream[1].midstream = midstream;
    h->ts = 1000000;
    dispatch_conn_init(&h->ctx, &h->dx, &h->flow);
}

static inline void harness_send(struct harness *h, enum dir dir, const void *p, size_t n)
{
    h->ts += 1000;
    dispatch_data(&h->dx, flow_side_of_dir(&h->flow, dir), p, n, h->ts);
}

static inline void harness_send_str(struct harness *h, enum dir dir, const char *s)
{
    harness_send(h, dir, s, strlen(s));
}

/* Sends bytes one at a time: every parser must cope with the smallest segments. */
static inline void harness_trickle(struct harness *h, enum dir dir, const char *s)
{
    for (size_t i = 0; s[i]; i++)
        harness_send(h, dir, s + i, 1);
}

static inline void harness_gap(struct harness *h, enum dir dir, uint64_t len)
{
    dispatch_gap(&h->dx, flow_side_of_dir(&h->flow, dir), len, ++h->ts, false);
}

/* Ends the connection; returns the last session (NULL if none). */
static inline struct session *harness_close(struct harness *h)
{
    dispatch_close(&h->dx, ++h->ts, false);
    dispatch_conn_release(&h->dx);
    return h->nsessions ? h->sessions[h->nsessions - 1] : NULL;
}

static inline void harness_free(struct harness *h)
{
    for (int i = 0; i < h->nsessions; i++)
        session_free(h->sessions[i]);
    h->nsessions = 0;
}

static inline uint32_t finding_count(const struct session *s, enum finding_id id)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->nfindings; i++)
        if (s->findings[i].id == id)
            n += s->findings[i].count;
    return n;
}

#define ck_assert_finding(s, id) \
    ck_assert_msg(session_has_finding((s), F_##id), "expected finding " #id)
#define ck_assert_no_finding(s, id) \
    ck_assert_msg(!session_has_finding((s), F_##id), "unexpected finding " #id)
#define ck_assert_clean(s) \
    ck_assert_msg((s)->nfindings == 0, "expected no findings, first is %s", \
                  (s)->nfindings ? finding_info((s)->findings[0].id)->id : "")

#endif
