/* Unit tests for h2c and TLS upgrades: HTTP2-Settings decoding, the HTTP/2 frame rules, HPACK,
 * header lists, the TLS hello parser and the RFC 2817 flow, all through the real dispatcher. */
#include <check.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "h2_settings.h"
#include "harness.h"
#include "h2_session.h"
#include "tls_session.h"
#include "ws_session.h"
#include "tls_hello.h"

/* ---- HTTP2-Settings ---- */

START_TEST(settings_decode)
{
    uint8_t out[64];
    size_t len;
    /* curl's: MAX_CONCURRENT_STREAMS=100, INITIAL_WINDOW_SIZE=33554432, ENABLE_PUSH=0 */
    const char *curl = "AAMAAABkAAQCAAAAAAIAAAAA";
    ck_assert_int_eq(h2c_settings_decode(curl, strlen(curl), out, sizeof out, &len),
                     H2C_SETTINGS_OK);
    ck_assert_uint_eq(len, 18);
    ck_assert_uint_eq(out[1], 3);
    ck_assert_uint_eq(out[5], 100);
    /* nghttp's uses '_' (base64url) */
    const char *ng = "AAMAAABkAAQAAP__";
    ck_assert_int_eq(h2c_settings_decode(ng, strlen(ng), out, sizeof out, &len),
                     H2C_SETTINGS_OK);
    ck_assert_uint_eq(len, 12);
    ck_assert_uint_eq(out[10], 0xff);
    /* padding is tolerated */
    ck_assert_int_eq(h2c_settings_decode("AAMAAABk", 8, out, sizeof out, &len),
                     H2C_SETTINGS_OK);
    ck_assert_int_eq(h2c_settings_decode("AAMAAABk==", 10, out, sizeof out, &len),
                     H2C_SETTINGS_OK);
    ck_assert_int_eq(h2c_settings_decode("AAMA+ABk", 8, out, sizeof out, &len),
                     H2C_SETTINGS_BASE64); /* '+' is not base64url */
    ck_assert_int_eq(h2c_settings_decode("AAMAAA", 6, out, sizeof out, &len),
                     H2C_SETTINGS_LENGTH);
    /* a whole frame: length 6, type 4, flags 0, stream 0, then the payload */
    const char *frame = "AAAGBAAAAAAAAAMAAABk";
    ck_assert_int_eq(h2c_settings_decode(frame, strlen(frame), out, sizeof out, &len),
                     H2C_SETTINGS_WHOLE_FRAME);
    ck_assert_uint_eq(len, 6);
    ck_assert_uint_eq(out[5], 100);
}
END_TEST

START_TEST(settings_rules)
{
    char why[128], buf[16];
    ck_assert(h2_setting_valid(H2_SETTINGS_ENABLE_PUSH, 1, false, why, sizeof why));
    ck_assert(!h2_setting_valid(H2_SETTINGS_ENABLE_PUSH, 1, true, why, sizeof why));
    ck_assert(!h2_setting_valid(H2_SETTINGS_ENABLE_PUSH, 2, false, why, sizeof why));
    ck_assert(h2_setting_valid(H2_SETTINGS_INITIAL_WINDOW_SIZE, 0x7FFFFFFF, false, why, 128));
    ck_assert(!h2_setting_valid(H2_SETTINGS_INITIAL_WINDOW_SIZE, 0x80000000u, false, why, 128));
    ck_assert(!h2_setting_valid(H2_SETTINGS_MAX_FRAME_SIZE, 16383, false, why, sizeof why));
    ck_assert(h2_setting_valid(H2_SETTINGS_MAX_FRAME_SIZE, 16777215, false, why, sizeof why));
    ck_assert(!h2_setting_valid(H2_SETTINGS_MAX_FRAME_SIZE, 16777216, false, why, sizeof why));
    ck_assert(h2_setting_valid(0x4242, 7, false, why, sizeof why)); /* unknown: allowed */
    ck_assert_str_eq(h2_setting_name(0x4242, buf), "UNKNOWN_0x4242");
    ck_assert_str_eq(h2_setting_name(5, buf), "MAX_FRAME_SIZE");
}
END_TEST

static nghttp2_hd_deflater *deflater[2]; /* HPACK encoders of the test's peers */

