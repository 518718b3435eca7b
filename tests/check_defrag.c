/* Unit tests for IP fragment reassembly: IPv4 and IPv6 (with an unfragmentable part), in and
 * out of order, duplicates, overlaps with other bytes (first copy wins, counted), another
 * end, malformed and oversized fragments, the timeout and every cap, fragments inside and
 * around tunnels, two tenants' fragments with the same ids, and snap-length cuts. */
#include <check.h>
#include <pcap/pcap.h>

#include "check_main.h"
#include "frames.h"

#define SEC 1000000ULL


/* A decoder with these reassembly limits. */
static void start_with(const struct defrag_limits *lim)
{
    struct decode_config cfg;
    decode_config_defaults(&cfg);
    cfg.defrag = *lim;
    frames_start(&cfg);
}

/* A whole raw IP packet, at time 0. */
static enum decode_result run(const struct frame *f, struct packet *pkt)
{
    return frames_decode(DLT_RAW, f, f->n, 0, pkt);
}

static const char PAYLOAD[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWX";

/* The IP payload every datagram below carries: a TCP segment with 60 bytes of PAYLOAD. */
static void segment(struct frame *s)
{
    frame_tcp(s, PAYLOAD);
}

/* Bytes [off, off + len) of s as an IPv4 fragment (10.net.0.1 → 10.net.0.2, id). */
static void v4_frag(struct frame *f, const struct frame *s, size_t off, size_t len, bool more,
                    uint16_t id, uint16_t net)
{
    f->n = 0;
    frame_put(f, s->b + off, len);
    frame_ipv4_full(f, 6, net, 1, 2, (uint16_t)((more ? 0x2000 : 0) | off / 8), id);
}

/* The same as IPv6, after a Destination Options header (unfragmentable part, RFC 8200 §4.5). */
static void v6_frag(struct frame *f, const struct frame *s, size_t off, size_t len, bool more,
                    uint32_t id)
{
    f->n = 0;
    frame_put(f, s->b + off, len);
    uint8_t fh[8] = { 6, 0 };
    be16_at(fh + 2, (uint32_t)(off | (more ? 1 : 0)));
    be32_at(fh + 4, id);
    frame_wrap(f, fh, sizeof fh);
    static const uint8_t dest[8] = { 44, 0, 1, 4, 0, 0, 0, 0 };  /* PadN */
    frame_wrap(f, dest, sizeof dest);
    frame_ipv6(f, 60, 1, 2);
}

static void assert_whole(const struct packet *pkt)
{
    ck_assert_uint_eq(pkt->sport, 40000);
    ck_assert_uint_eq(pkt->payload_len, sizeof PAYLOAD - 1);
    ck_assert_uint_eq(pkt->payload_caplen, sizeof PAYLOAD - 1);
    ck_assert(memcmp(pkt->payload, PAYLOAD, sizeof PAYLOAD - 1) == 0);
}

START_TEST(ipv4_in_order)
{
    struct frame s, f;
    struct packet pkt;
    segment(&s);                                /* 80 bytes: 24 + 24 + 32 */
    v4_frag(&f, &s, 0, 24, true, 1, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 24, 24, true, 1, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 48, 32, false, 1, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_OK);
    assert_whole(&pkt);
    ck_assert_uint_eq(pkt.ip_len, 100);
    ck_assert_uint_eq(pkt.ip[6] & 0x3F, 0);     /* no MF, no offset any more */
    ck_assert_uint_eq(pkt.frag_conflicts, 0);
    const struct defrag_stats *st = defrag_stats(frames_dec.defrag);
    ck_assert_uint_eq(st->fragments, 3);
    ck_assert_uint_eq(st->reassembled, 1);
    ck_assert_uint_eq(st->datagrams, 0);
    ck_assert_uint_eq(st->bytes, 0);            /* everything given back */
}
END_TEST

START_TEST(ipv4_out_of_order)
{
    struct frame s, f;
    struct packet pkt;
    segment(&s);
    v4_frag(&f, &s, 48, 32, false, 9, 0);      /* last first */
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 24, 24, true, 9, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 0, 24, true, 9, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_OK);
    assert_whole(&pkt);
}
END_TEST

