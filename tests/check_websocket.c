/* Unit tests for WebSocket: the Accept computation, handshake checks, the frame parser and every
 * frame-level finding, permessage-deflate, UTF-8 and the escaping of wire bytes. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "check_main.h"
#include "escape.h"
#include "harness.h"
#include "h2_session.h"
#include "tls_session.h"
#include "ws_session.h"
#include "report_json.h"
#include "utf8.h"
#include "ws_frame.h"
#include "ws_handshake.h"

static const char request_fmt[] =
    "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n%s\r\n";
static const char response_fmt[] =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n%s\r\n";

/* Opens a WebSocket with extra request and response header lines. */
static void open_ws(struct harness *h, const char *req_extra, const char *resp_extra)
{
    char buf[2048];
    harness_init(h, false);
    snprintf(buf, sizeof buf, request_fmt, req_extra);
    harness_send_str(h, DIR_C2S, buf);
    snprintf(buf, sizeof buf, response_fmt, resp_extra);
    harness_send_str(h, DIR_S2C, buf);
}

/* Builds a frame: b0 is FIN/RSV/opcode; the length is encoded minimally unless len_form says
 * 126 or 127; a client frame is masked with 0x11223344 when mask is set. */
static size_t build(uint8_t *out, uint8_t b0, const void *payload, size_t n, bool mask,
                    int len_form)
{
    size_t o = 0;
    out[o++] = b0;
    uint8_t m = mask ? 0x80 : 0;
    int form = len_form ? len_form : n < 126 ? 0 : n < 65536 ? 126 : 127;
    if (form == 0) {
        out[o++] = m | (uint8_t)n;
    } else if (form == 126) {
        out[o++] = m | 126;
        out[o++] = (uint8_t)(n >> 8);
        out[o++] = (uint8_t)n;
    } else {
        out[o++] = m | 127;
        for (int i = 7; i >= 0; i--)
            out[o++] = (uint8_t)((uint64_t)n >> (8 * i));
    }
    static const uint8_t key[4] = { 0x11, 0x22, 0x33, 0x44 };
    if (mask) {
        memcpy(out + o, key, 4);
        o += 4;
    }
    const uint8_t *p = payload;
    for (size_t i = 0; i < n; i++)
        out[o + i] = mask ? p[i] ^ key[i & 3] : p[i];
    return o + n;
}

/* Sends one frame in direction dir (client frames masked, server frames not). */
static void frame(struct harness *h, enum dir dir, uint8_t b0, const void *p, size_t n)
{
    uint8_t buf[70000 + 14];
    harness_send(h, dir, buf, build(buf, b0, p, n, dir == DIR_C2S, 0));
}

static struct session *close_ws(struct harness *h)
{
    return harness_close(h);
}

/* ---- Accept, key, frame header ---- */

