/* Unit tests for HTTP/1.1: the head parser, field lists, and the upgrade state machine. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "harness.h"
#include "h2_session.h"
#include "tls_session.h"
#include "ws_session.h"
#include "http_fields.h"
#include "http_head.h"

static struct http_head *parse(const char *s, bool req)
{
    size_t scanned = 0, n = strlen(s);
    size_t len = http_head_end((const uint8_t *)s, n, &scanned);
    ck_assert_uint_eq(len, n);
    struct http_head *h = http_head_parse((const uint8_t *)s, len, req, 0);
    ck_assert_ptr_nonnull(h);
    return h;
}

/* ---- head parser ---- */

START_TEST(head_request)
{
    struct http_head *h = parse("GET /chat?x=1 HTTP/1.1\r\nHost: a.example\r\n"
                                "Upgrade:websocket\r\nX-Empty:\r\n\r\n", true);
    ck_assert_str_eq(h->method, "GET");
    ck_assert_str_eq(h->target, "/chat?x=1");
    ck_assert_str_eq(h->version, "HTTP/1.1");
    ck_assert_uint_eq(h->major, 1);
    ck_assert_uint_eq(h->minor, 1);
    ck_assert_uint_eq(h->nfields, 3);
    ck_assert_str_eq(h->fields[1].name, "Upgrade");
    ck_assert_str_eq(h->fields[1].value, "websocket");
    ck_assert_str_eq(h->fields[2].value, "");
    ck_assert_uint_eq(h->anomalies, 0);
    ck_assert_ptr_eq(http_field_get(h, "host"), &h->fields[0]);
    http_head_free(h);
}
END_TEST

START_TEST(head_response)
{
    struct http_head *h = parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
                                false);
    ck_assert_int_eq(h->status, 101);
    ck_assert_str_eq(h->reason, "Switching Protocols");
    http_head_free(h);
    h = parse("HTTP/1.0 200\r\n\r\n", false); /* no reason phrase at all */
    ck_assert_int_eq(h->status, 200);
    ck_assert_uint_eq(h->minor, 0);
    http_head_free(h);
}
END_TEST

START_TEST(head_end_incremental)
{
    const char *s = "GET / HTTP/1.1\r\nHost: x\r\n\r\nNEXT";
    size_t scanned = 0;
    /* growing prefixes, as a trickling stream would present them */
    for (size_t n = 1; n < 27; n++)
        ck_assert_uint_eq(http_head_end((const uint8_t *)s, n, &scanned), 0);
    ck_assert_uint_eq(http_head_end((const uint8_t *)s, 27, &scanned), 27);
    scanned = 0;
    ck_assert_uint_eq(http_head_end((const uint8_t *)"GET / HTTP/1.1\nA: b\n\nX", 22, &scanned),
                      21);
}
END_TEST

START_TEST(head_anomalies)
{
    struct http_head *h = parse("GET  /  HTTP/1.1\nHost : x\r\nBad Name: y\r\nFold: a\r\n"
                                " b\r\nnocolon\r\nCtl: a\x01z\r\n\r\n", true);
    ck_assert(h->anomalies & HTTP_ANOM_BARE_LF);
    ck_assert(h->anomalies & HTTP_ANOM_EXTRA_SPACE);
    ck_assert(h->anomalies & HTTP_ANOM_SPACE_BEFORE_COLON);
    ck_assert(h->anomalies & HTTP_ANOM_BAD_FIELD_NAME);
    ck_assert(h->anomalies & HTTP_ANOM_OBS_FOLD);
    ck_assert(h->anomalies & HTTP_ANOM_NO_COLON);
    ck_assert(h->anomalies & HTTP_ANOM_CTL_IN_VALUE);
    ck_assert_str_eq(http_field_get(h, "Host")->value, "x");
    ck_assert_str_eq(http_field_get(h, "Fold")->value, "a b");
    ck_assert_uint_eq(http_field_get(h, "Fold")->value_len, 3);
    http_head_free(h);
    h = parse("GET /\r\n\r\n", true);
    ck_assert(h->anomalies & HTTP_ANOM_BAD_START_LINE);
    http_head_free(h);
    h = parse("HTTP/1.1 2x0 OK\r\n\r\n", false);
    ck_assert(h->anomalies & HTTP_ANOM_BAD_START_LINE);
    ck_assert_int_eq(h->status, 0);
    http_head_free(h);
}
END_TEST

/* ---- field syntax ---- */

START_TEST(list_elements)
{
    const char *v = " ,a, \"b,c\" ;q=1 ,,  d ,";
    struct span rest = { v, strlen(v) }, e;
    ck_assert(list_next(&rest, &e));
    ck_assert(span_eq_ci(e, "a"));
    ck_assert(list_next(&rest, &e));
    ck_assert(span_eq_ci(e, "\"b,c\" ;q=1"));
    ck_assert(list_next(&rest, &e));
    ck_assert(span_eq_ci(e, "d"));
    ck_assert(!list_next(&rest, &e));
}
END_TEST