START_TEST(ipv6_with_unfragmentable_part)
{
    struct frame s, f;
    struct packet pkt;
    segment(&s);
    v6_frag(&f, &s, 40, 40, false, 0xdeadbeef);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v6_frag(&f, &s, 0, 40, true, 0xdeadbeef);
    ck_assert_int_eq(run(&f, &pkt), DECODE_OK);
    assert_whole(&pkt);
    ck_assert_uint_eq(pkt.family, 6);
    ck_assert_uint_eq(pkt.ip_len, 40 + 8 + 80);  /* the Fragment header is gone */
    ck_assert_uint_eq(pkt.ip[40], 6);            /* dest opts now names TCP */
    ck_assert_uint_eq((pkt.ip[4] << 8) | pkt.ip[5], 88);
}
END_TEST

START_TEST(duplicates_and_conflicts)
{
    struct frame s, f, evil;
    struct packet pkt;
    segment(&s);
    v4_frag(&f, &s, 0, 24, true, 3, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);   /* the same again */
    evil = s;                                   /* other bytes over 16..39 */
    memset(evil.b + 16, 'Z', 24);
    v4_frag(&f, &evil, 16, 24, true, 3, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 40, 40, false, 3, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_OK);
    const struct defrag_stats *st = defrag_stats(frames_dec.defrag);
    ck_assert_uint_eq(st->duplicates, 1);
    ck_assert_uint_eq(st->conflicts, 1);
    ck_assert_uint_eq(pkt.frag_conflicts, 1);
    /* first copy wins where they overlapped (16..23); the newcomer filled 24..39 */
    ck_assert(memcmp(pkt.payload, PAYLOAD, 4) == 0);
    ck_assert(memcmp(pkt.payload + 4, "ZZZZZZZZZZZZZZZZ", 16) == 0);
    ck_assert(memcmp(pkt.payload + 20, PAYLOAD + 20, 40) == 0);
}
END_TEST

START_TEST(another_end)
{
    struct frame s, f;
    struct packet pkt;
    segment(&s);
    v4_frag(&f, &s, 40, 40, false, 4, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 40, 32, false, 4, 0);      /* a second last fragment, shorter */
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 0, 40, true, 4, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_OK);
    assert_whole(&pkt);                         /* the first end was kept */
    ck_assert_uint_eq(pkt.frag_conflicts, 1);
}
END_TEST

START_TEST(malformed_and_too_big)
{
    struct frame s, f;
    struct packet pkt;
    segment(&s);
    v4_frag(&f, &s, 0, 20, true, 5, 0);        /* not a multiple of 8, not the last */
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    const struct defrag_stats *st = defrag_stats(frames_dec.defrag);
    ck_assert_uint_eq(st->malformed, 1);
    ck_assert_uint_eq(st->datagrams, 0);
    v4_frag(&f, &s, 0, 16, true, 5, 0);
    f.b[6] = 0x3f;                              /* offset 8191 * 8 + 16 > 65,535 */
    f.b[7] = 0xff;
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    ck_assert_uint_eq(st->too_big, 1);
    struct frame longer = s;
    frame_put(&longer, "XXXXXXXX", 8);
    v4_frag(&f, &s, 48, 32, false, 7, 0);      /* the end at 80 ... */
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &longer, 80, 8, true, 7, 0);   /* ... and a piece past it */
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    ck_assert_uint_eq(st->datagrams, 1);        /* the piece went, not the datagram */
    ck_assert_uint_eq(st->malformed, 2);
    v4_frag(&f, &s, 64, 16, true, 8, 0);       /* bytes up to 80 first, then an end at 48 */
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 40, 8, false, 8, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    ck_assert_uint_eq(st->malformed, 3);
}
END_TEST

