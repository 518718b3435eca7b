/* Unit tests for decode: every supported link type, IPv6 extension headers, and each reason a
 * frame is skipped — never reading past the captured bytes (run under ASan to prove it). */
#include <check.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "decode.h"

/* A frame under construction. */
struct frame {
    uint8_t b[512];
    size_t n;
};

static void put(struct frame *f, const void *p, size_t n)
{
    ck_assert_uint_le(f->n + n, sizeof f->b);
    if (n)
        memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void put16(struct frame *f, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
    put(f, b, 2);
}

static void put_eth(struct frame *f, uint16_t type)
{
    static const uint8_t macs[12] = { 0 };
    put(f, macs, 12);
    put16(f, type);
}

/* TCP header (20 bytes, ports 40000 → 80, seq 1000, flags PSH|ACK) and payload. */
static void put_tcp(struct frame *f, const char *payload)
{
    static const uint8_t tcp[20] = { 0x9c, 0x40, 0x00, 0x50, 0, 0, 0x03, 0xe8, 0, 0, 0, 1,
                                     0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0 };
    put(f, tcp, sizeof tcp);
    put(f, payload, strlen(payload));
}

static void put_ipv4(struct frame *f, const char *payload, uint16_t frag)
{
    size_t total = 20 + 20 + strlen(payload);
    uint8_t ip[20] = { 0x45, 0, (uint8_t)(total >> 8), (uint8_t)total, 0, 1,
                       (uint8_t)(frag >> 8), (uint8_t)frag, 64, 6, 0, 0,
                       10, 0, 0, 1, 10, 0, 0, 2 };
    put(f, ip, sizeof ip);
    put_tcp(f, payload);
}

/* IPv6 with the given extension headers (raw bytes, chained by next_header) before TCP. */
static void put_ipv6(struct frame *f, uint8_t first_nh, const uint8_t *ext, size_t ext_len,
                     const char *payload)
{
    size_t plen = ext_len + 20 + strlen(payload);
    uint8_t ip[40] = { 0x60, 0, 0, 0, (uint8_t)(plen >> 8), (uint8_t)plen, first_nh, 64 };
    ip[8 + 15] = 1;  /* ::1 → ::2 */
    ip[24 + 15] = 2;
    put(f, ip, sizeof ip);
    put(f, ext, ext_len);
    put_tcp(f, payload);
}

/* The frame under test is copied to an exactly sized heap block so that ASan catches any read
 * past its end; the copy lives until the next run (the packet points into it). */
static uint8_t *last_copy;
static struct decoder dec;   /* a fresh one per test (the fixture) */

static enum decode_result run(int dlt, const struct frame *f, struct packet *pkt)
{
    free(last_copy);
    last_copy = malloc(f->n ? f->n : 1);
    memcpy(last_copy, f->b, f->n);
    memset(pkt, 0, sizeof *pkt);
    pkt->frame = last_copy;
    pkt->caplen = pkt->wirelen = (uint32_t)f->n;
    pkt->dlt = dlt;
    return decode_packet(&dec, pkt);
}

static void setup(void)
{
    struct decode_config cfg;
    decode_config_defaults(&cfg);
    ck_assert(decoder_init(&dec, &cfg));
}

static void teardown(void)
{
    free(last_copy);
    last_copy = NULL;
    decoder_free(&dec);
}

static void assert_http_segment(const struct packet *pkt, const char *payload)
{
    ck_assert_uint_eq(pkt->sport, 40000);
    ck_assert_uint_eq(pkt->dport, 80);
    ck_assert_uint_eq(pkt->seq, 1000);
    ck_assert_uint_eq(pkt->tcp_flags, 0x18);
    ck_assert_uint_eq(pkt->payload_len, strlen(payload));
    ck_assert_uint_eq(pkt->payload_caplen, strlen(payload));
    ck_assert(memcmp(pkt->payload, payload, strlen(payload)) == 0);
}

START_TEST(ethernet_ipv4)
{
    struct frame f = { .n = 0 };
    struct packet pkt;
    put_eth(&f, 0x0800);
    put_ipv4(&f, "GET /", 0);
    uint8_t pad[6] = { 0 }; /* Ethernet padding after the IP datagram */
    put(&f, pad, sizeof pad);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "GET /");
    ck_assert_uint_eq(pkt.family, 4);
    ck_assert_uint_eq(pkt.ip_len, 45); /* padding trimmed */
    ck_assert_uint_eq(pkt.src.b[3], 1);
    ck_assert_uint_eq(pkt.dst.b[3], 2);
}
END_TEST

START_TEST(vlan_and_qinq)
{
    struct frame f = { .n = 0 };
    struct packet pkt;
    put_eth(&f, 0x88A8);
    put16(&f, 100);
    put16(&f, 0x8100);
    put16(&f, 200);
    put16(&f, 0x0800);
    put_ipv4(&f, "x", 0);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "x");
}
END_TEST

