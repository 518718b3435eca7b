/* Unit tests for the tunnels decode walks through: VXLAN, Geneve (with options), GRE (checksum,
 * key, sequence; IPv4, IPv6, Ethernet), ERSPAN I/II/III, IP-in-IP in its four forms, GTP-U
 * (optional fields, extension headers), nesting and its limit, malformed and cut headers,
 * the identity flows are keyed on, the port table and the per-side record. */
#include <check.h>
#include <pcap/pcap.h>

#include "check_main.h"
#include "frames.h"


/* A whole frame of link type dlt, at time 0. */
static enum decode_result run(int dlt, const struct frame *f, struct packet *pkt)
{
    return frames_decode(dlt, f, f->n, 0, pkt);
}

/* TCP "GET /" from 10.0.0.1 to 10.0.0.2: what every tunnel below carries. */
static void inner_v4(struct frame *f)
{
    frame_tcp(f, "GET /");
    frame_ipv4(f, 6, 1, 2);
}

static void assert_inner(const struct packet *pkt, int family)
{
    ck_assert_uint_eq(pkt->family, family);
    ck_assert_uint_eq(pkt->sport, 40000);
    ck_assert_uint_eq(pkt->dport, 80);
    ck_assert_uint_eq(pkt->payload_len, 5);
    ck_assert(memcmp(pkt->payload, "GET /", 5) == 0);
    if (family == 4) {
        ck_assert_uint_eq(pkt->src.b[3], 1);
        ck_assert_uint_eq(pkt->dst.b[3], 2);
    }
}

/* Outer Ethernet / IPv4 10.0.9.1 → 10.0.9.2 / UDP to port around f. */
static void udp_outer(struct frame *f, uint16_t port)
{
    frame_udp(f, port);
    frame_ipv4_full(f, 17, 9, 1, 2, 0, 7);
    frame_eth(f, 0x0800);
}

static void vxlan(struct frame *f, uint8_t flags, uint32_t vni)
{
    uint8_t h[8] = { flags };
    h[4] = (uint8_t)(vni >> 16);
    h[5] = (uint8_t)(vni >> 8);
    h[6] = (uint8_t)vni;
    frame_eth(f, 0x0800);
    frame_wrap(f, h, sizeof h);
}

START_TEST(vxlan_decapsulated)
{
    struct frame f;
    struct packet pkt;
    inner_v4(&f);
    vxlan(&f, 0x08, 42);
    udp_outer(&f, 4789);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert_uint_eq(pkt.tunnels->n, 1);
    const struct tunnel_layer *t = &pkt.tunnels->v[0];
    ck_assert_uint_eq(t->kind, TUNNEL_VXLAN);
    ck_assert_uint_eq(t->id, 42);
    ck_assert_uint_eq(t->family, 4);
    ck_assert_uint_eq(t->src.b[2], 9);          /* the outer addresses */
    ck_assert_uint_eq(t->src.b[3], 1);
    ck_assert_uint_eq(t->dst.b[3], 2);
    ck_assert_uint_ne(pkt.tunnel_key, 0);
    ck_assert_uint_eq(frames_dec.stats.tunnel[TUNNEL_VXLAN], 1);
}
END_TEST