START_TEST(accept_rfc_example)
{
    char out[WS_ACCEPT_LEN + 1];
    ws_accept_compute("dGhlIHNhbXBsZSBub25jZQ==", 24, out); /* RFC 6455 §1.3 */
    ck_assert_str_eq(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    ck_assert(ws_key_valid("dGhlIHNhbXBsZSBub25jZQ==", 24));
    ck_assert(!ws_key_valid("c3VyaWNhdGEtdGVzdC1rZXkh", 24)); /* 18 bytes */
    ck_assert(!ws_key_valid("dGhlIHNhbXBsZSBub25jZQ=", 23));
    ck_assert(!ws_key_valid("dGhlIHNhbXBsZSBub25jZ!==", 24));
}
END_TEST

START_TEST(header_parse)
{
    struct ws_frame_header fh;
    const uint8_t small[] = { 0x81, 0x85, 1, 2, 3, 4 };
    ck_assert(ws_frame_header_parse(small, sizeof small, &fh));
    ck_assert(fh.fin && fh.masked && !fh.rsv1);
    ck_assert_uint_eq(fh.opcode, 1);
    ck_assert_uint_eq(fh.payload_len, 5);
    ck_assert_uint_eq(fh.header_len, 6);
    ck_assert(!ws_frame_header_parse(small, 5, &fh)); /* the mask is cut */
    const uint8_t l16[] = { 0x82, 0x7E, 0x01, 0x00 };
    ck_assert(ws_frame_header_parse(l16, 4, &fh));
    ck_assert_uint_eq(fh.payload_len, 256);
    ck_assert(!fh.len_not_minimal);
    const uint8_t l64[] = { 0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0x11, 0x70 };
    ck_assert(ws_frame_header_parse(l64, 10, &fh));
    ck_assert_uint_eq(fh.payload_len, 70000);
    ck_assert(!fh.len_not_minimal);
    const uint8_t msb[] = { 0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1 };
    ck_assert(ws_frame_header_parse(msb, 10, &fh));
    ck_assert(fh.len_msb_set);
    ck_assert(ws_close_code_valid(1000) && ws_close_code_valid(1011) &&
              ws_close_code_valid(4999));
    ck_assert(!ws_close_code_valid(999) && !ws_close_code_valid(1004) &&
              !ws_close_code_valid(1005) && !ws_close_code_valid(1006) &&
              !ws_close_code_valid(1015) && !ws_close_code_valid(2000) &&
              !ws_close_code_valid(5000));
}
END_TEST

/* ---- handshake ---- */

START_TEST(clean_session)
{
    struct harness h;
    open_ws(&h, "Sec-WebSocket-Protocol: chat, superchat\r\nOrigin: http://server.example.com\r\n",
            "Sec-WebSocket-Protocol: superchat\r\n");
    frame(&h, DIR_C2S, 0x81, "hello", 5);
    frame(&h, DIR_S2C, 0x81, "hello", 5);
    frame(&h, DIR_C2S, 0x89, "p", 1);
    frame(&h, DIR_S2C, 0x8A, "p", 1);
    frame(&h, DIR_C2S, 0x88, "\x03\xe8" "bye", 5);
    frame(&h, DIR_S2C, 0x88, "\x03\xe8", 2);
    struct session *s = close_ws(&h);
    ck_assert_clean(s);
    ck_assert(ws_info_get(s)->accept_valid);
    ck_assert_str_eq(ws_info_get(s)->subprotocol, "superchat");
    ck_assert_uint_eq(ws_info_get(s)->subprotocols_offered.n, 2);
    ck_assert_int_eq(ws_info_get(s)->close.code, 1000);
    ck_assert_str_eq(ws_info_get(s)->close.reason, "bye");
    ck_assert_int_eq(ws_info_get(s)->close.initiator, DIR_C2S);
    ck_assert(ws_info_get(s)->close.replied);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_C2S][WSF_PING], 1);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_S2C][WSF_PONG], 1);
    harness_free(&h);
}
END_TEST

START_TEST(request_findings)
{
    struct harness h;
    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "POST /chat HTTP/1.1\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\nSec-WebSocket-Key: abc\r\n"
                                  "Sec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 8\r\n"
                                  "Origin: https://evil.example\r\n\r\n");
    struct session *s = harness_close(&h);
    ck_assert_finding(s, WS_METHOD_NOT_GET);
    ck_assert_finding(s, WS_HOST_MISSING);
    ck_assert_finding(s, WS_KEY_DUPLICATE);
    ck_assert_finding(s, WS_KEY_INVALID);
    ck_assert_finding(s, WS_VERSION_UNSUPPORTED);
    ck_assert_no_finding(s, WS_ORIGIN_CROSS_SITE); /* no Host to compare with */
    harness_free(&h);

    harness_init(&h, false);
    harness_send_str(&h, DIR_C2S, "GET / HTTP/1.1\r\nHost: a.example:8080\r\n"
                                  "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Origin: https://b.example\r\n\r\n");
    s = harness_close(&h);
    ck_assert_finding(s, WS_KEY_MISSING);
    ck_assert_finding(s, WS_VERSION_MISSING);
    ck_assert_finding(s, WS_ORIGIN_CROSS_SITE);
    harness_free(&h);
}
END_TEST

START_TEST(response_findings)
{
    struct harness h;
    harness_init(&h, false);
    char buf[1024];
    snprintf(buf, sizeof buf, request_fmt, "Sec-WebSocket-Extensions: x-webkit; a=1\r\n");
    harness_send_str(&h, DIR_C2S, buf);
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                                  "Connection: keep-alive\r\n"
                                  "Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                  "Sec-WebSocket-Protocol: chat\r\n"
                                  "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n");
    struct session *s = harness_close(&h);
    ck_assert_finding(s, WS_RESPONSE_CONNECTION_INVALID);
    ck_assert_finding(s, WS_ACCEPT_MISMATCH);
    ck_assert_finding(s, WS_SUBPROTOCOL_NOT_OFFERED);
    ck_assert_finding(s, WS_EXTENSION_NOT_OFFERED);
    ck_assert(!ws_info_get(s)->accept_valid);
    ck_assert_str_eq(ws_info_get(s)->accept_expected, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    harness_free(&h);

    harness_init(&h, false);
    snprintf(buf, sizeof buf, request_fmt, "");
    harness_send_str(&h, DIR_C2S, buf);
    harness_send_str(&h, DIR_S2C, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket2\r\n"
                                  "Connection: upgrade\r\n\r\n");
    s = harness_close(&h);
    ck_assert_finding(s, WS_ACCEPT_MISSING);
    ck_assert_finding(s, WS_RESPONSE_UPGRADE_INVALID);
    ck_assert_finding(s, UPGRADE_101_PROTOCOL_NOT_OFFERED);
    harness_free(&h);
}
END_TEST