START_TEST(tokens_combined_over_lines)
{
    struct http_head *h = parse("GET / HTTP/1.1\r\nConnection: keep-alive\r\n"
                                "Connection: UPGRADE , foo\r\n\r\n", true);
    ck_assert(http_field_has_token(h, "connection", "upgrade"));
    ck_assert(http_field_has_token(h, "Connection", "Keep-Alive"));
    ck_assert(!http_field_has_token(h, "Connection", "upgrad"));
    ck_assert_uint_eq(http_field_count(h, "CONNECTION"), 2);
    http_head_free(h);
}
END_TEST

START_TEST(parameters)
{
    const char *e = "permessage-deflate; client_max_window_bits; server_max_window_bits=\"10\"";
    struct span rest, name = param_first((struct span){ e, strlen(e) }, &rest), pn, pv;
    bool hv, q;
    ck_assert(span_eq_ci(name, "permessage-deflate"));
    ck_assert(param_next(&rest, &pn, &pv, &hv, &q));
    ck_assert(span_eq_ci(pn, "client_max_window_bits"));
    ck_assert(!hv);
    ck_assert(param_next(&rest, &pn, &pv, &hv, &q));
    ck_assert(span_eq_ci(pn, "server_max_window_bits"));
    ck_assert(hv && q);
    ck_assert(span_eq_ci(pv, "10"));
    ck_assert(!param_next(&rest, &pn, &pv, &hv, &q));
}
END_TEST

/* ---- the state machine ---- */

static const char ws_request[] =
    "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";
static const char ws_101[] =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
/* a masked text frame "Hi" and an unmasked one */
static const uint8_t masked_hi[] = { 0x81, 0x82, 1, 2, 3, 4, 'H' ^ 1, 'i' ^ 2 };
static const uint8_t server_hi[] = { 0x81, 0x02, 'H', 'i' };

START_TEST(keepalive_then_upgrade)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    harness_send_str(&h, DIR_C2S, "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
                                  "\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  "4;ext=1\r\nwxyz\r\n0\r\nTrailer: t\r\n\r\n");
    ck_assert_int_eq(h.nsessions, 0);
    harness_send_str(&h, DIR_C2S, ws_request);
    harness_send_str(&h, DIR_S2C, ws_101);
    harness_send(&h, DIR_C2S, masked_hi, sizeof masked_hi);
    harness_send(&h, DIR_S2C, server_hi, sizeof server_hi);
    struct session *s = harness_close(&h);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->outcome, OUTCOME_SWITCHED);
    ck_assert_int_eq(s->transition, TRANSITION_WEBSOCKET);
    ck_assert_clean(s);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_C2S][WSF_TEXT], 1);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_S2C][WSF_TEXT], 1);
    harness_free(&h);
}
END_TEST

START_TEST(trickled_handshake_and_coalesced_frames)
{
    /* the response head and the first frame in one segment; everything else byte by byte */
    struct harness h;
    harness_init(&h, false);
    harness_trickle(&h, DIR_C2S, ws_request);
    uint8_t both[sizeof ws_101 - 1 + sizeof server_hi];
    memcpy(both, ws_101, sizeof ws_101 - 1);
    memcpy(both + sizeof ws_101 - 1, server_hi, sizeof server_hi);
    harness_send(&h, DIR_S2C, both, sizeof both);
    for (size_t i = 0; i < sizeof masked_hi; i++)
        harness_send(&h, DIR_C2S, masked_hi + i, 1);
    struct session *s = harness_close(&h);
    ck_assert_int_eq(s->outcome, OUTCOME_SWITCHED);
    ck_assert_clean(s);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_S2C][WSF_TEXT], 1);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_C2S][WSF_TEXT], 1);
    ck_assert_uint_eq(ws_info_get(s)->messages[DIR_C2S], 1);
    harness_free(&h);
}
END_TEST

START_TEST(client_data_before_switch)
{
    /* the client's frame follows its request before the server said 101 */
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, ws_request);
    harness_send(&h, DIR_C2S, masked_hi, sizeof masked_hi);
    harness_send_str(&h, DIR_S2C, ws_101);
    struct session *s = harness_close(&h);
    ck_assert_finding(s, CLIENT_DATA_BEFORE_SWITCH);
    /* the held bytes still went to the WebSocket dissector, at the right byte */
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_C2S][WSF_TEXT], 1);
    ck_assert_no_finding(s, WS_CLIENT_FRAME_UNMASKED);
    harness_free(&h);
}
END_TEST