START_TEST(vxlan_malformed_and_ports)
{
    struct frame f, g;
    struct packet pkt;
    inner_v4(&f);
    vxlan(&f, 0x00, 42);                        /* RFC 7348 §5: I flag clear */
    udp_outer(&f, 4789);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_TUNNEL_MALFORMED);
    ck_assert_uint_eq(frames_dec.stats.tunnel_malformed[TUNNEL_VXLAN], 1);
    inner_v4(&g);
    vxlan(&g, 0x08, 7);
    udp_outer(&g, 4790);
    ck_assert_int_eq(run(DLT_EN10MB, &g, &pkt), DECODE_NOT_TCP);  /* not a tunnel port */
    struct decode_config cfg;
    decode_config_defaults(&cfg);
    char err[128];
    ck_assert(tunnel_ports_add(&cfg.ports, "vxlan:4790", err, sizeof err));
    frames_start(&cfg);
    ck_assert_int_eq(run(DLT_EN10MB, &g, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert_uint_eq(pkt.tunnels->v[0].id, 7);
}
END_TEST

/* Geneve: version, option length in words, protocol, VNI, then the options. */
static void geneve(struct frame *f, uint8_t ver, uint16_t proto, const uint8_t *opts,
                   size_t opt_len, uint32_t vni)
{
    uint8_t h[8] = { (uint8_t)(ver << 6 | (opt_len / 4)), 0 };
    be16_at(h + 2, proto);
    h[4] = (uint8_t)(vni >> 16);
    h[5] = (uint8_t)(vni >> 8);
    h[6] = (uint8_t)vni;
    if (opt_len)
        frame_wrap(f, opts, opt_len);
    frame_wrap(f, h, sizeof h);
}

START_TEST(geneve_with_options)
{
    /* two options (RFC 8926 §3.5): one with 4 bytes of data, one with none */
    static const uint8_t opts[12] = { 0x01, 0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef,
                                      0x01, 0x03, 0x05, 0x00 };
    struct frame f;
    struct packet pkt;
    inner_v4(&f);
    frame_eth(&f, 0x0800);
    geneve(&f, 0, 0x6558, opts, sizeof opts, 0x123456);
    udp_outer(&f, 6081);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert_uint_eq(pkt.tunnels->v[0].kind, TUNNEL_GENEVE);
    ck_assert_uint_eq(pkt.tunnels->v[0].id, 0x123456);

    inner_v4(&f);                               /* IPv4 straight after the header */
    geneve(&f, 0, 0x0800, NULL, 0, 5);
    udp_outer(&f, 6081);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
}
END_TEST

START_TEST(geneve_bad)
{
    /* an option that says 8 bytes of data where only 4 remain */
    static const uint8_t opts[8] = { 0x01, 0x02, 0x80, 0x02, 0, 0, 0, 0 };
    struct frame f;
    struct packet pkt;
    inner_v4(&f);
    frame_eth(&f, 0x0800);
    geneve(&f, 0, 0x6558, opts, sizeof opts, 1);
    udp_outer(&f, 6081);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_TUNNEL_MALFORMED);
    ck_assert_uint_eq(frames_dec.stats.tunnel_malformed[TUNNEL_GENEVE], 1);
    inner_v4(&f);
    frame_eth(&f, 0x0800);
    geneve(&f, 1, 0x6558, NULL, 0, 1);          /* RFC 8926 §3.4: unknown version */
    udp_outer(&f, 6081);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_NOT_TCP);
    ck_assert_uint_eq(frames_dec.stats.tunnel_unsupported, 1);
}
END_TEST

/* GRE with the given flags and protocol; key and sequence filled when their bits are set. */
static void gre(struct frame *f, uint16_t flags, uint16_t proto, uint32_t key)
{
    uint8_t h[16];
    size_t n = 4;
    be16_at(h, flags);
    be16_at(h + 2, proto);
    if (flags & 0x8000) {
        be32_at(h + n, 0xabcd0000);
        n += 4;
    }
    if (flags & 0x2000) {
        be32_at(h + n, key);
        n += 4;
    }
    if (flags & 0x1000) {
        be32_at(h + n, 99);
        n += 4;
    }
    frame_wrap(f, h, n);
}

static void gre_outer(struct frame *f)
{
    frame_ipv4_full(f, 47, 8, 1, 2, 0, 3);
    frame_eth(f, 0x0800);
}

START_TEST(gre_variants)
{
    struct frame f;
    struct packet pkt;
    inner_v4(&f);                               /* plain GRE, IPv4 */
    gre(&f, 0, 0x0800, 0);
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert(!pkt.tunnels->v[0].has_id);

    inner_v4(&f);                               /* checksum, key, sequence */
    gre(&f, 0xB000, 0x0800, 77);
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert(pkt.tunnels->v[0].has_id);
    ck_assert_uint_eq(pkt.tunnels->v[0].id, 77);

    frame_tcp(&f, "GET /");                     /* IPv6 payload, key */
    frame_ipv6(&f, 6, 1, 2);
    gre(&f, 0x2000, 0x86DD, 5);
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 6);

    inner_v4(&f);                               /* Transparent Ethernet Bridging */
    frame_eth(&f, 0x0800);
    gre(&f, 0x2000, 0x6558, 6);
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert_uint_eq(frames_dec.stats.tunnel[TUNNEL_GRE], 4);
}
END_TEST