START_TEST(linux_sll)
{
    struct frame f = { .n = 0 };
    struct packet pkt;
    uint8_t sll[14] = { 0, 0, 0, 1, 0, 6 };
    put(&f, sll, sizeof sll);
    put16(&f, 0x0800);
    put_ipv4(&f, "sll", 0);
    ck_assert_int_eq(run(DLT_LINUX_SLL, &f, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "sll");
}
END_TEST

START_TEST(linux_sll2)
{
    struct frame f = { .n = 0 };
    struct packet pkt;
    put16(&f, 0x86DD);
    uint8_t rest[18] = { 0 };
    put(&f, rest, sizeof rest);
    put_ipv6(&f, 6, NULL, 0, "sll2");
    ck_assert_int_eq(run(276 /* DLT_LINUX_SLL2 */, &f, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "sll2");
    ck_assert_uint_eq(pkt.family, 6);
    ck_assert_uint_eq(pkt.dst.b[15], 2);
}
END_TEST

START_TEST(bsd_null_both_orders)
{
    struct packet pkt;
    struct frame le = { .n = 0 }, be = { .n = 0 }, loop = { .n = 0 };
    uint8_t af_le[4] = { 2, 0, 0, 0 }, af_be[4] = { 0, 0, 0, 2 }, af6_be[4] = { 0, 0, 0, 30 };
    put(&le, af_le, 4);
    put_ipv4(&le, "le", 0);
    put(&be, af_be, 4);
    put_ipv4(&be, "be", 0);
    put(&loop, af6_be, 4);
    put_ipv6(&loop, 6, NULL, 0, "loop");
    ck_assert_int_eq(run(DLT_NULL, &le, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "le");
    ck_assert_int_eq(run(DLT_NULL, &be, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "be");
    ck_assert_int_eq(run(DLT_LOOP, &loop, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "loop");
}
END_TEST

START_TEST(raw_ipv4_ipv6)
{
    struct packet pkt;
    struct frame v4 = { .n = 0 }, v6 = { .n = 0 }, d4 = { .n = 0 }, d6 = { .n = 0 };
    put_ipv4(&v4, "raw4", 0);
    put_ipv6(&v6, 6, NULL, 0, "raw6");
    put_ipv4(&d4, "dlt4", 0);
    put_ipv6(&d6, 6, NULL, 0, "dlt6");
    ck_assert_int_eq(run(DLT_RAW, &v4, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "raw4");
    ck_assert_int_eq(run(DLT_RAW, &v6, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "raw6");
    ck_assert_int_eq(run(228 /* DLT_IPV4 */, &d4, &pkt), DECODE_OK);
    ck_assert_int_eq(run(229 /* DLT_IPV6 */, &d6, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "dlt6");
}
END_TEST

START_TEST(ipv6_extension_headers)
{
    struct frame f = { .n = 0 };
    struct packet pkt;
    /* hop-by-hop (8 bytes) → destination options (16 bytes) → atomic fragment (8) → TCP */
    uint8_t ext[32] = { 0 };
    ext[0] = 60; ext[1] = 0;             /* HBH: next = dest opts, 8 bytes */
    ext[8] = 44; ext[9] = 1;             /* dest opts: next = fragment, 16 bytes */
    ext[24] = 6; ext[26] = 0; ext[27] = 0; /* fragment: offset 0, M 0 (atomic) */
    put_ipv6(&f, 0, ext, sizeof ext, "ext");
    ck_assert_int_eq(run(DLT_RAW, &f, &pkt), DECODE_OK);
    assert_http_segment(&pkt, "ext");
}
END_TEST

START_TEST(fragments_skipped)
{
    struct packet pkt;
    struct frame mf = { .n = 0 }, off = { .n = 0 }, v6 = { .n = 0 };
    put_ipv4(&mf, "frag", 0x2000);      /* more fragments */
    put_ipv4(&off, "frag", 0x0010);     /* offset 16 */
    uint8_t ext[8] = { 6, 0, 0, 0x09 }; /* fragment header: offset 1, M */
    put_ipv6(&v6, 44, ext, sizeof ext, "frag");
    ck_assert_int_eq(run(DLT_RAW, &mf, &pkt), DECODE_IP_FRAGMENT);
    ck_assert_int_eq(run(DLT_RAW, &off, &pkt), DECODE_IP_FRAGMENT);
    ck_assert_int_eq(run(DLT_RAW, &v6, &pkt), DECODE_IP_FRAGMENT);
    ck_assert_uint_eq(dec.stats.result[DECODE_IP_FRAGMENT], 3);
}
END_TEST

START_TEST(not_ip_not_tcp)
{
    struct packet pkt;
    struct frame arp = { .n = 0 }, udp = { .n = 0 };
    put_eth(&arp, 0x0806);
    uint8_t body[28] = { 0 };
    put(&arp, body, sizeof body);
    put_ipv4(&udp, "", 0);
    udp.b[9] = 17; /* protocol UDP */
    ck_assert_int_eq(run(DLT_EN10MB, &arp, &pkt), DECODE_NOT_IP);
    ck_assert_int_eq(run(DLT_RAW, &udp, &pkt), DECODE_NOT_TCP);
}
END_TEST

START_TEST(truncations_counted)
{
    struct packet pkt;
    struct frame full = { .n = 0 };
    put_eth(&full, 0x0800);
    put_ipv4(&full, "payload", 0);
    /* cut at every length: never a crash, always a defined result */
    for (size_t n = 0; n < full.n; n++) {
        struct frame cut = full;
        cut.n = n;
        enum decode_result r = run(DLT_EN10MB, &cut, &pkt);
        if (n < 14)
            ck_assert_int_eq(r, DECODE_LINK_TRUNCATED);
        else if (n < 14 + 20)
            ck_assert_int_eq(r, DECODE_IP_TRUNCATED);
        else
            ck_assert_int_eq(r, DECODE_IP_BAD_TOTAL_LEN); /* the IP length says more */
    }
    ck_assert_uint_eq(dec.stats.result[DECODE_LINK_TRUNCATED], 14);
}
END_TEST

START_TEST(snaplen_cut_payload)
{
    struct packet pkt;
    struct frame f = { .n = 0 };
    put_eth(&f, 0x0800);
    put_ipv4(&f, "0123456789", 0);
    uint8_t *copy = malloc(f.n - 4);
    memcpy(copy, f.b, f.n - 4);
    memset(&pkt, 0, sizeof pkt);
    pkt.frame = copy;
    pkt.caplen = (uint32_t)f.n - 4;
    pkt.wirelen = (uint32_t)f.n; /* the snap length cut 4 bytes */
    pkt.dlt = DLT_EN10MB;
    ck_assert_int_eq(decode_packet(&dec, &pkt), DECODE_OK);
    ck_assert_uint_eq(pkt.payload_len, 10);
    ck_assert_uint_eq(pkt.payload_caplen, 6);
    ck_assert_uint_eq(dec.stats.payload_cut, 1);
    /* the TCP header itself cut: truncated, not malformed */
    pkt.caplen = 14 + 20 + 10;
    ck_assert_int_eq(decode_packet(&dec, &pkt), DECODE_TCP_TRUNCATED);
    free(copy);
}
END_TEST

START_TEST(bad_header_lengths)
{
    struct packet pkt;
    struct frame ihl = { .n = 0 }, tcpoff = { .n = 0 }, ver = { .n = 0 }, tot = { .n = 0 };
    put_ipv4(&ihl, "x", 0);
    ihl.b[0] = 0x44; /* IHL 4 words < 5 */
    put_ipv4(&tcpoff, "x", 0);
    tcpoff.b[20 + 12] = 0x40; /* TCP data offset 4 words < 5 */
    put_ipv4(&ver, "x", 0);
    ver.b[0] = 0x55;
    put_ipv4(&tot, "x", 0);
    tot.b[3] = 10; /* total length below the header length */
    ck_assert_int_eq(run(228, &ihl, &pkt), DECODE_IP_BAD_HEADER_LEN);
    ck_assert_int_eq(run(DLT_RAW, &tcpoff, &pkt), DECODE_TCP_BAD_HEADER_LEN);
    ck_assert_int_eq(run(DLT_RAW, &ver, &pkt), DECODE_IP_BAD_VERSION);
    ck_assert_int_eq(run(DLT_RAW, &tot, &pkt), DECODE_IP_BAD_TOTAL_LEN);
    ck_assert(decode_result_is_error(DECODE_IP_BAD_TOTAL_LEN));
    ck_assert(!decode_result_is_error(DECODE_NOT_TCP));
    ck_assert_str_eq(decode_result_name(DECODE_TCP_BAD_HEADER_LEN), "tcp_bad_header_len");
}
END_TEST

START_TEST(linktypes)
{
    ck_assert(decode_linktype_supported(DLT_EN10MB));
    ck_assert(decode_linktype_supported(DLT_LINUX_SLL));
    ck_assert(!decode_linktype_supported(DLT_IEEE802_11));
}
END_TEST

static Suite *decode_suite(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("decode");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ethernet_ipv4);
    tcase_add_test(tc, vlan_and_qinq);
    tcase_add_test(tc, linux_sll);
    tcase_add_test(tc, linux_sll2);
    tcase_add_test(tc, bsd_null_both_orders);
    tcase_add_test(tc, raw_ipv4_ipv6);
    tcase_add_test(tc, ipv6_extension_headers);
    tcase_add_test(tc, fragments_skipped);
    tcase_add_test(tc, not_ip_not_tcp);
    tcase_add_test(tc, truncations_counted);
    tcase_add_test(tc, snaplen_cut_payload);
    tcase_add_test(tc, bad_header_lengths);
    tcase_add_test(tc, linktypes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(decode_suite());
}