START_TEST(declined_then_pipelined_request)
{
    /* a refused upgrade: the bytes after the request are HTTP again */
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, ws_request);
    harness_send_str(&h, DIR_C2S, "GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno");
    ck_assert_int_eq(h.nsessions, 1);
    ck_assert_int_eq(h.sessions[0]->outcome, OUTCOME_DECLINED);
    ck_assert_no_finding(h.sessions[0], CLIENT_DATA_BEFORE_SWITCH);
    /* the next request/response pair goes through; then another upgrade attempt */
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    harness_send_str(&h, DIR_C2S, ws_request);
    harness_send_str(&h, DIR_S2C, ws_101);
    struct session *s = harness_close(&h);
    ck_assert_int_eq(h.nsessions, 2);
    ck_assert_int_eq(s->outcome, OUTCOME_SWITCHED);
    harness_free(&h);
}
END_TEST

START_TEST(upgrade_with_body_switches_after_it)
{
    /* RFC 7540 §3.2: the request body is HTTP/1.1; the new protocol starts after it */
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "POST /up HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\nSec-WebSocket-Key: "
                                  "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                                  "Content-Length: 4\r\n\r\nbo");
    harness_send_str(&h, DIR_S2C, ws_101);
    uint8_t rest[2 + sizeof masked_hi] = { 'd', 'y' };
    memcpy(rest + 2, masked_hi, sizeof masked_hi);
    harness_send(&h, DIR_C2S, rest, sizeof rest);
    struct session *s = harness_close(&h);
    ck_assert_finding(s, WS_METHOD_NOT_GET);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_C2S][WSF_TEXT], 1);
    ck_assert_no_finding(s, WS_CLIENT_FRAME_UNMASKED);
    harness_free(&h);
}
END_TEST

START_TEST(unsolicited_101)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    harness_send_str(&h, DIR_S2C, ws_101);
    struct session *s = harness_close(&h);
    ck_assert_int_eq(s->outcome, OUTCOME_UNSOLICITED);
    ck_assert_finding(s, UPGRADE_101_NOT_REQUESTED);
    harness_free(&h);
}
END_TEST

START_TEST(midstream_101)
{
    /* picked up after the request: a 101 is not "unsolicited", only unexplained */
    struct harness h;
    harness_init(&h, true);
    dispatch_data(&h.dx, 1, (const uint8_t *)ws_101, strlen(ws_101), 10);
    struct session *s = harness_close(&h);
    ck_assert_int_eq(s->outcome, OUTCOME_MIDSTREAM);
    ck_assert_no_finding(s, UPGRADE_101_NOT_REQUESTED);
    harness_free(&h);
}
END_TEST

START_TEST(generic_upgrade_findings)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET / HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                  "Sec-WebSocket-Version: 13\r\n\r\n");
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: foo/2\r\n"
                                  "Connection: upgrade\r\n\r\n");
    struct session *s = harness_close(&h);
    ck_assert_finding(s, UPGRADE_CONNECTION_TOKEN_MISSING);
    ck_assert_finding(s, UPGRADE_IN_HTTP10);
    ck_assert_finding(s, UPGRADE_101_TO_HTTP10); /* RFC 9110 §7.8: it must be ignored */
    ck_assert_finding(s, UPGRADE_101_PROTOCOL_NOT_OFFERED);
    ck_assert_finding(s, WS_HTTP_VERSION_TOO_OLD);
    ck_assert_int_eq(s->transition, TRANSITION_NONE); /* foo/2: nothing upscope speaks */
    harness_free(&h);

    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, ws_request);
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 101 Switching Protocols\r\n\r\n");
    s = harness_close(&h);
    ck_assert_finding(s, UPGRADE_101_UPGRADE_HEADER_MISSING);
    ck_assert_int_eq(s->transition, TRANSITION_WEBSOCKET); /* the one asked for */
    harness_free(&h);

    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, ws_request);
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n");
    s = harness_close(&h);
    ck_assert_int_eq(s->outcome, OUTCOME_REQUIRED);
    ck_assert_finding(s, UPGRADE_426_UPGRADE_HEADER_MISSING);
    ck_assert_finding(s, WS_426_VERSION_MISSING);
    harness_free(&h);
}
END_TEST

START_TEST(no_response)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, ws_request);
    struct session *s = harness_close(&h);
    ck_assert_int_eq(s->outcome, OUTCOME_NO_RESPONSE);
    ck_assert_ptr_null(s->response);
    harness_free(&h);
}
END_TEST