START_TEST(gre_refused)
{
    struct frame f;
    struct packet pkt;
    inner_v4(&f);
    gre(&f, 0x0001, 0x0800, 0);                 /* version 1: PPTP */
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_NOT_TCP);
    ck_assert_uint_eq(frames_dec.stats.tunnel_unsupported, 1);
    inner_v4(&f);
    gre(&f, 0x4000, 0x0800, 0);                 /* RFC 2784 §2.3: routing present */
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_TUNNEL_MALFORMED);
    ck_assert_uint_eq(frames_dec.stats.tunnel_malformed[TUNNEL_GRE], 1);
}
END_TEST

START_TEST(erspan_types)
{
    struct frame f;
    struct packet pkt;
    inner_v4(&f);                               /* type I: no ERSPAN header, no sequence */
    frame_eth(&f, 0x0800);
    gre(&f, 0, 0x88BE, 0);
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert_uint_eq(pkt.tunnels->v[0].kind, TUNNEL_ERSPAN);
    ck_assert_uint_eq(pkt.tunnels->v[0].version, 1);

    uint8_t e2[8] = { 0x10, 0x64, 0x1b, 0x05, 0, 0, 0, 1 };  /* ver 1, VLAN 100, session 773 */
    inner_v4(&f);
    frame_eth(&f, 0x0800);
    frame_wrap(&f, e2, sizeof e2);
    gre(&f, 0x1000, 0x88BE, 0);
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert_uint_eq(pkt.tunnels->v[0].version, 2);
    ck_assert_uint_eq(pkt.tunnels->v[0].id, 773);

    /* type III, session 9, O set: an 8-byte platform subheader follows */
    uint8_t e3[20] = { 0x20, 0, 0, 0x09, 1, 2, 3, 4, 0, 0, 0, 0x01 };
    inner_v4(&f);
    frame_eth(&f, 0x0800);
    frame_wrap(&f, e3, sizeof e3);
    gre(&f, 0x1000, 0x22EB, 0);
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert_uint_eq(pkt.tunnels->v[0].version, 3);
    ck_assert_uint_eq(pkt.tunnels->v[0].id, 9);

    uint8_t e3ip[12] = { 0x20, 0, 0, 0x0a, 1, 2, 3, 4, 0, 0, 0x08, 0 };  /* FT 2: IP */
    inner_v4(&f);
    frame_wrap(&f, e3ip, sizeof e3ip);
    gre(&f, 0x1000, 0x22EB, 0);
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);

    e2[0] = 0x20;                               /* a type III version in a type II header */
    inner_v4(&f);
    frame_eth(&f, 0x0800);
    frame_wrap(&f, e2, sizeof e2);
    gre(&f, 0x1000, 0x88BE, 0);
    gre_outer(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_TUNNEL_MALFORMED);
    ck_assert_uint_eq(frames_dec.stats.tunnel[TUNNEL_ERSPAN], 4);
}
END_TEST

START_TEST(ip_in_ip_four_ways)
{
    struct frame f;
    struct packet pkt;
    for (int outer = 4; outer <= 6; outer += 2) {
        for (int inner = 4; inner <= 6; inner += 2) {
            frame_tcp(&f, "GET /");
            if (inner == 4)
                frame_ipv4(&f, 6, 1, 2);
            else
                frame_ipv6(&f, 6, 1, 2);
            uint8_t proto = inner == 4 ? 4 : 41;  /* RFC 2003, RFC 4213 §3.5, RFC 2473 */
            if (outer == 4)
                frame_ipv4_full(&f, proto, 7, 3, 4, 0, 1);
            else
                frame_ipv6(&f, proto, 3, 4);
            ck_assert_int_eq(run(DLT_RAW, &f, &pkt), DECODE_OK);
            assert_inner(&pkt, inner);
            ck_assert_uint_eq(pkt.tunnels->n, 1);
            ck_assert_uint_eq(pkt.tunnels->v[0].kind, TUNNEL_IPIP);
            ck_assert_uint_eq(pkt.tunnels->v[0].family, outer);
            ck_assert_uint_eq(pkt.tunnels->v[0].version, inner);
        }
    }
    ck_assert_uint_eq(frames_dec.stats.tunnel[TUNNEL_IPIP], 4);
    frame_tcp(&f, "GET /");                     /* protocol 41 with an IPv4 inside */
    frame_ipv4(&f, 6, 1, 2);
    frame_ipv4_full(&f, 41, 7, 3, 4, 0, 1);
    ck_assert_int_eq(run(DLT_RAW, &f, &pkt), DECODE_IP_BAD_VERSION);
}
END_TEST