START_TEST(deflate_params)
{
    struct ws_deflate_params p;
    char why[160];
    const char *ok = "; server_no_context_takeover; client_max_window_bits=10";
    ck_assert(ws_deflate_params_parse((struct span){ ok, strlen(ok) }, false, true, &p, why,
                                      sizeof why));
    ck_assert(p.server_no_context_takeover && !p.client_no_context_takeover);
    ck_assert_uint_eq(p.client_max_window_bits, 10);
    ck_assert_uint_eq(p.server_max_window_bits, 15);
    const char *bad[] = { "server_max_window_bits=7", "server_max_window_bits=010",
                          "server_max_window_bits", "client_no_context_takeover=1",
                          "mystery=1", "server_no_context_takeover; server_no_context_takeover" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!ws_deflate_params_parse((struct span){ bad[i], strlen(bad[i]) }, true,
                                               true, &p, why, sizeof why), "%s", bad[i]);
    const char *cmwb = "client_max_window_bits";
    ck_assert(ws_deflate_params_parse((struct span){ cmwb, strlen(cmwb) }, true, true, &p, why,
                                      sizeof why)); /* no value: fine in an offer */
    ck_assert(!ws_deflate_params_parse((struct span){ cmwb, strlen(cmwb) }, false, true, &p,
                                       why, sizeof why)); /* not in a response */
    const char *cm9 = "client_max_window_bits=9";
    ck_assert(!ws_deflate_params_parse((struct span){ cm9, strlen(cm9) }, false, false, &p,
                                       why, sizeof why)); /* not offered */

    struct harness h;
    open_ws(&h, "Sec-WebSocket-Extensions: permessage-deflate\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=9\r\n");
    struct session *s = harness_close(&h);
    ck_assert_finding(s, WS_DEFLATE_PARAMS_INVALID);
    harness_free(&h);
}
END_TEST

/* ---- frames ---- */

START_TEST(masking_rules)
{
    struct harness h;
    open_ws(&h, "", "");
    uint8_t buf[64];
    harness_send(&h, DIR_C2S, buf, build(buf, 0x81, "x", 1, false, 0));
    harness_send(&h, DIR_S2C, buf, build(buf, 0x81, "y", 1, true, 0));
    struct session *s = close_ws(&h);
    ck_assert_finding(s, WS_CLIENT_FRAME_UNMASKED);
    ck_assert_finding(s, WS_SERVER_FRAME_MASKED);
    harness_free(&h);
}
END_TEST

START_TEST(rsv_and_opcodes)
{
    struct harness h;
    open_ws(&h, "", "");
    frame(&h, DIR_C2S, 0xA1, "a", 1);  /* RSV2 */
    frame(&h, DIR_C2S, 0xC1, "a", 1);  /* RSV1 without deflate */
    frame(&h, DIR_S2C, 0x83, "a", 1);  /* opcode 3 */
    frame(&h, DIR_S2C, 0x8B, "a", 1);  /* opcode 0xB */
    struct session *s = close_ws(&h);
    ck_assert_uint_eq(finding_count(s, F_WS_RSV_BITS_SET), 2);
    ck_assert_uint_eq(finding_count(s, F_WS_OPCODE_RESERVED), 2);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_S2C][WSF_RESERVED], 2);
    harness_free(&h);
}
END_TEST

START_TEST(control_frames)
{
    struct harness h;
    open_ws(&h, "", "");
    char big[126];
    memset(big, 'p', sizeof big);
    frame(&h, DIR_C2S, 0x89, big, sizeof big);  /* ping of 126 */
    frame(&h, DIR_S2C, 0x0A, "x", 1);           /* pong without FIN */
    frame(&h, DIR_C2S, 0x81, "after", 5);
    struct session *s = close_ws(&h);
    ck_assert_finding(s, WS_CONTROL_FRAME_TOO_LONG);
    ck_assert_finding(s, WS_CONTROL_FRAME_FRAGMENTED);
    /* framing stayed in step: the text frame after them was read as one */
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_C2S][WSF_TEXT], 1);
    ck_assert_uint_eq(ws_info_get(s)->messages[DIR_C2S], 1);
    harness_free(&h);
}
END_TEST