static void free_deflaters(void)
{
    for (int d = 0; d < 2; d++) {
        if (deflater[d])
            nghttp2_hd_deflate_del(deflater[d]);
        deflater[d] = NULL;
    }
}

/* ---- an h2c connection through the dispatcher ---- */

static const char upgrade_request[] =
    "GET /index.html HTTP/1.1\r\nHost: h.example\r\nConnection: Upgrade, HTTP2-Settings\r\n"
    "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n";
static const char upgrade_101[] =
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static void h2_frame(struct harness *h, enum dir dir, uint8_t type, uint8_t flags,
                     uint32_t stream, const void *payload, size_t n)
{
    uint8_t buf[17000];
    ck_assert_uint_le(n, sizeof buf - 9);
    buf[0] = (uint8_t)(n >> 16);
    buf[1] = (uint8_t)(n >> 8);
    buf[2] = (uint8_t)n;
    buf[3] = type;
    buf[4] = flags;
    buf[5] = (uint8_t)(stream >> 24);
    buf[6] = (uint8_t)(stream >> 16);
    buf[7] = (uint8_t)(stream >> 8);
    buf[8] = (uint8_t)stream;
    if (n)
        memcpy(buf + 9, payload, n);
    harness_send(h, dir, buf, 9 + n);
}

/* HPACK-encodes name/value pairs (NULL-terminated list) with a fresh deflater per direction. */

static size_t hpack(enum dir dir, const char *const *nv_list, uint8_t *out, size_t cap)
{
    nghttp2_nv nv[16];
    size_t n = 0;
    for (; nv_list[2 * n]; n++) {
        nv[n].name = (uint8_t *)nv_list[2 * n];
        nv[n].namelen = strlen(nv_list[2 * n]);
        nv[n].value = (uint8_t *)nv_list[2 * n + 1];
        nv[n].valuelen = strlen(nv_list[2 * n + 1]);
        nv[n].flags = NGHTTP2_NV_FLAG_NONE;
    }
    ssize_t len = nghttp2_hd_deflate_hd(deflater[dir], out, cap, nv, n);
    ck_assert_int_gt(len, 0);
    return (size_t)len;
}

static void headers(struct harness *h, enum dir dir, uint32_t stream, uint8_t flags,
                    const char *const *nv)
{
    uint8_t block[1024];
    size_t n = hpack(dir, nv, block, sizeof block);
    h2_frame(h, dir, 0x1, flags | 0x4, stream, block, n);
}

static void settings(struct harness *h, enum dir dir, uint16_t id, uint32_t v)
{
    uint8_t p[6] = { (uint8_t)(id >> 8), (uint8_t)id, (uint8_t)(v >> 24), (uint8_t)(v >> 16),
                     (uint8_t)(v >> 8), (uint8_t)v };
    h2_frame(h, dir, 0x4, 0, 0, p, sizeof p);
}

/* Upgrade, prefaces, both SETTINGS: a connection ready for frames. */
static void open_h2c_with(struct harness *h, const char *request)
{
    harness_init(h, false);
    for (int d = 0; d < 2; d++) {
        if (deflater[d])
            nghttp2_hd_deflate_del(deflater[d]);
        nghttp2_hd_deflate_new(&deflater[d], 1u << 20); /* the table size as the test sets */
    }
    harness_send_str(h, DIR_C2S, request);
    harness_send_str(h, DIR_S2C, upgrade_101);
    harness_send_str(h, DIR_C2S, preface);
    settings(h, DIR_C2S, H2_SETTINGS_MAX_CONCURRENT_STREAMS, 100);
    settings(h, DIR_S2C, H2_SETTINGS_MAX_CONCURRENT_STREAMS, 64);
}

static void open_h2c(struct harness *h)
{
    open_h2c_with(h, upgrade_request);
}

static const char *const req_admin[] = { ":method", "GET", ":scheme", "http", ":path", "/admin",
                                         ":authority", "h.example", NULL };
static const char *const resp_200[] = { ":status", "200", "content-type", "text/plain", NULL };