/* GTP-U: flags, message type, TEID, the optional fields and extension headers (raw). */
static void gtpu(struct frame *f, uint8_t flags, uint8_t type, uint32_t teid,
                 const uint8_t *opt, size_t opt_len)
{
    uint8_t h[8] = { flags, type };
    be16_at(h + 2, (uint32_t)(f->n + opt_len));
    be32_at(h + 4, teid);
    if (opt_len)
        frame_wrap(f, opt, opt_len);
    frame_wrap(f, h, sizeof h);
}

START_TEST(gtpu_variants)
{
    struct frame f;
    struct packet pkt;
    inner_v4(&f);                               /* the corpus's form: no optional fields */
    gtpu(&f, 0x30, 255, 0x07e029a2, NULL, 0);
    udp_outer(&f, 2152);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert_uint_eq(pkt.tunnels->v[0].kind, TUNNEL_GTPU);
    ck_assert_uint_eq(pkt.tunnels->v[0].id, 0x07e029a2);

    /* S and E: sequence, N-PDU, a PDU Session Container (0x85, 4 bytes), then none */
    static const uint8_t opt[8] = { 0x12, 0x34, 0, 0x85, 1, 0x10, 0x05, 0 };
    frame_tcp(&f, "GET /");
    frame_ipv6(&f, 6, 1, 2);
    gtpu(&f, 0x36, 255, 1, opt, sizeof opt);
    udp_outer(&f, 2152);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 6);
    ck_assert_uint_eq(frames_dec.stats.tunnel[TUNNEL_GTPU], 2);
}
END_TEST

START_TEST(gtpu_bad)
{
    struct frame f;
    struct packet pkt;
    inner_v4(&f);
    gtpu(&f, 0x30, 1, 0, NULL, 0);              /* an echo request: nothing to follow */
    udp_outer(&f, 2152);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_NOT_TCP);
    inner_v4(&f);
    gtpu(&f, 0x50, 255, 0, NULL, 0);            /* version 2: GTPv2 is not GTP-U */
    udp_outer(&f, 2152);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_NOT_TCP);
    ck_assert_uint_eq(frames_dec.stats.tunnel_unsupported, 2);

    static const uint8_t zero_len_ext[8] = { 0, 0, 0, 0x85, 0, 0, 0, 0 };
    inner_v4(&f);                               /* §5.2.1: extension length 0 */
    gtpu(&f, 0x34, 255, 0, zero_len_ext, sizeof zero_len_ext);
    udp_outer(&f, 2152);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_TUNNEL_MALFORMED);

    inner_v4(&f);                               /* Length beyond the UDP datagram */
    gtpu(&f, 0x30, 255, 0, NULL, 0);
    be16_at(f.b + 2, (uint32_t)f.n);
    udp_outer(&f, 2152);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_TUNNEL_MALFORMED);
    ck_assert_uint_eq(frames_dec.stats.tunnel_malformed[TUNNEL_GTPU], 2);
}
END_TEST

/* VXLAN inside GRE inside IPv6: outermost first, each with its own outer addresses. */
static void nested(struct frame *f)
{
    inner_v4(f);
    vxlan(f, 0x08, 42);
    frame_udp(f, 4789);
    frame_ipv4_full(f, 17, 5, 1, 2, 0, 1);
    gre(f, 0x2000, 0x0800, 1234);
    frame_ipv6(f, 47, 0x11, 0x22);
    frame_eth(f, 0x86DD);
}

START_TEST(nesting)
{
    struct frame f;
    struct packet pkt;
    nested(&f);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    assert_inner(&pkt, 4);
    ck_assert_uint_eq(pkt.tunnels->n, 2);
    ck_assert_uint_eq(pkt.tunnels->v[0].kind, TUNNEL_GRE);
    ck_assert_uint_eq(pkt.tunnels->v[0].family, 6);
    ck_assert_uint_eq(pkt.tunnels->v[0].src.b[15], 0x11);
    ck_assert_uint_eq(pkt.tunnels->v[0].id, 1234);
    ck_assert_uint_eq(pkt.tunnels->v[1].kind, TUNNEL_VXLAN);
    ck_assert_uint_eq(pkt.tunnels->v[1].family, 4);
    ck_assert_uint_eq(pkt.tunnels->v[1].src.b[2], 5);
}
END_TEST