START_TEST(fragmentation)
{
    struct harness h;
    open_ws(&h, "", "");
    frame(&h, DIR_C2S, 0x80, "orphan", 6);      /* continuation, nothing started */
    frame(&h, DIR_C2S, 0x01, "one ", 4);        /* text, not final */
    frame(&h, DIR_C2S, 0x89, "", 0);            /* a ping in between: allowed (§5.4) */
    frame(&h, DIR_C2S, 0x80, "two", 3);         /* final continuation */
    frame(&h, DIR_S2C, 0x02, "a", 1);           /* binary, not final */
    frame(&h, DIR_S2C, 0x81, "b", 1);           /* a new text message: interleaved */
    struct session *s = close_ws(&h);
    ck_assert_uint_eq(finding_count(s, F_WS_CONTINUATION_UNEXPECTED), 1);
    ck_assert_uint_eq(finding_count(s, F_WS_FRAGMENT_INTERLEAVED), 1);
    ck_assert_no_finding(s, WS_CONTROL_FRAME_FRAGMENTED);
    ck_assert_uint_eq(ws_info_get(s)->messages[DIR_C2S], 1);
    ck_assert_uint_eq(ws_info_get(s)->message_bytes[DIR_C2S], 7); /* the orphan is no message */
    harness_free(&h);
}
END_TEST

START_TEST(length_encodings)
{
    struct harness h;
    open_ws(&h, "", "");
    uint8_t buf[400];
    harness_send(&h, DIR_S2C, buf, build(buf, 0x82, "12345", 5, false, 126));
    char p300[300];
    memset(p300, 'z', sizeof p300);
    harness_send(&h, DIR_S2C, buf, build(buf, 0x82, p300, sizeof p300, false, 127));
    harness_send(&h, DIR_S2C, buf, build(buf, 0x82, p300, sizeof p300, false, 126));
    struct session *s = close_ws(&h);
    ck_assert_uint_eq(finding_count(s, F_WS_LENGTH_NOT_MINIMAL), 2);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_S2C][WSF_BINARY], 3);
    harness_free(&h);

    open_ws(&h, "", "");
    const uint8_t msb[] = { 0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1, 'x' };
    harness_send(&h, DIR_S2C, msb, sizeof msb);
    s = close_ws(&h);
    ck_assert_finding(s, WS_LENGTH_MSB_SET);
    harness_free(&h);
}
END_TEST

START_TEST(text_utf8)
{
    struct harness h;
    open_ws(&h, "", "");
    frame(&h, DIR_C2S, 0x81, "caf\xc3\xa9", 5);          /* valid */
    frame(&h, DIR_C2S, 0x01, "\xe2\x82", 2);             /* € split over two fragments */
    frame(&h, DIR_C2S, 0x80, "\xac!", 2);                /* valid once joined */
    frame(&h, DIR_S2C, 0x81, "bad \xc0\xaf", 6);         /* overlong '/' */
    frame(&h, DIR_S2C, 0x81, "cut \xe2\x82", 6);         /* ends mid-character */
    frame(&h, DIR_S2C, 0x82, "\xff\xfe", 2);             /* binary: anything goes */
    struct session *s = close_ws(&h);
    ck_assert_uint_eq(finding_count(s, F_WS_TEXT_INVALID_UTF8), 2);
    for (uint32_t i = 0; i < s->nfindings; i++)
        ck_assert_int_eq(s->findings[i].dir, DIR_S2C);
    harness_free(&h);
}
END_TEST

START_TEST(close_frames)
{
    struct harness h;
    open_ws(&h, "", "");
    frame(&h, DIR_C2S, 0x88, "\x03\xed", 2);             /* 1005: must not be sent */
    frame(&h, DIR_C2S, 0x81, "late", 4);                 /* data after close */
    frame(&h, DIR_S2C, 0x88, "\x03", 1);                 /* 1-byte payload */
    struct session *s = close_ws(&h);
    ck_assert_finding(s, WS_CLOSE_CODE_INVALID);
    ck_assert_finding(s, WS_DATA_AFTER_CLOSE);
    ck_assert_finding(s, WS_CLOSE_PAYLOAD_INVALID);
    ck_assert_int_eq(ws_info_get(s)->close.code, 1005);
    ck_assert_int_eq(ws_info_get(s)->close.initiator, DIR_C2S);
    harness_free(&h);

    open_ws(&h, "", "");
    frame(&h, DIR_S2C, 0x88, "\x0f\xa0" "\xff", 3);     /* 4000, reason not UTF-8 */
    frame(&h, DIR_C2S, 0x88, "\x03\xe7", 2);             /* 999 */
    s = close_ws(&h);
    ck_assert_finding(s, WS_CLOSE_PAYLOAD_INVALID);
    ck_assert_finding(s, WS_CLOSE_CODE_INVALID);
    ck_assert_int_eq(ws_info_get(s)->close.code, 4000);
    ck_assert(ws_info_get(s)->close.replied);
    harness_free(&h);
}
END_TEST