START_TEST(timeout)
{
    struct frame s, f;
    struct packet pkt;
    segment(&s);
    v4_frag(&f, &s, 0, 40, true, 11, 0);
    ck_assert_int_eq(frames_decode(DLT_RAW, &f, f.n, 100 * SEC, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 40, 40, false, 11, 0);     /* 31 s later: the first half is gone */
    ck_assert_int_eq(frames_decode(DLT_RAW, &f, f.n, 131 * SEC, &pkt), DECODE_IP_FRAGMENT);
    const struct defrag_stats *st = defrag_stats(frames_dec.defrag);
    ck_assert_uint_eq(st->timed_out, 1);
    ck_assert_uint_eq(st->datagrams, 1);
    decode_expire(&frames_dec, 200 * SEC);             /* the idle sweep gives up the rest */
    ck_assert_uint_eq(st->timed_out, 2);
    ck_assert_uint_eq(st->datagrams, 0);
    ck_assert_uint_eq(st->bytes, 0);
}
END_TEST

START_TEST(caps)
{
    struct frame s, f;
    struct packet pkt;
    segment(&s);
    struct defrag_limits lim;
    defrag_limits_defaults(&lim);
    lim.max_datagrams = 2;
    start_with(&lim);
    for (uint16_t id = 1; id <= 3; id++) {
        v4_frag(&f, &s, 0, 40, true, id, 0);
        ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    }
    ck_assert_uint_eq(defrag_stats(frames_dec.defrag)->evicted, 1);
    v4_frag(&f, &s, 40, 40, false, 1, 0);      /* the oldest went */
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 40, 40, false, 3, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_OK);

    defrag_limits_defaults(&lim);
    lim.max_fragments = 2;
    start_with(&lim);
    v4_frag(&f, &s, 0, 24, true, 1, 0);
    run(&f, &pkt);
    v4_frag(&f, &s, 24, 24, true, 1, 0);
    run(&f, &pkt);
    v4_frag(&f, &s, 48, 32, false, 1, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    ck_assert_uint_eq(defrag_stats(frames_dec.defrag)->too_many_fragments, 1);
    ck_assert_uint_eq(defrag_stats(frames_dec.defrag)->datagrams, 0);

    defrag_limits_defaults(&lim);               /* room for one datagram's bytes only */
    lim.max_bytes = sizeof(uint8_t) * 2048 + 2000 + 1200;
    start_with(&lim);
    v4_frag(&f, &s, 0, 40, true, 1, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 0, 40, true, 2, 0);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    const struct defrag_stats *st = defrag_stats(frames_dec.defrag);
    ck_assert_uint_ge(st->evicted, 1);
    ck_assert_uint_le(st->bytes, lim.max_bytes);
    ck_assert_uint_le(st->bytes_peak, lim.max_bytes);
}
END_TEST

/* Fragments inside a tunnel (GRE key 1 or 2 around 10.0.0.1 → 10.0.0.2, same ids). */
static void in_gre(struct frame *f, uint32_t key)
{
    uint8_t gre[8] = { 0x20, 0, 0x08, 0 };
    be32_at(gre + 4, key);
    frame_wrap(f, gre, sizeof gre);
    frame_ipv4_full(f, 47, 0x99, 1, 2, 0, 1);
}

START_TEST(tenants_apart)
{
    struct frame s, f;
    struct packet pkt;
    segment(&s);
    struct frame evil = s;
    memset(evil.b + 20, '!', 60);
    v4_frag(&f, &s, 0, 40, true, 77, 0);
    in_gre(&f, 1);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &evil, 0, 40, true, 77, 0);    /* tenant 2: same addresses, same id */
    in_gre(&f, 2);
    ck_assert_int_eq(run(&f, &pkt), DECODE_IP_FRAGMENT);
    v4_frag(&f, &s, 40, 40, false, 77, 0);
    in_gre(&f, 1);
    ck_assert_int_eq(run(&f, &pkt), DECODE_OK);
    assert_whole(&pkt);
    ck_assert_uint_eq(pkt.frag_conflicts, 0);
    ck_assert_uint_eq(pkt.tunnels->n, 1);
    ck_assert_uint_eq(pkt.tunnels->v[0].id, 1);
}
END_TEST

/* The outer packet fragmented, a tunnel inside: reassembled, then decapsulated. */
START_TEST(outer_fragments_carry_a_tunnel)
{
    struct frame s, inner, f;
    struct packet pkt;
    segment(&s);
    inner = s;
    frame_ipv4(&inner, 6, 1, 2);                /* 100 bytes of inner IPv4 */
    uint8_t gre[4] = { 0, 0, 0x08, 0 };
    frame_wrap(&inner, gre, sizeof gre);        /* the outer payload: 104 bytes */
    f.n = 0;
    frame_put(&f, inner.b + 56, 48);
    frame_ipv4_full(&f, 47, 0x55, 1, 2, 56 / 8, 42);
    frame_eth(&f, 0x0800);
    ck_assert_int_eq(frames_decode(DLT_EN10MB, &f, f.n, 0, &pkt), DECODE_IP_FRAGMENT);
    f.n = 0;
    frame_put(&f, inner.b, 56);
    frame_ipv4_full(&f, 47, 0x55, 1, 2, 0x2000, 42);
    frame_eth(&f, 0x0800);
    ck_assert_int_eq(frames_decode(DLT_EN10MB, &f, f.n, 0, &pkt), DECODE_OK);
    assert_whole(&pkt);
    ck_assert_uint_eq(pkt.tunnels->n, 1);
    ck_assert_uint_eq(pkt.tunnels->v[0].kind, TUNNEL_GRE);
    ck_assert_uint_eq(pkt.tunnels->v[0].src.b[1], 0);
    ck_assert_uint_eq(pkt.tunnels->v[0].src.b[2], 0x55);
}
END_TEST