START_TEST(clean_upgrade)
{
    struct harness h;
    open_h2c(&h);
    headers(&h, DIR_S2C, 1, 0, resp_200);
    h2_frame(&h, DIR_S2C, 0x0, 0x1, 1, "hello", 5);
    const uint8_t ping[8] = { 0 };
    h2_frame(&h, DIR_C2S, 0x6, 0, 0, ping, 8);
    h2_frame(&h, DIR_S2C, 0x6, 0x1, 0, ping, 8);
    struct session *s = harness_close(&h);
    ck_assert_int_eq(s->outcome, OUTCOME_SWITCHED);
    ck_assert_int_eq(s->transition, TRANSITION_H2C);
    ck_assert_clean(s);
    ck_assert(h2_info_get(s)->settings_header);
    ck_assert_uint_eq(h2_info_get(s)->nsettings, 3);
    ck_assert(h2_info_get(s)->client_preface);
    ck_assert(h2_info_get(s)->server_settings_seen);
    ck_assert_uint_eq(h2_info_get(s)->nrequests, 1);
    ck_assert_str_eq(h2_info_get(s)->requests[0].path, "/index.html");
    ck_assert_int_eq(h2_info_get(s)->requests[0].status, 200);
    ck_assert_uint_eq(h2_info_get(s)->frames[DIR_S2C][H2F_DATA], 1);
    ck_assert_uint_eq(h2_info_get(s)->frames[DIR_C2S][H2F_PING], 1);
    harness_free(&h);
}
END_TEST

START_TEST(upgrade_request_findings)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                                  "Upgrade: h2c, h2\r\nHTTP2-Settings: AAMA+ABk\r\n\r\n");
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    struct session *s = harness_close(&h);
    ck_assert_int_eq(s->outcome, OUTCOME_DECLINED);
    ck_assert_finding(s, H2C_CONNECTION_OPTION_MISSING);
    ck_assert_finding(s, H2C_UPGRADE_TOKEN_H2);
    ck_assert_finding(s, H2C_SETTINGS_BAD_BASE64);
    harness_free(&h);

    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
                                  "Upgrade: h2c\r\n\r\n");
    harness_send_str(&h, DIR_S2C, upgrade_101);
    s = harness_close(&h);
    ck_assert_finding(s, H2C_SETTINGS_MISSING);
    ck_assert_finding(s, H2C_SERVER_ACCEPTED_BAD_SETTINGS);
    harness_free(&h);

    harness_init(&h, false);
    /* ENABLE_PUSH=2 and MAX_FRAME_SIZE=100 */
    harness_send_str(&h, DIR_C2S, "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, "
                                  "HTTP2-Settings\r\nUpgrade: h2c\r\n"
                                  "HTTP2-Settings: AAIAAAACAAUAAABk\r\n\r\n");
    s = harness_close(&h);
    ck_assert_uint_eq(finding_count(s, F_H2C_SETTINGS_VALUE_INVALID), 2);
    harness_free(&h);
}
END_TEST

START_TEST(prefaces)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, upgrade_request);
    harness_send_str(&h, DIR_S2C, upgrade_101);
    harness_send_str(&h, DIR_C2S, "GET /again HTTP/1.1\r\n\r\n"); /* no preface */
    const uint8_t ping[8] = { 0 };
    h2_frame(&h, DIR_S2C, 0x6, 0, 0, ping, 8);                    /* not SETTINGS first */
    struct session *s = harness_close(&h);
    ck_assert_finding(s, H2C_CLIENT_PREFACE_MISSING);
    ck_assert_finding(s, H2C_SERVER_FIRST_FRAME_NOT_SETTINGS);
    ck_assert(!h2_info_get(s)->client_preface);
    harness_free(&h);
}
END_TEST