START_TEST(truncated_frames)
{
    struct harness h;
    open_ws(&h, "", "");
    uint8_t buf[64];
    size_t n = build(buf, 0x81, "0123456789", 10, true, 0);
    harness_send(&h, DIR_C2S, buf, n - 4);              /* payload cut */
    harness_send(&h, DIR_S2C, "\x81", 1);                /* header cut */
    struct session *s = close_ws(&h);
    ck_assert_uint_eq(finding_count(s, F_WS_FRAME_TRUNCATED), 2);
    harness_free(&h);
}
END_TEST

START_TEST(gap_inside_payload_keeps_framing)
{
    struct harness h;
    open_ws(&h, "", "");
    uint8_t buf[200];
    char p[100];
    memset(p, 'a', sizeof p);
    size_t n = build(buf, 0x82, p, sizeof p, false, 0);
    harness_send(&h, DIR_S2C, buf, 20);
    harness_gap(&h, DIR_S2C, 50);
    harness_send(&h, DIR_S2C, buf + 70, n - 70);
    frame(&h, DIR_S2C, 0x81, "next", 4);
    struct session *s = close_ws(&h);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_S2C][WSF_BINARY], 1);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_S2C][WSF_TEXT], 1);
    ck_assert_uint_eq(s->nfindings, 0);
    harness_free(&h);
}
END_TEST

START_TEST(resync_after_gap)
{
    struct harness h;
    open_ws(&h, "", "");
    uint8_t buf[64];
    size_t n = build(buf, 0x81, "0123456789", 10, false, 0);
    harness_send(&h, DIR_S2C, buf, 3);
    harness_gap(&h, DIR_S2C, 300); /* more than the frame: framing is lost */
    harness_send(&h, DIR_S2C, "\x33\x44garbage", 9);   /* not a frame start: skipped */
    harness_send(&h, DIR_S2C, buf, n);                  /* a real frame at a segment start */
    struct session *s = close_ws(&h);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_S2C][WSF_TEXT], 2);
    ck_assert_no_finding(s, WS_OPCODE_RESERVED);
    harness_free(&h);
}
END_TEST

/* RFC 7692 §7.2.3.1/§7.2.3.2: "Hello" compressed, and the same again with context takeover */
static const uint8_t hello_z[] = { 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00 };
static const uint8_t hello_again_z[] = { 0xf2, 0x00, 0x11, 0x00, 0x00 };

