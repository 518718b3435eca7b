/* tls: TLS after an HTTP/1.1 upgrade (RFC 2817) — the upgrade's own checks, then the records
 * both ways: the ClientHello (SNI, ALPN, versions offered) and the ServerHello (version and ALPN
 * chosen) are read; the rest is encrypted and only counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tls_session.h"
#include "dissector.h"
#include "escape.h"
#include "http_fields.h"
#include "tls.h"
#include "tls_hello.h"

#define RECORD_HEADER_LEN 5
#define RECORD_MAX (16384 + 2048)      /* RFC 8446 §5.2: the largest protected record */
#define HANDSHAKE_CAP (32u * 1024)     /* bytes of handshake kept until the hello is read */

enum { CT_CHANGE_CIPHER_SPEC = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPLICATION = 23,
       CT_HEARTBEAT = 24 };

enum tls_state { TLS_RECORD, TLS_BODY, TLS_LOST };

struct tls_dir {
    enum tls_state state;
    int event;                     /* the ladder event of the current record, -1 if none */
    uint8_t type;
    uint32_t remaining;            /* body bytes of the current record */
    bool first_record_seen;
    bool hello_done;               /* the hello of this direction was parsed (or given up) */
    uint8_t *hs;                   /* handshake bytes until the hello is complete */
    uint32_t hs_len;
};

struct tls {
    struct tls_dir d[2];
};

static struct tls_info *info(struct dissect *dx)
{
    struct session *s = dissect_session(dx);
    return s ? tls_info_of(s) : NULL;
}

/* The record's arrow on the ladder says what hello it carried. */
static void hello_event(struct dissect *dx, int event, enum dir dir, const struct tls_hello *h)
{
    char sni[120], alpn[120] = "", buf[16];
    escape_buf(sni, sizeof sni, h->sni, strlen(h->sni), ESCAPE_TERMINAL);
    for (unsigned i = 0; i < h->nalpn; i++) {
        char one[64];
        escape_buf(one, sizeof one, h->alpn[i], strlen(h->alpn[i]), ESCAPE_TERMINAL);
        size_t used = strlen(alpn);
        snprintf(alpn + used, sizeof alpn - used, "%s%s", i ? "," : "", one);
    }
    if (dir == DIR_C2S)
        session_event_relabel(dissect_session(dx), event, "ClientHello SNI=%s ALPN=%s",
                              sni[0] ? sni : "-", alpn[0] ? alpn : "-");
    else
        session_event_relabel(dissect_session(dx), event, "ServerHello %s%s%s",
                              h->nversions ? tls_version_name(h->versions[h->nversions - 1],
                                                              buf) : "?",
                              alpn[0] ? " ALPN=" : "", alpn);
}

static void fill_from_hello(struct tls_info *t, enum dir dir, const struct tls_hello *h)
{
    char buf[16];
    if (dir == DIR_C2S) {
        t->client_hello = true;
        if (h->sni[0])
            t->sni = strdup(h->sni);
        for (unsigned i = 0; i < h->nalpn; i++)
            strlist_add(&t->alpn, h->alpn[i], strlen(h->alpn[i]));
        for (unsigned i = 0; i < h->nversions; i++) {
            const char *name = tls_version_name(h->versions[i], buf);
            strlist_add(&t->versions, name, strlen(name));
        }
        return;
    }
    t->server_hello = true;
    if (h->nversions)
        t->server_version = strdup(tls_version_name(h->versions[h->nversions - 1], buf));
    if (h->nalpn)
        t->server_alpn = strdup(h->alpn[0]);
}

/* Collects handshake bytes until this direction's hello is whole, then reads it. */
static void handshake_bytes(struct dissect *dx, struct tls_dir *d, enum dir dir,
                            const uint8_t *p, size_t n)
{
    if (d->hello_done)
        return;
    if (d->hs_len + n > HANDSHAKE_CAP) {
        d->hello_done = true; /* a hello this large is not worth the memory */
        return;
    }
    uint8_t *nb = realloc(d->hs, d->hs_len + n);
    if (!nb) {
        d->hello_done = true;
        return;
    }
    d->hs = nb;
    memcpy(d->hs + d->hs_len, p, n);
    d->hs_len += (uint32_t)n;
    if (d->hs_len < 4)
        return;
    uint32_t len = (uint32_t)d->hs[1] << 16 | (uint32_t)d->hs[2] << 8 | d->hs[3];
    if (d->hs_len < 4 + len)
        return;
    uint8_t want = dir == DIR_C2S ? TLS_HS_CLIENT_HELLO : TLS_HS_SERVER_HELLO;
    struct tls_hello h;
    bool parsed = d->hs[0] == want && tls_hello_parse(want, d->hs + 4, len, &h);
    struct tls_info *t = info(dx);
    if (parsed && t && !h.retry_request)
        fill_from_hello(t, dir, &h);
    if (parsed)
        hello_event(dx, d->event, dir, &h);
    /* after a HelloRetryRequest the real ServerHello follows (RFC 8446 §4.1.4) */
    d->hello_done = !(parsed && h.retry_request);
    free(d->hs);
    d->hs = NULL;
    d->hs_len = 0;
}