START_TEST(frame_rules)
{
    struct harness h;
    open_h2c(&h);
    const uint8_t four[4] = { 0, 0, 0, 0 }, five[5] = { 0, 0, 0, 3, 16 };
    uint8_t big[16385];
    memset(big, 0, sizeof big);
    h2_frame(&h, DIR_C2S, 0x0, 0, 0, "x", 1);              /* DATA on stream 0 */
    h2_frame(&h, DIR_C2S, 0x6, 0, 0, four, 4);             /* PING of 4 bytes */
    h2_frame(&h, DIR_C2S, 0x8, 0, 0, four, 4);             /* WINDOW_UPDATE of 0 */
    h2_frame(&h, DIR_C2S, 0x2, 0, 3, five, 5);             /* stream 3 depends on itself */
    h2_frame(&h, DIR_C2S, 0x3, 0, 0, four, 4);             /* RST_STREAM on stream 0 */
    h2_frame(&h, DIR_C2S, 0x4, 0, 1, "", 0);               /* SETTINGS on a stream */
    h2_frame(&h, DIR_C2S, 0x5, 0x4, 3, four, 4);           /* PUSH_PROMISE from a client */
    h2_frame(&h, DIR_S2C, 0x0, 0, 1, big, sizeof big);     /* past MAX_FRAME_SIZE */
    h2_frame(&h, DIR_C2S, 0x9, 0x4, 1, "", 0);             /* CONTINUATION from nowhere */
    settings(&h, DIR_S2C, H2_SETTINGS_ENABLE_PUSH, 1);     /* a server enabling push */
    struct session *s = harness_close(&h);
    ck_assert_uint_ge(finding_count(s, F_H2_FRAME_INVALID), 10);
    harness_free(&h);
}
END_TEST

START_TEST(stream_rules_and_smuggling)
{
    struct harness h;
    open_h2c(&h);
    headers(&h, DIR_C2S, 1, 0x1, req_admin);       /* stream 1 was the upgrade */
    headers(&h, DIR_C2S, 4, 0x1, req_admin);       /* even: not a client stream */
    headers(&h, DIR_C2S, 3, 0x1, req_admin);       /* a new stream, another path */
    headers(&h, DIR_S2C, 3, 0, resp_200);
    headers(&h, DIR_S2C, 9, 0, resp_200);          /* nobody opened stream 9 */
    struct session *s = harness_close(&h);
    ck_assert_uint_ge(finding_count(s, F_H2_FRAME_INVALID), 3);
    /* a client's own requests on its upgraded connection: ordinary multiplexing */
    ck_assert_no_finding(s, H2C_SMUGGLING_SUSPECTED);
    const struct h2_request *r3 = NULL;
    for (uint32_t i = 0; i < h2_info_get(s)->nrequests; i++)
        if (h2_info_get(s)->requests[i].stream == 3)
            r3 = &h2_info_get(s)->requests[i];
    ck_assert_ptr_nonnull(r3);
    ck_assert_str_eq(r3->path, "/admin");
    ck_assert_int_eq(r3->status, 200);
    harness_free(&h);
}
END_TEST

START_TEST(no_preface_after_101)
{
    /* RFC 9113 §3.4: the client closes after the 101 without ever sending the preface */
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, upgrade_request);
    harness_send_str(&h, DIR_S2C, upgrade_101);
    settings(&h, DIR_S2C, H2_SETTINGS_MAX_CONCURRENT_STREAMS, 64);
    struct session *s = harness_close(&h);
    ck_assert_finding(s, H2C_CLIENT_PREFACE_MISSING);
    harness_free(&h);
    /* ... but a capture that ends before it could be sent blames no one */
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, upgrade_request);
    harness_send_str(&h, DIR_S2C, upgrade_101);
    dispatch_close(&h.dx, ++h.ts, true);
    dispatch_conn_release(&h.dx);
    ck_assert_no_finding(h.sessions[h.nsessions - 1], H2C_CLIENT_PREFACE_MISSING);
    harness_free(&h);
}
END_TEST

START_TEST(smuggling_signs)
{
    /* the upgrade came through a proxy (Via): another path past it is suspect */
    static const char proxied[] =
        "GET /index.html HTTP/1.1\r\nHost: h.example\r\nVia: 1.1 edge\r\n"
        "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
        "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n";
    struct harness h;
    open_h2c_with(&h, proxied);
    const char *const same_path[] = { ":method", "GET", ":scheme", "http", ":path",
                                      "/index.html", ":authority", "h.example", NULL };
    headers(&h, DIR_C2S, 3, 0x1, same_path);
    struct session *s = harness_close(&h);
    ck_assert_no_finding(s, H2C_SMUGGLING_SUSPECTED); /* the same path again: fine */
    harness_free(&h);
    open_h2c_with(&h, proxied);
    headers(&h, DIR_C2S, 3, 0x1, req_admin);
    s = harness_close(&h);
    ck_assert_finding(s, H2C_SMUGGLING_SUSPECTED);
    harness_free(&h);
    /* no proxy in sight, but a stream for another host than the upgrade's */
    const char *const other_host[] = { ":method", "GET", ":scheme", "http", ":path", "/",
                                       ":authority", "internal.example", NULL };
    open_h2c(&h);
    headers(&h, DIR_C2S, 3, 0x1, other_host);
    s = harness_close(&h);
    ck_assert_finding(s, H2C_SMUGGLING_SUSPECTED);
    harness_free(&h);
}
END_TEST