START_TEST(deflate_messages)
{
    struct harness h;
    open_ws(&h, "Sec-WebSocket-Extensions: permessage-deflate\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    frame(&h, DIR_S2C, 0xC1, hello_z, sizeof hello_z);
    frame(&h, DIR_S2C, 0xC1, hello_again_z, sizeof hello_again_z);
    frame(&h, DIR_C2S, 0x41, hello_z, 3);               /* compressed, fragmented */
    frame(&h, DIR_C2S, 0x80, hello_z + 3, sizeof hello_z - 3);
    struct session *s = close_ws(&h);
    ck_assert_clean(s);
    ck_assert(ws_info_get(s)->deflate);
    ck_assert_uint_eq(ws_info_get(s)->message_bytes[DIR_S2C], 10);
    ck_assert_uint_eq(ws_info_get(s)->message_bytes[DIR_C2S], 5);
    harness_free(&h);
}
END_TEST

START_TEST(deflate_context_takeover_honoured)
{
    /* the server promised no context takeover, then referred back to the last message */
    struct harness h;
    open_ws(&h, "Sec-WebSocket-Extensions: permessage-deflate\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n");
    frame(&h, DIR_S2C, 0xC1, hello_z, sizeof hello_z);
    frame(&h, DIR_S2C, 0xC1, hello_again_z, sizeof hello_again_z);
    struct session *s = close_ws(&h);
    ck_assert_finding(s, WS_DEFLATE_ERROR);
    harness_free(&h);
}
END_TEST

/* Raw deflate of `n` bytes with window `bits`, sync-flushed and without the 00 00 ff ff tail,
 * as a permessage-deflate sender produces it. */
static size_t compress_message(const uint8_t *in, size_t n, int bits, uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ck_assert_int_eq(deflateInit2(&z, 9, Z_DEFLATED, -bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&z, Z_SYNC_FLUSH), Z_OK);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    ck_assert_uint_ge(len, 4);
    return len - 4;
}

START_TEST(deflate_window_bits_honoured)
{
    /* 1000 pseudo-random bytes, then the first 200 again: a back-reference 1000 bytes away,
     * beyond 1.5 times a 2^9 = 512-byte window */
    uint8_t msg[1200], z[1400];
    uint32_t x = 12345;
    for (int i = 0; i < 1000; i++) {
        x = x * 1103515245u + 12345u;
        msg[i] = (uint8_t)('a' + (x >> 16) % 26);
    }
    memcpy(msg + 1000, msg, 200);
    size_t n = compress_message(msg, sizeof msg, 15, z, sizeof z);
    struct harness h;
    open_ws(&h, "Sec-WebSocket-Extensions: permessage-deflate\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n");
    frame(&h, DIR_S2C, 0xC1, z, n);
    struct session *s = close_ws(&h);
    ck_assert_finding(s, WS_DEFLATE_ERROR); /* the server broke its own window promise */
    harness_free(&h);

    open_ws(&h, "Sec-WebSocket-Extensions: permessage-deflate\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    frame(&h, DIR_S2C, 0xC1, z, n);
    s = close_ws(&h);
    ck_assert_clean(s); /* with the default 15 bits the same bytes are fine */
    ck_assert_uint_eq(ws_info_get(s)->message_bytes[DIR_S2C], sizeof msg);
    harness_free(&h);
}
END_TEST

/* Compresses n bytes of `fill` on the sender's stream z (context kept across messages) and
 * sends them as one message in frames of at most 60000 bytes, as a deflate bomb would come. */
static void send_bomb(struct harness *h, z_stream *z, char fill, size_t n)
{
    static uint8_t in[1 << 20];
    memset(in, fill, sizeof in);
    size_t cap = n / 500 + 4096, len = 0;
    uint8_t *out = malloc(cap);
    ck_assert_ptr_nonnull(out);
    for (size_t done = 0; done < n;) {
        size_t k = n - done < sizeof in ? n - done : sizeof in;
        done += k;
        z->next_in = in;
        z->avail_in = (uInt)k;
        z->next_out = out + len;
        z->avail_out = (uInt)(cap - len);
        ck_assert_int_eq(deflate(z, done == n ? Z_SYNC_FLUSH : Z_NO_FLUSH), Z_OK);
        ck_assert_uint_eq(z->avail_in, 0);
        len = cap - z->avail_out;
    }
    len -= 4; /* the 00 00 ff ff tail is not sent (RFC 7692 §7.2.1) */
    for (size_t off = 0; off < len; off += 60000) {
        size_t k = len - off < 60000 ? len - off : 60000;
        uint8_t b0 = (uint8_t)((off == 0 ? 0x41 : 0x00) | (off + k == len ? 0x80 : 0));
        frame(h, DIR_S2C, b0, out + off, k);
    }
    free(out);
}

START_TEST(deflate_bomb_capped_then_next_message_fine)
{
    /* 66 MiB of 'a' in one text message: past the 64 MiB cap. With context takeover the next
     * message still decompresses, no false WS_DEFLATE_ERROR follows, and the cap is reported. */
    for (int takeover = 1; takeover >= 0; takeover--) {
        z_stream z;
        memset(&z, 0, sizeof z);
        ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
        struct harness h;
        open_ws(&h, "Sec-WebSocket-Extensions: permessage-deflate\r\n",
                takeover ? "Sec-WebSocket-Extensions: permessage-deflate\r\n"
                         : "Sec-WebSocket-Extensions: permessage-deflate; "
                           "server_no_context_takeover\r\n");
        send_bomb(&h, &z, 'a', 66u << 20);
        if (!takeover)
            deflateReset(&z); /* as the sender promised */
        send_bomb(&h, &z, 'b', 1000);
        deflateEnd(&z);
        struct session *s = close_ws(&h);
        ck_assert_finding(s, WS_DEFLATE_CAPPED);
        ck_assert_no_finding(s, WS_DEFLATE_ERROR);
        ck_assert_no_finding(s, WS_TEXT_INVALID_UTF8);
        ck_assert_uint_eq(ws_info_get(s)->messages[DIR_S2C], 2);
        /* what was looked at: up to the cap, then all of the second message */
        ck_assert_uint_eq(ws_info_get(s)->message_bytes[DIR_S2C], (64ull << 20) + 1000);
        harness_free(&h);
    }
}
END_TEST

START_TEST(deflate_garbage_and_utf8_after_inflate)
{
    struct harness h;
    open_ws(&h, "Sec-WebSocket-Extensions: permessage-deflate\r\n",
            "Sec-WebSocket-Extensions: permessage-deflate\r\n");
    const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff };
    frame(&h, DIR_C2S, 0xC1, junk, sizeof junk);
    /* "\xff" as a stored block: valid deflate, invalid UTF-8 once inflated */
    const uint8_t stored_ff[] = { 0x00, 0x01, 0x00, 0xfe, 0xff, 0xff };
    frame(&h, DIR_S2C, 0xC1, stored_ff, sizeof stored_ff);
    frame(&h, DIR_S2C, 0x41, "", 0);                    /* RSV1 on a first frame: fine */
    frame(&h, DIR_S2C, 0xC0, "", 0);                    /* ...not on a continuation */
    struct session *s = close_ws(&h);
    ck_assert_finding(s, WS_DEFLATE_ERROR);
    ck_assert_finding(s, WS_TEXT_INVALID_UTF8);
    ck_assert_finding(s, WS_RSV_BITS_SET);
    harness_free(&h);
}
END_TEST

START_TEST(midstream_pickup)
{
    /* no handshake: frames from both sides recognised by their shape */
    struct harness h;
    harness_init(&h, true);
    uint8_t buf[64];
    size_t n = build(buf, 0x81, "hi there", 8, true, 0);
    n += build(buf + n, 0x89, "", 0, true, 0);
    dispatch_data(&h.dx, 0, buf, n, 1);
    n = build(buf, 0x81, "hello", 5, false, 0);
    dispatch_data(&h.dx, 1, buf, n, 2);
    struct session *s = harness_close(&h);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->outcome, OUTCOME_MIDSTREAM);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_C2S][WSF_TEXT], 1);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_S2C][WSF_TEXT], 1);
    ck_assert_clean(s);
    harness_free(&h);

    /* random bytes are not taken for WebSocket */
    harness_init(&h, true);
    const uint8_t tls[] = { 0x17, 0x03, 0x03, 0x00, 0x20, 1, 2, 3 };
    dispatch_data(&h.dx, 0, tls, sizeof tls, 1);
    const uint8_t zeros[32] = { 0 };
    dispatch_data(&h.dx, 1, zeros, sizeof zeros, 2);
    ck_assert_ptr_null(harness_close(&h));
    harness_free(&h);
}
END_TEST