START_TEST(cut_by_snaplen)
{
    struct frame s, f;
    struct packet pkt;
    segment(&s);
    v4_frag(&f, &s, 0, 40, true, 12, 0);
    ck_assert_int_eq(frames_decode(DLT_RAW, &f, f.n - 4, 0, &pkt), DECODE_IP_FRAGMENT);
    ck_assert_uint_eq(frames_dec.stats.fragments_cut, 1);
    ck_assert_uint_eq(defrag_stats(frames_dec.defrag)->fragments, 0);
    v6_frag(&f, &s, 0, 40, true, 12);
    ck_assert_int_eq(frames_decode(DLT_RAW, &f, f.n - 1, 0, &pkt), DECODE_IP_FRAGMENT);
    ck_assert_uint_eq(frames_dec.stats.fragments_cut, 2);
}
END_TEST

/* Every cut of a fragment: never a read past the captured bytes, never a datagram. */
START_TEST(every_cut)
{
    struct frame s, f;
    struct packet pkt;
    segment(&s);
    v6_frag(&f, &s, 0, 40, true, 13);
    for (size_t n = 0; n < f.n; n++) {
        struct frame g = f;
        g.n = n;
        ck_assert_int_ne(run(&g, &pkt), DECODE_OK);
        ck_assert_int_ne(frames_decode(DLT_RAW, &f, n, 0, &pkt), DECODE_OK);
    }
    ck_assert_uint_eq(defrag_stats(frames_dec.defrag)->reassembled, 0);
}
END_TEST

/* The reassembler on its own: the rebuilt IPv4 header. */
START_TEST(api_rebuild)
{
    uint8_t secret[16] = { 1 };
    struct defrag_limits lim;
    defrag_limits_defaults(&lim);
    struct defrag *df = defrag_new(&lim, secret);
    ck_assert_ptr_nonnull(df);
    uint8_t hdr[24] = { 0x46, 0, 0, 0, 0, 9, 0x60, 0 };  /* IHL 6 (an option), DF + MF */
    uint8_t data[16];
    memset(data, 'a', sizeof data);
    struct defrag_key key = { .id = 9, .family = 4, .proto = 6 };
    struct defrag_frag a = { hdr, sizeof hdr, 0, 0, 0, true, data, 8 };
    struct defrag_frag b = { hdr, sizeof hdr, 0, 0, 8, false, data + 8, 8 };
    struct defrag_datagram *out;
    ck_assert_int_eq(defrag_add(df, &key, &a, 0, &out), DEFRAG_HELD);
    ck_assert_ptr_null(out);
    ck_assert_int_eq(defrag_add(df, &key, &b, 0, &out), DEFRAG_DONE);
    ck_assert_uint_eq(out->len, 40);
    ck_assert_uint_eq((out->bytes[2] << 8) | out->bytes[3], 40);
    ck_assert_uint_eq(out->bytes[6], 0x40);     /* DF kept, MF gone */
    ck_assert_uint_eq(out->bytes[7], 0);
    free(out);
    defrag_free(df);
}
END_TEST

static Suite *defrag_suite(void)
{
    Suite *s = suite_create("defrag");
    TCase *tc = tcase_create("defrag");
    tcase_add_checked_fixture(tc, frames_setup, frames_teardown);
    tcase_add_test(tc, ipv4_in_order);
    tcase_add_test(tc, ipv4_out_of_order);
    tcase_add_test(tc, ipv6_with_unfragmentable_part);
    tcase_add_test(tc, duplicates_and_conflicts);
    tcase_add_test(tc, another_end);
    tcase_add_test(tc, malformed_and_too_big);
    tcase_add_test(tc, timeout);
    tcase_add_test(tc, caps);
    tcase_add_test(tc, tenants_apart);
    tcase_add_test(tc, outer_fragments_carry_a_tunnel);
    tcase_add_test(tc, cut_by_snaplen);
    tcase_add_test(tc, every_cut);
    tcase_add_test(tc, api_rebuild);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(defrag_suite());
}