START_TEST(depth_limit)
{
    struct frame f;
    struct packet pkt;
    inner_v4(&f);
    for (int i = 0; i < TUNNEL_MAX_DEPTH; i++)
        frame_ipv4_full(&f, 4, 0x40, (uint8_t)i, (uint8_t)(i + 100), 0, 1);
    ck_assert_int_eq(run(DLT_RAW, &f, &pkt), DECODE_OK);
    ck_assert_uint_eq(pkt.tunnels->n, TUNNEL_MAX_DEPTH);
    assert_inner(&pkt, 4);
    frame_ipv4_full(&f, 4, 0x40, 200, 201, 0, 1);
    ck_assert_int_eq(run(DLT_RAW, &f, &pkt), DECODE_TUNNEL_TOO_DEEP);
    ck_assert_uint_eq(frames_dec.stats.result[DECODE_TUNNEL_TOO_DEEP], 1);
}
END_TEST

/* Every cut of every header: a defined result, never a read past the captured bytes. As a
 * capture cut short (snap length) and as a packet that really is that short. */
START_TEST(every_cut)
{
    struct frame f, g;
    struct packet pkt;
    nested(&f);
    static const uint8_t opt[8] = { 0x12, 0x34, 0, 0x85, 1, 0x10, 0x05, 0 };
    inner_v4(&g);
    gtpu(&g, 0x36, 255, 1, opt, sizeof opt);
    udp_outer(&g, 2152);
    const struct frame *all[2] = { &f, &g };
    for (int k = 0; k < 2; k++) {
        for (size_t n = 0; n < all[k]->n; n++) {
            enum decode_result r = frames_decode(DLT_EN10MB, all[k], n, 0, &pkt);
            if (n < all[k]->n - 5)             /* a TCP header cut: never a segment */
                ck_assert_int_ne(r, DECODE_OK);
            else                               /* only payload missing: a cut segment */
                ck_assert(r == DECODE_OK && pkt.payload_len == 5 &&
                          pkt.payload_caplen == 5 - (all[k]->n - n));
            struct frame short_frame = *all[k];
            short_frame.n = n;
            ck_assert_int_ne(run(DLT_EN10MB, &short_frame, &pkt), DECODE_OK);
        }
    }
}
END_TEST

/* The key is the same for both directions; it separates tenants; a GTP-U TEID (different
 * each way) is not in it. */
START_TEST(identity)
{
    struct frame f;
    struct packet pkt;
    inner_v4(&f);
    vxlan(&f, 0x08, 42);
    udp_outer(&f, 4789);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    uint64_t fwd = pkt.tunnel_key;

    frame_tcp(&f, "GET /");                     /* the reply: everything swapped */
    frame_ipv4(&f, 6, 2, 1);
    vxlan(&f, 0x08, 42);
    frame_udp(&f, 4789);
    frame_ipv4_full(&f, 17, 9, 2, 1, 0, 7);
    frame_eth(&f, 0x0800);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    ck_assert_uint_eq(pkt.tunnel_key, fwd);

    inner_v4(&f);                               /* another tenant: VNI 43 */
    vxlan(&f, 0x08, 43);
    udp_outer(&f, 4789);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    ck_assert_uint_ne(pkt.tunnel_key, fwd);

    inner_v4(&f);
    gtpu(&f, 0x30, 255, 0x1111, NULL, 0);
    udp_outer(&f, 2152);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    uint64_t up = pkt.tunnel_key;
    frame_tcp(&f, "GET /");
    frame_ipv4(&f, 6, 2, 1);
    gtpu(&f, 0x30, 255, 0x2222, NULL, 0);
    frame_udp(&f, 2152);
    frame_ipv4_full(&f, 17, 9, 2, 1, 0, 7);
    frame_eth(&f, 0x0800);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    ck_assert_uint_eq(pkt.tunnel_key, up);

    inner_v4(&f);                               /* no tunnel: key 0 */
    frame_eth(&f, 0x0800);
    ck_assert_int_eq(run(DLT_EN10MB, &f, &pkt), DECODE_OK);
    ck_assert_uint_eq(pkt.tunnel_key, 0);
}
END_TEST