START_TEST(continuation_sequencing)
{
    struct harness h;
    open_h2c(&h);
    uint8_t block[256];
    size_t n = hpack(DIR_C2S, req_admin, block, sizeof block);
    h2_frame(&h, DIR_C2S, 0x1, 0x1, 3, block, 5);            /* HEADERS without END_HEADERS */
    h2_frame(&h, DIR_C2S, 0x9, 0x4, 3, block + 5, n - 5);    /* its CONTINUATION */
    h2_frame(&h, DIR_C2S, 0x1, 0x1, 5, block, 3);            /* again, then... */
    const uint8_t ping[8] = { 0 };
    h2_frame(&h, DIR_C2S, 0x6, 0, 0, ping, 8);               /* ...a PING in the middle */
    struct session *s = harness_close(&h);
    ck_assert_uint_eq(finding_count(s, F_H2_FRAME_INVALID), 1);
    ck_assert_uint_ge(h2_info_get(s)->nrequests, 2);
    ck_assert_str_eq(h2_info_get(s)->requests[1].path, "/admin");
    harness_free(&h);
}
END_TEST

START_TEST(header_lists)
{
    struct harness h;
    open_h2c(&h);
    const char *const conn_hdr[] = { ":method", "GET", ":scheme", "http", ":path", "/index.html",
                                     "connection", "keep-alive", "upgrade", "websocket", NULL };
    const char *const bad[] = { ":method", "GET", "X-Upper", "1", ":path", "/index.html", NULL };
    const char *const te_ok[] = { ":method", "GET", ":scheme", "http", ":path", "/index.html",
                                  "te", "trailers", NULL };
    headers(&h, DIR_C2S, 3, 0x1, conn_hdr);
    headers(&h, DIR_C2S, 5, 0x1, bad);
    headers(&h, DIR_C2S, 7, 0x1, te_ok);
    struct session *s = harness_close(&h);
    ck_assert_uint_eq(finding_count(s, F_H2_CONNECTION_HEADER), 2);
    /* upper-case name, pseudo-header after a regular one, no :scheme */
    ck_assert_uint_ge(finding_count(s, F_H2_HEADER_INVALID), 3);
    ck_assert_no_finding(s, H2C_SMUGGLING_SUSPECTED);
    harness_free(&h);
}
END_TEST

START_TEST(hpack_error)
{
    struct harness h;
    open_h2c(&h);
    const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0xff };   /* an index far past the table */
    h2_frame(&h, DIR_C2S, 0x1, 0x5, 3, garbage, sizeof garbage);
    headers(&h, DIR_C2S, 5, 0x1, req_admin);                    /* not decoded any more */
    struct session *s = harness_close(&h);
    ck_assert_uint_eq(finding_count(s, F_H2_HPACK_ERROR), 1);
    harness_free(&h);
}
END_TEST

START_TEST(hpack_table_cap)
{
    /* the client allows a 1 GiB table; the server's encoder grows to 100000 bytes: legal, past
     * what upscope keeps, so that direction goes undecoded without a false finding */
    struct harness h;
    open_h2c(&h);
    settings(&h, DIR_C2S, H2_SETTINGS_HEADER_TABLE_SIZE, 1u << 30);
    nghttp2_hd_deflate_change_table_size(deflater[DIR_S2C], 100000);
    headers(&h, DIR_S2C, 1, 0, resp_200);
    struct session *s = harness_close(&h);
    ck_assert_no_finding(s, H2_HPACK_ERROR);
    harness_free(&h);

    /* the same growth without the client's permission is the server's error */
    open_h2c(&h);
    nghttp2_hd_deflate_change_table_size(deflater[DIR_S2C], 100000);
    headers(&h, DIR_S2C, 1, 0, resp_200);
    s = harness_close(&h);
    ck_assert_finding(s, H2_HPACK_ERROR);
    harness_free(&h);
}
END_TEST