static size_t record_header(struct tls *tl, struct dissect *dx, enum dir dir, const uint8_t *p,
                            size_t n, ts_us_t ts)
{
    struct tls_dir *d = &tl->d[dir];
    if (n < RECORD_HEADER_LEN)
        return 0;
    uint8_t type = p[0];
    uint32_t len = (uint32_t)p[3] << 8 | p[4];
    bool valid = type >= CT_CHANGE_CIPHER_SPEC && type <= CT_HEARTBEAT && p[1] == 3 &&
                 len <= RECORD_MAX;
    struct session *s = dissect_session(dx);
    if (!d->first_record_seen) {
        d->first_record_seen = true;
        if (dir == DIR_S2C && !tl->d[DIR_C2S].first_record_seen)
            session_finding(s, F_TLS_UPGRADE_SERVER_DATA_BEFORE_HELLO, dir, ts,
                            "the server spoke first after the 101");
        if (!valid || type != CT_HANDSHAKE)
            session_finding(s, F_TLS_UPGRADE_NOT_TLS, dir, ts, "the %s's first bytes after "
                            "the 101 (0x%02x 0x%02x 0x%02x) are not a TLS handshake record",
                            dir_name(dir), p[0], p[1], p[2]);
    }
    if (!valid) {
        d->state = TLS_LOST;
        return n;
    }
    struct tls_info *t = info(dx);
    if (t) {
        t->records[dir]++;
        t->bytes[dir] += RECORD_HEADER_LEN + len;
    }
    static const char *const names[] = { "ChangeCipherSpec", "Alert", "Handshake",
                                         "ApplicationData", "Heartbeat" };
    d->event = session_event(s, ts, dir, PROTO_TLS, "%s len=%u",
                             names[type - CT_CHANGE_CIPHER_SPEC], len);
    d->type = type;
    d->remaining = len;
    d->state = TLS_BODY;
    return RECORD_HEADER_LEN;
}

/* A record header, or the next stretch of a record's body. */
static size_t step(void *state, struct dissect *dx, enum dir dir, const uint8_t *p, size_t n,
                   ts_us_t ts)
{
    struct tls *tl = state;
    struct tls_dir *d = &tl->d[dir];
    if (d->state == TLS_LOST)
        return n;
    if (d->state == TLS_RECORD)
        return record_header(tl, dx, dir, p, n, ts);
    size_t k = n < d->remaining ? n : d->remaining;
    session_event_payload(dissect_session(dx), d->event, p, k);
    if (d->type == CT_HANDSHAKE)
        handshake_bytes(dx, d, dir, p, k);
    d->remaining -= (uint32_t)k;
    if (d->remaining == 0)
        d->state = TLS_RECORD;
    return k;
}

static size_t tls_data(void *state, struct dissect *dx, enum dir dir, const uint8_t *p,
                       size_t n, ts_us_t ts)
{
    return dissect_steps(dx, dir, step, state, p, n, ts);
}

static void tls_gap(void *state, struct dissect *dx, enum dir dir, uint64_t len, ts_us_t ts)
{
    struct tls *tl = state;
    struct tls_dir *d = &tl->d[dir];
    (void)dx;
    (void)ts;
    d->hello_done = true; /* a hello with a hole in it is not read */
    if (d->state == TLS_BODY && len <= d->remaining) {
        d->remaining -= (uint32_t)len;
        if (d->remaining == 0)
            d->state = TLS_RECORD;
        return;
    }
    d->state = TLS_LOST;
}

static void *tls_create(struct dissect *dx)
{
    struct tls *tl = calloc(1, sizeof *tl);
    struct session *s = dissect_session(dx);
    if (tl)
        tl->d[0].event = tl->d[1].event = -1;
    if (tl && s)
        tls_info_of(s);
    return tl;
}

static void tls_destroy(void *state)
{
    struct tls *tl = state;
    free(tl->d[0].hs);
    free(tl->d[1].hs);
    free(tl);
}

/* ---- the upgrade (RFC 2817) ---- */

static void tls_upgrade_request(struct session *s, const struct http_head *req)
{
    tls_info_of(s);
    if (strcmp(req->method, "OPTIONS") == 0 && strcmp(req->target, "*") == 0)
        session_finding(s, F_TLS_UPGRADE_MANDATORY_OPTIONS, DIR_C2S, req->ts,
                        "OPTIONS * with Upgrade: TLS (RFC 2817 §3.2)");
}

static void tls_upgrade_response(struct session *s, const struct http_head *req,
                                 const struct http_head *resp)
{
    tls_info_of(s);
    if (resp->status == 426)
        session_finding(s, F_TLS_UPGRADE_REQUIRED, DIR_S2C, resp->ts,
                        "426: the resource is only served over TLS");
    else if (resp->status != 101 && (!req || !http_field_get(req, "Upgrade")))
        session_finding(s, F_TLS_UPGRADE_OFFERED_BY_SERVER, DIR_S2C, resp->ts,
                        "%d with Upgrade: TLS: the server invites the client to switch",
                        resp->status);
}

/* "TLS", "TLS/1.0", "TLS/1.2", ... (RFC 2817 §3.1, case-insensitive as all protocol names) */
static bool tls_upgrade_token(struct span tok)
{
    return tok.n >= 3 && strncasecmp(tok.p, "TLS", 3) == 0 && (tok.n == 3 || tok.p[3] == '/');
}

const struct dissector tls_dissector = {
    .name = "tls",
    .proto = PROTO_TLS,
    .probe = NULL, /* plain TLS is no upgrade: reached only through a 101 */
    .create = tls_create,
    .destroy = tls_destroy,
    .data = tls_data,
    .gap = tls_gap,
    .report_key = "tls",
    .report_json = tls_report_json,
    .report_text = tls_report_text,
    .report_detail = tls_report_detail,
    .checks = tls_checks,
    .volume = tls_report_volume,
    .transition = TRANSITION_TLS,
    .upgrade_token = tls_upgrade_token,
    .upgrade_request = tls_upgrade_request,
    .upgrade_response = tls_upgrade_response,
};