/* ---- UTF-8 and escaping ---- */

START_TEST(utf8_validator)
{
    ck_assert(utf8_valid((const uint8_t *)"plain", 5));
    ck_assert(utf8_valid((const uint8_t *)"\xf0\x9f\x98\x80", 4));     /* U+1F600 */
    ck_assert(!utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));        /* surrogate */
    ck_assert(!utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));    /* > U+10FFFF */
    ck_assert(!utf8_valid((const uint8_t *)"\xe0\x80\xaf", 3));        /* overlong */
    ck_assert(!utf8_valid((const uint8_t *)"\xc3", 1));                /* unfinished */
    struct utf8_state st;
    utf8_init(&st);
    ck_assert(utf8_feed(&st, (const uint8_t *)"\xf0\x9f", 2));
    ck_assert(!utf8_complete(&st));
    ck_assert(utf8_feed(&st, (const uint8_t *)"\x98\x80", 2));
    ck_assert(utf8_complete(&st));
}
END_TEST

START_TEST(escaping)
{
    char out[256];
    escape_buf(out, sizeof out, "a\x1b]0;pwned\x07z", 12, ESCAPE_TERMINAL);
    ck_assert_str_eq(out, "a\\e]0;pwned\\x07z");
    escape_buf(out, sizeof out, "r\xe2\x80\xaeight", 8, ESCAPE_TERMINAL);   /* U+202E */
    ck_assert_str_eq(out, "r\\u{202E}ight");
    escape_buf(out, sizeof out, "caf\xc3\xa9 \xff\r\n", 9, ESCAPE_TERMINAL);
    ck_assert_str_eq(out, "caf\xc3\xa9 \\xFF\\r\\n");
    escape_buf(out, sizeof out, "\xc2\x9b" "31m", 5, ESCAPE_TERMINAL);      /* C1 CSI */
    ck_assert_str_eq(out, "\\u{009B}31m");
    escape_buf(out, sizeof out, "j\x1bs\xffon", 6, ESCAPE_JSON);
    ck_assert_str_eq(out, "j\x1bs\\xFFon");
    escape_buf(out, 8, "0123456789", 10, ESCAPE_TERMINAL);
    ck_assert_str_eq(out, "0123...");
}
END_TEST