START_TEST(prior_knowledge)
{
    struct harness h;
    harness_init(&h, false);
    free_deflaters();
    nghttp2_hd_deflate_new(&deflater[DIR_C2S], 4096);
    harness_trickle(&h, DIR_C2S, preface); /* byte by byte: the probe waits for all of it */
    settings(&h, DIR_C2S, H2_SETTINGS_ENABLE_PUSH, 0);
    headers(&h, DIR_C2S, 1, 0x1, req_admin);
    struct session *s = harness_close(&h);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->outcome, OUTCOME_PRIOR_KNOWLEDGE);
    ck_assert_int_eq(s->transition, TRANSITION_H2C);
    ck_assert_finding(s, H2_PRIOR_KNOWLEDGE);
    ck_assert_uint_eq(h2_info_get(s)->nrequests, 1);
    ck_assert_no_finding(s, H2C_SMUGGLING_SUSPECTED); /* no upgrade to compare with */
    harness_free(&h);
}
END_TEST

/* ---- TLS ---- */

/* A ClientHello body: TLS 1.2 legacy version, SNI, ALPN h2 + http/1.1, supported_versions with a
 * GREASE value, TLS 1.3, TLS 1.2. */
static size_t client_hello(uint8_t *out)
{
    static const uint8_t body[] = {
        0x03, 0x03,                                   /* legacy_version */
        0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,  /* random */
        0x00,                                         /* session id */
        0x00, 0x02, 0x13, 0x01,                       /* cipher suites */
        0x01, 0x00,                                   /* compression */
        0x00, 0x32,                                   /* extensions: 50 bytes */
        0x00, 0x00, 0x00, 0x11, 0x00, 0x0f, 0x00, 0x00, 0x0c,
        'u', 'p', 's', 'c', 'o', 'p', 'e', '.', 't', 'e', 's', 't',   /* SNI */
        0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2',
        0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',                 /* ALPN */
        0x00, 0x2b, 0x00, 0x07, 0x06, 0x3a, 0x3a, 0x03, 0x04, 0x03, 0x03,  /* versions */
    };
    memcpy(out, body, sizeof body);
    return sizeof body;
}

START_TEST(hello_parser)
{
    uint8_t ch[128];
    size_t n = client_hello(ch);
    struct tls_hello h;
    ck_assert(tls_hello_parse(TLS_HS_CLIENT_HELLO, ch, n, &h));
    ck_assert_str_eq(h.sni, "upscope.test");
    ck_assert_uint_eq(h.nalpn, 2);
    ck_assert_str_eq(h.alpn[0], "h2");
    ck_assert_str_eq(h.alpn[1], "http/1.1");
    ck_assert_uint_eq(h.nversions, 2); /* GREASE left out */
    ck_assert_uint_eq(h.versions[0], 0x0304);
    /* every truncation is a clean failure, never a read past the end (ASan watches) */
    for (size_t k = 0; k < n; k++) {
        uint8_t *copy = malloc(k ? k : 1);
        memcpy(copy, ch, k);
        tls_hello_parse(TLS_HS_CLIENT_HELLO, copy, k, &h);
        free(copy);
    }
    char buf[16];
    ck_assert_str_eq(tls_version_name(0x0303, buf), "TLS 1.2");
    ck_assert_str_eq(tls_version_name(0x7f1c, buf), "0x7f1c");
}
END_TEST

static void record(struct harness *h, enum dir dir, uint8_t type, const uint8_t *p, size_t n)
{
    uint8_t buf[512];
    buf[0] = type;
    buf[1] = 3;
    buf[2] = 3;
    buf[3] = (uint8_t)(n >> 8);
    buf[4] = (uint8_t)n;
    memcpy(buf + 5, p, n);
    harness_send(h, dir, buf, n + 5);
}