START_TEST(port_table)
{
    struct tunnel_ports p;
    char err[160];
    tunnel_ports_defaults(&p);
    ck_assert_int_eq(tunnel_port_kind(&p, 4789), TUNNEL_VXLAN);
    ck_assert_int_eq(tunnel_port_kind(&p, 6081), TUNNEL_GENEVE);
    ck_assert_int_eq(tunnel_port_kind(&p, 2152), TUNNEL_GTPU);
    ck_assert_int_eq(tunnel_port_kind(&p, 80), -1);
    ck_assert(tunnel_ports_add(&p, "geneve:4789", err, sizeof err));  /* re-assigned */
    ck_assert_int_eq(tunnel_port_kind(&p, 4789), TUNNEL_GENEVE);
    ck_assert(!tunnel_ports_add(&p, "gre:47", err, sizeof err));
    ck_assert(!tunnel_ports_add(&p, "vxlan:65536", err, sizeof err));
    ck_assert(!tunnel_ports_add(&p, "vxlan:-1", err, sizeof err));
    ck_assert(!tunnel_ports_add(&p, "vxlan", err, sizeof err));
    ck_assert(strstr(err, "KIND:PORT") != NULL);
    ck_assert(tunnel_ports_add(&p, "none", err, sizeof err));
    ck_assert_int_eq(tunnel_port_kind(&p, 2152), -1);
    for (int i = 1; i <= TUNNEL_PORTS_MAX; i++) {
        char spec[32];
        snprintf(spec, sizeof spec, "gtp-u:%d", i);
        ck_assert(tunnel_ports_add(&p, spec, err, sizeof err));
    }
    ck_assert(!tunnel_ports_add(&p, "gtp-u:9999", err, sizeof err));
    ck_assert(tunnel_ports_add(&p, "vxlan:1", err, sizeof err));   /* one already there */
}
END_TEST

START_TEST(pair_per_side)
{
    struct tunnel_stack a = { .n = 1 }, b = { .n = 1 };
    a.v[0] = (struct tunnel_layer){ .kind = TUNNEL_GTPU, .family = 4, .id = 0x11 };
    a.v[0].src.b[3] = 1;
    b.v[0] = (struct tunnel_layer){ .kind = TUNNEL_GTPU, .family = 4, .id = 0x22 };
    b.v[0].src.b[3] = 2;
    struct tunnel_pair *p = NULL;
    tunnel_pair_note(&p, &b, 1);                /* the server's side first */
    ck_assert_ptr_nonnull(p);
    ck_assert(!p->seen[0] && p->seen[1]);
    tunnel_pair_note(&p, &a, 0);
    b.v[0].id = 0x33;
    tunnel_pair_note(&p, &b, 1);                /* only the first packet of a side counts */
    ck_assert_uint_eq(tunnel_pair_layer(p, 1, 0)->id, 0x22);
    struct tunnel_pair *o = tunnel_pair_oriented(p, 1);  /* side 1 is the client */
    ck_assert_uint_eq(tunnel_pair_layer(o, 0, 0)->id, 0x22);
    ck_assert_uint_eq(tunnel_pair_layer(o, 1, 0)->id, 0x11);
    ck_assert_ptr_null(tunnel_pair_oriented(NULL, 0));
    ck_assert_str_eq(tunnel_kind_name(TUNNEL_GTPU), "gtp-u");
    ck_assert_str_eq(tunnel_kind_stat_name(TUNNEL_IPIP), "ip_in_ip");
    free(o);
    free(p);
}
END_TEST

static Suite *tunnel_suite(void)
{
    Suite *s = suite_create("tunnel");
    TCase *tc = tcase_create("tunnel");
    tcase_add_checked_fixture(tc, frames_setup, frames_teardown);
    tcase_add_test(tc, vxlan_decapsulated);
    tcase_add_test(tc, vxlan_malformed_and_ports);
    tcase_add_test(tc, geneve_with_options);
    tcase_add_test(tc, geneve_bad);
    tcase_add_test(tc, gre_variants);
    tcase_add_test(tc, gre_refused);
    tcase_add_test(tc, erspan_types);
    tcase_add_test(tc, ip_in_ip_four_ways);
    tcase_add_test(tc, gtpu_variants);
    tcase_add_test(tc, gtpu_bad);
    tcase_add_test(tc, nesting);
    tcase_add_test(tc, depth_limit);
    tcase_add_test(tc, every_cut);
    tcase_add_test(tc, identity);
    tcase_add_test(tc, port_table);
    tcase_add_test(tc, pair_per_side);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(tunnel_suite());
}