START_TEST(json_keeps_nul_bytes)
{
    /* NUL bytes in a header value and in a close reason reach the NDJSON report as \u0000 */
    static const char req[] = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "X-Nul: a\0b\r\n\r\n";
    struct harness h;
    harness_init(&h, false);
    harness_send(&h, DIR_C2S, req, sizeof req - 1);
    char buf[512];
    snprintf(buf, sizeof buf, response_fmt, "");
    harness_send_str(&h, DIR_S2C, buf);
    frame(&h, DIR_S2C, 0x88, "\x03\xe8x\0y", 5);
    struct session *s = close_ws(&h);
    char *json = report_json_string(s);
    ck_assert_ptr_nonnull(strstr(json, "[\"X-Nul\",\"a\\u0000b\"]"));
    ck_assert_ptr_nonnull(strstr(json, "\"reason\":\"x\\u0000y\""));
    free(json);
    harness_free(&h);
}
END_TEST

START_TEST(websocket_in_a_layer)
{
    /* a layer above the connection, as TLS opens for its plaintext: the same upgrade and
     * frames are dissected there, and the session knows what carries it */
    struct harness h;
    harness_init(&h, false);
    struct dissect *layer = dissect_layer_new(&h.dx, PROTO_TLS, 0, false);
    ck_assert_ptr_nonnull(layer);
    char buf[1024];
    snprintf(buf, sizeof buf, request_fmt, "");
    dissect_layer_data(layer, DIR_C2S, (const uint8_t *)buf, strlen(buf), ++h.ts);
    snprintf(buf, sizeof buf, response_fmt, "");
    dissect_layer_data(layer, DIR_S2C, (const uint8_t *)buf, strlen(buf), ++h.ts);
    uint8_t f[64];
    size_t n = build(f, 0x81, "hi", 2, true, 0);
    dissect_layer_data(layer, DIR_C2S, f, n, ++h.ts);
    n = build(f, 0x81, "there", 5, false, 0);
    for (size_t i = 0; i < n; i++) /* one byte at a time: layers buffer like the bottom */
        dissect_layer_data(layer, DIR_S2C, f + i, 1, ++h.ts);
    dissect_layer_close(layer, ++h.ts);
    ck_assert_int_eq(h.nsessions, 1);
    struct session *s = h.sessions[0];
    ck_assert_int_eq(s->transition, TRANSITION_WEBSOCKET);
    ck_assert_int_eq(s->outcome, OUTCOME_SWITCHED);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_C2S][WSF_TEXT], 1);
    ck_assert_uint_eq(ws_info_get(s)->frames[DIR_S2C][WSF_TEXT], 1);
    ck_assert(ws_info_get(s)->accept_valid);
    ck_assert_uint_eq(s->ncarriers, 1);
    ck_assert_int_eq(s->carried_by[0].proto, PROTO_TLS);
    ck_assert_uint_eq(h.dx.sessions, 1); /* the connection counts the layer's sessions */
    dissect_layer_free(layer);
    harness_close(&h);
    ck_assert_int_eq(h.nsessions, 1); /* nothing at the bottom layer itself */
    harness_free(&h);
}
END_TEST

static Suite *websocket_suite(void)
{
    Suite *s = suite_create("websocket");
    TCase *tc = tcase_create("websocket");
    tcase_set_timeout(tc, 120); /* the deflate bomb takes a while under sanitizers */
    tcase_add_test(tc, accept_rfc_example);
    tcase_add_test(tc, header_parse);
    tcase_add_test(tc, clean_session);
    tcase_add_test(tc, request_findings);
    tcase_add_test(tc, response_findings);
    tcase_add_test(tc, deflate_params);
    tcase_add_test(tc, masking_rules);
    tcase_add_test(tc, rsv_and_opcodes);
    tcase_add_test(tc, control_frames);
    tcase_add_test(tc, fragmentation);
    tcase_add_test(tc, length_encodings);
    tcase_add_test(tc, text_utf8);
    tcase_add_test(tc, close_frames);
    tcase_add_test(tc, truncated_frames);
    tcase_add_test(tc, gap_inside_payload_keeps_framing);
    tcase_add_test(tc, resync_after_gap);
    tcase_add_test(tc, deflate_messages);
    tcase_add_test(tc, deflate_context_takeover_honoured);
    tcase_add_test(tc, deflate_window_bits_honoured);
    tcase_add_test(tc, deflate_garbage_and_utf8_after_inflate);
    tcase_add_test(tc, deflate_bomb_capped_then_next_message_fine);
    tcase_add_test(tc, midstream_pickup);
    tcase_add_test(tc, utf8_validator);
    tcase_add_test(tc, escaping);
    tcase_add_test(tc, json_keeps_nul_bytes);
    tcase_add_test(tc, websocket_in_a_layer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(websocket_suite());
}