START_TEST(tls_upgrade_flow)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "OPTIONS * HTTP/1.1\r\nHost: upscope.test\r\n"
                                  "Upgrade: TLS/1.2\r\nConnection: Upgrade\r\n\r\n");
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 101 Switching Protocols\r\n"
                                  "Upgrade: TLS/1.2, HTTP/1.1\r\nConnection: Upgrade\r\n\r\n");
    uint8_t hs[200];
    size_t n = client_hello(hs + 4);
    hs[0] = 1;
    hs[1] = 0;
    hs[2] = 0;
    hs[3] = (uint8_t)n;
    record(&h, DIR_C2S, 22, hs, 10);            /* the ClientHello over two records */
    record(&h, DIR_C2S, 22, hs + 10, n + 4 - 10);
    const uint8_t appdata[20] = { 0 };
    record(&h, DIR_S2C, 22, appdata, sizeof appdata);   /* not a ServerHello: just counted */
    record(&h, DIR_S2C, 23, appdata, sizeof appdata);
    struct session *s = harness_close(&h);
    ck_assert_int_eq(s->transition, TRANSITION_TLS);
    ck_assert_int_eq(s->outcome, OUTCOME_SWITCHED);
    ck_assert_finding(s, TLS_UPGRADE_MANDATORY_OPTIONS);
    ck_assert(tls_info_get(s)->client_hello);
    ck_assert_str_eq(tls_info_get(s)->sni, "upscope.test");
    ck_assert_uint_eq(tls_info_get(s)->records[DIR_C2S], 2);
    ck_assert_uint_eq(tls_info_get(s)->records[DIR_S2C], 2);
    ck_assert(!tls_info_get(s)->server_hello);
    ck_assert_no_finding(s, TLS_UPGRADE_NOT_TLS);
    harness_free(&h);

    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: TLS/1.0\r\n"
                                  "Connection: Upgrade\r\n\r\n");
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: TLS/1.0\r\n"
                                  "Connection: Upgrade\r\n\r\n");
    record(&h, DIR_S2C, 22, appdata, 4);                 /* the server speaks first */
    harness_send_str(&h, DIR_C2S, "GET / HTTP/1.1\r\n\r\n"); /* plain HTTP, not TLS */
    s = harness_close(&h);
    ck_assert_finding(s, TLS_UPGRADE_SERVER_DATA_BEFORE_HELLO);
    ck_assert_finding(s, TLS_UPGRADE_NOT_TLS);
    harness_free(&h);
}
END_TEST

START_TEST(tls_required_and_offered)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET /secret HTTP/1.1\r\nHost: x\r\n\r\n");
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 426 Upgrade Required\r\nUpgrade: TLS/1.2, HTTP/1.1"
                                  "\r\nConnection: Upgrade\r\nContent-Length: 0\r\n\r\n");
    harness_send_str(&h, DIR_C2S, "GET /other HTTP/1.1\r\nHost: x\r\n\r\n");
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 200 OK\r\nUpgrade: TLS/1.2\r\n"
                                  "Connection: Upgrade\r\nContent-Length: 0\r\n\r\n");
    harness_close(&h);
    ck_assert_int_eq(h.nsessions, 2);
    ck_assert_int_eq(h.sessions[0]->outcome, OUTCOME_REQUIRED);
    ck_assert_int_eq(h.sessions[0]->transition, TRANSITION_TLS);
    ck_assert_finding(h.sessions[0], TLS_UPGRADE_REQUIRED);
    ck_assert_int_eq(h.sessions[1]->outcome, OUTCOME_OFFERED);
    ck_assert_finding(h.sessions[1], TLS_UPGRADE_OFFERED_BY_SERVER);
    harness_free(&h);
}
END_TEST

static Suite *http2_suite(void)
{
    Suite *s = suite_create("http2");
    TCase *tc = tcase_create("http2");
    tcase_add_checked_fixture(tc, NULL, free_deflaters);
    tcase_add_test(tc, settings_decode);
    tcase_add_test(tc, settings_rules);
    tcase_add_test(tc, clean_upgrade);
    tcase_add_test(tc, upgrade_request_findings);
    tcase_add_test(tc, prefaces);
    tcase_add_test(tc, frame_rules);
    tcase_add_test(tc, stream_rules_and_smuggling);
    tcase_add_test(tc, smuggling_signs);
    tcase_add_test(tc, no_preface_after_101);
    tcase_add_test(tc, continuation_sequencing);
    tcase_add_test(tc, header_lists);
    tcase_add_test(tc, hpack_error);
    tcase_add_test(tc, hpack_table_cap);
    tcase_add_test(tc, prior_knowledge);
    tcase_add_test(tc, hello_parser);
    tcase_add_test(tc, tls_upgrade_flow);
    tcase_add_test(tc, tls_required_and_offered);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(http2_suite());
}