START_TEST(malformed_and_oversized)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET /chat HTTP/1.1\nHost: x\nUpgrade: websocket\n"
                                  "Connection : Upgrade\n\n");
    struct session *s = harness_close(&h);
    ck_assert_finding(s, HTTP_MALFORMED);
    ck_assert_uint_ge(finding_count(s, F_HTTP_MALFORMED), 2); /* bare LF, space before colon */
    harness_free(&h);

    /* a head over the limit that arrives whole, end included */
    harness_init(&h, false);
    char whole[20000];
    memset(whole, 'a', sizeof whole);
    memcpy(whole, "GET / HTTP/1.1\r\nUpgrade: websocket\r\nX: ", 39);
    memcpy(whole + sizeof whole - 4, "\r\n\r\n", 4);
    harness_send(&h, DIR_C2S, whole, sizeof whole);
    s = harness_close(&h);
    /* never parsed, so no upgrade session; the finding is kept in one of the connection's */
    ck_assert_uint_eq(h.ctx.stats.sessions, 1);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->transition, TRANSITION_NONE);
    ck_assert_int_eq(s->outcome, OUTCOME_NONE);
    ck_assert_finding(s, HTTP_HEADER_TOO_LARGE);
    harness_free(&h);

    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, ws_request);
    char big[20000];
    memset(big, 'a', sizeof big);
    memcpy(big, "HTTP/1.1 101 OK\r\nX: ", 20);
    harness_send(&h, DIR_S2C, big, sizeof big);
    s = harness_close(&h);
    ck_assert_finding(s, HTTP_HEADER_TOO_LARGE);
    harness_free(&h);
}
END_TEST

START_TEST(gap_inside_body_keeps_framing)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    harness_gap(&h, DIR_S2C, 80);
    harness_send_str(&h, DIR_S2C, "0123456789");
    harness_send_str(&h, DIR_C2S, ws_request);
    harness_send_str(&h, DIR_S2C, ws_101);
    struct session *s = harness_close(&h);
    ck_assert_int_eq(s->outcome, OUTCOME_SWITCHED);
    harness_free(&h);
}
END_TEST

START_TEST(resync_after_gap)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET /a HTTP/1.1\r\nHost: x\r\n");
    harness_gap(&h, DIR_C2S, 50); /* lost the rest of that head */
    harness_send_str(&h, DIR_C2S, "garbage that is not a request");
    harness_send_str(&h, DIR_C2S, ws_request);
    harness_send_str(&h, DIR_S2C, ws_101);
    struct session *s = harness_close(&h);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->transition, TRANSITION_WEBSOCKET);
    harness_free(&h);
}
END_TEST

START_TEST(server_offer_once_per_connection)
{
    struct harness h;
    harness_init(&h, false);
    for (int i = 0; i < 3; i++) {
        harness_send_str(&h, DIR_C2S, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        harness_send_str(&h, DIR_S2C, "HTTP/1.1 200 OK\r\nUpgrade: websocket\r\n"
                                      "Connection: Upgrade\r\nContent-Length: 0\r\n\r\n");
    }
    harness_close(&h);
    ck_assert_int_eq(h.nsessions, 1);
    ck_assert_int_eq(h.sessions[0]->outcome, OUTCOME_OFFERED);
    harness_free(&h);
}
END_TEST

START_TEST(roles_from_first_bytes)
{
    /* picked up mid-stream with the ports the wrong way round: the response tells */
    struct harness h;
    harness_init(&h, true);
    h.flow.client = 1; /* the guess says the other side is the client */
    dispatch_data(&h.dx, 0, (const uint8_t *)ws_request, strlen(ws_request), 10);
    dispatch_data(&h.dx, 1, (const uint8_t *)ws_101, strlen(ws_101), 11);
    struct session *s = harness_close(&h);
    ck_assert_int_eq(s->outcome, OUTCOME_SWITCHED);
    ck_assert_int_eq(h.flow.client, 0);
    ck_assert_uint_eq(s->client_port, 40000);
    harness_free(&h);
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("http");
    tcase_add_test(tc, head_request);
    tcase_add_test(tc, head_response);
    tcase_add_test(tc, head_end_incremental);
    tcase_add_test(tc, head_anomalies);
    tcase_add_test(tc, list_elements);
    tcase_add_test(tc, tokens_combined_over_lines);
    tcase_add_test(tc, parameters);
    tcase_add_test(tc, keepalive_then_upgrade);
    tcase_add_test(tc, trickled_handshake_and_coalesced_frames);
    tcase_add_test(tc, client_data_before_switch);
    tcase_add_test(tc, declined_then_pipelined_request);
    tcase_add_test(tc, upgrade_with_body_switches_after_it);
    tcase_add_test(tc, unsolicited_101);
    tcase_add_test(tc, midstream_101);
    tcase_add_test(tc, generic_upgrade_findings);
    tcase_add_test(tc, no_response);
    tcase_add_test(tc, malformed_and_oversized);
    tcase_add_test(tc, gap_inside_body_keeps_framing);
    tcase_add_test(tc, resync_after_gap);
    tcase_add_test(tc, server_offer_once_per_connection);
    tcase_add_test(tc, roles_from_first_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(http_suite());
}
