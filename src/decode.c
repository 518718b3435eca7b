/* decode: link layer → IPv4/IPv6 (with extension headers) → TCP, bounds-checked throughout. */
#include "decode.h"

#include <pcap/pcap.h>
#include <string.h>

#include "cursor.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

enum {
    ETHERTYPE_IPV4 = 0x0800,
    ETHERTYPE_IPV6 = 0x86DD,
    ETHERTYPE_VLAN = 0x8100,
    ETHERTYPE_QINQ = 0x88A8,
    ETHERTYPE_QINQ_OLD = 0x9100,
    ETHERTYPE_MPLS = 0x8847,
    ETHERTYPE_PPPOE = 0x8864,
    MAX_VLAN_TAGS = 8,
    MAX_MPLS_LABELS = 8,
    MAX_IPV6_EXT = 16,
    IPPROTO_TCP_NUM = 6,
};

/* What the link layer hands to the network layer. */
enum l3_kind { L3_NONE, L3_IPV4, L3_IPV6, L3_GUESS };

static const char *const result_names[DECODE_RESULT_COUNT] = {
    [DECODE_OK] = "ok",
    [DECODE_NOT_IP] = "not_ip",
    [DECODE_NOT_TCP] = "not_tcp",
    [DECODE_IP_FRAGMENT] = "ip_fragment",
    [DECODE_LINK_TRUNCATED] = "link_truncated",
    [DECODE_IP_TRUNCATED] = "ip_truncated",
    [DECODE_IP_BAD_VERSION] = "ip_bad_version",
    [DECODE_IP_BAD_HEADER_LEN] = "ip_bad_header_len",
    [DECODE_IP_BAD_TOTAL_LEN] = "ip_bad_total_len",
    [DECODE_IPV6_EXT_TRUNCATED] = "ipv6_ext_truncated",
    [DECODE_TCP_TRUNCATED] = "tcp_truncated",
    [DECODE_TCP_BAD_HEADER_LEN] = "tcp_bad_header_len",
};

const char *decode_result_name(enum decode_result r)
{
    return r < DECODE_RESULT_COUNT ? result_names[r] : "?";
}

bool decode_result_is_error(enum decode_result r)
{
    return r >= DECODE_LINK_TRUNCATED && r < DECODE_RESULT_COUNT;
}

bool decode_linktype_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_NULL: case DLT_LOOP:
    case DLT_RAW: case DLT_IPV4: case DLT_IPV6:
        return true;
    default:
        return false;
    }
}

static enum l3_kind l3_from_ethertype(uint16_t type)
{
    if (type == ETHERTYPE_IPV4)
        return L3_IPV4;
    if (type == ETHERTYPE_IPV6)
        return L3_IPV6;
    return L3_NONE;
}

/* MPLS carries no next-protocol field: after the bottom label, IP is guessed from its version. */
static enum l3_kind skip_mpls(struct cursor *c)
{
    for (int i = 0; i < MAX_MPLS_LABELS; i++) {
        uint32_t label = cursor_be32(c);
        if (c->bad)
            return L3_NONE;
        if (label & 0x100)
            return L3_GUESS;
    }
    return L3_NONE;
}

/* PPPoE session header (6 bytes) then the PPP protocol number. */
static enum l3_kind skip_pppoe(struct cursor *c)
{
    cursor_skip(c, 6);
    uint16_t ppp = cursor_be16(c);
    if (ppp == 0x0021)
        return L3_IPV4;
    if (ppp == 0x0057)
        return L3_IPV6;
    return L3_NONE;
}

/* Ethernet II with any number (bounded) of 802.1Q / 802.1ad tags. */
static enum l3_kind link_ethernet(struct cursor *c)
{
    cursor_skip(c, 12);
    uint16_t type = cursor_be16(c);
    for (int tags = 0; tags < MAX_VLAN_TAGS && !c->bad; tags++) {
        if (type != ETHERTYPE_VLAN && type != ETHERTYPE_QINQ && type != ETHERTYPE_QINQ_OLD)
            break;
        cursor_skip(c, 2); /* PCP/DEI/VID */
        type = cursor_be16(c);
    }
    if (c->bad)
        return L3_NONE;
    if (type == ETHERTYPE_MPLS)
        return skip_mpls(c);
    if (type == ETHERTYPE_PPPOE)
        return skip_pppoe(c);
    return l3_from_ethertype(type);
}

/* BSD loopback: a 4-byte address family in the capturing host's byte order (DLT_NULL) or in
 * network order (DLT_LOOP). AF_INET6 differs between systems, hence the list. */
static enum l3_kind link_null(struct cursor *c, bool network_order)
{
    uint32_t af = network_order ? cursor_be32(c) : cursor_le32(c);
    if (!network_order && af > 0xFFFF)
        af = __builtin_bswap32(af);
    if (af == 2)
        return L3_IPV4;
    if (af == 10 || af == 24 || af == 28 || af == 30)
        return L3_IPV6;
    return L3_NONE;
}

static enum l3_kind decode_link(int dlt, struct cursor *c)
{
    switch (dlt) {
    case DLT_EN10MB:
        return link_ethernet(c);
    case DLT_LINUX_SLL: {
        cursor_skip(c, 14);
        return l3_from_ethertype(cursor_be16(c));
    }
    case DLT_LINUX_SLL2: {
        uint16_t type = cursor_be16(c);
        cursor_skip(c, 18);
        return l3_from_ethertype(type);
    }
    case DLT_NULL:
        return link_null(c, false);
    case DLT_LOOP:
        return link_null(c, true);
    case DLT_RAW:
        return L3_GUESS;
    case DLT_IPV4:
        return L3_IPV4;
    case DLT_IPV6:
        return L3_IPV6;
    default:
        return L3_NONE;
    }
}

/* The window scale option (RFC 7323 §2) among a SYN's options, or -1. */
static int8_t tcp_window_scale(const uint8_t *p, uint32_t n)
{
    struct cursor c = cursor_make(p, n);
    while (c.n > 0) {
        uint8_t kind = cursor_u8(&c);
        if (kind == 0)
            break;            /* end of options */
        if (kind == 1)
            continue;         /* no-operation */
        uint8_t len = cursor_u8(&c);
        if (c.bad || len < 2 || !cursor_need(&c, len - 2u))
            break;
        if (kind == 3 && len == 3)
            return (int8_t)(c.p[0] > 14 ? 14 : c.p[0]); /* §2.3: larger means 14 */
        cursor_skip(&c, len - 2u);
    }
    return -1;
}

/* After the IP layer: c covers the IP payload (captured part), ip_payload_len is its real size. */
static enum decode_result decode_tcp(struct cursor *c, uint32_t ip_payload_len,
                                     struct packet *pkt, struct decode_stats *stats)
{
    struct cursor h = *c;
    if (c->n < 20)
        return ip_payload_len < 20 ? DECODE_TCP_BAD_HEADER_LEN : DECODE_TCP_TRUNCATED;
    pkt->sport = cursor_be16(&h);
    pkt->dport = cursor_be16(&h);
    pkt->seq = cursor_be32(&h);
    pkt->ack = cursor_be32(&h);
    uint8_t off = cursor_u8(&h);
    pkt->tcp_flags = cursor_u8(&h);
    pkt->window = cursor_be16(&h);
    uint32_t hlen = (uint32_t)(off >> 4) * 4;
    if (hlen < 20 || hlen > ip_payload_len)
        return DECODE_TCP_BAD_HEADER_LEN;
    if (hlen > c->n)
        return DECODE_TCP_TRUNCATED;
    pkt->wscale = (pkt->tcp_flags & TCP_SYN) ? tcp_window_scale(c->p + 20, hlen - 20) : -1;
    pkt->payload = c->p + hlen;
    pkt->payload_len = ip_payload_len - hlen;
    pkt->payload_caplen = (uint32_t)(c->n - hlen);
    if (pkt->payload_caplen > pkt->payload_len)
        pkt->payload_caplen = pkt->payload_len;
    if (pkt->payload_caplen < pkt->payload_len)
        stats->payload_cut++;
    return DECODE_OK;
}

/* cut: bytes of the frame that the snap length left out. An IP length beyond the captured
 * bytes plus those is a lie, not a short capture. */
static enum decode_result decode_ipv4(struct cursor *c, uint32_t cut, struct packet *pkt,
                                      struct decode_stats *stats)
{
    const uint8_t *ip = c->p;
    size_t avail = c->n;
    if (avail < 20)
        return DECODE_IP_TRUNCATED;
    if ((ip[0] >> 4) != 4)
        return DECODE_IP_BAD_VERSION;
    uint32_t hlen = (uint32_t)(ip[0] & 0x0F) * 4;
    uint32_t total = (uint32_t)(ip[2] << 8) | ip[3];
    if (hlen < 20)
        return DECODE_IP_BAD_HEADER_LEN;
    if (total == 0 && avail >= hlen) {
        /* Linux captures of offloaded segments carry length 0: trust the frame. */
        stats->tso_zero_len++;
        total = (uint32_t)avail;
    }
    if (total < hlen || total > avail + cut)
        return DECODE_IP_BAD_TOTAL_LEN;
    if (avail < hlen)
        return DECODE_IP_TRUNCATED;
    uint16_t frag = (uint16_t)((ip[6] << 8) | ip[7]);
    pkt->family = 4;
    memset(&pkt->src, 0, sizeof pkt->src);
    memset(&pkt->dst, 0, sizeof pkt->dst);
    memcpy(pkt->src.b, ip + 12, 4);
    memcpy(pkt->dst.b, ip + 16, 4);
    pkt->ip = ip;
    pkt->ip_len = (uint32_t)(avail < total ? avail : total);
    if ((frag & 0x3FFF) != 0) /* MF set or a non-zero offset */
        return DECODE_IP_FRAGMENT;
    if (ip[9] != IPPROTO_TCP_NUM)
        return DECODE_NOT_TCP;
    struct cursor payload = cursor_make(ip + hlen, pkt->ip_len - hlen);
    return decode_tcp(&payload, total - hlen, pkt, stats);
}

static bool ipv6_is_extension(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 ||
           nh == 139 || nh == 140;
}

static enum decode_result decode_ipv6(struct cursor *c, uint32_t cut, struct packet *pkt,
                                      struct decode_stats *stats)
{
    const uint8_t *ip = c->p;
    size_t avail = c->n;
    if (avail < 40)
        return DECODE_IP_TRUNCATED;
    if ((ip[0] >> 4) != 6)
        return DECODE_IP_BAD_VERSION;
    uint32_t plen = (uint32_t)(ip[4] << 8) | ip[5];
    if (plen == 0) /* a jumbogram or an offloaded segment: take the frame as it is */
        plen = (uint32_t)(avail - 40);
    if (40 + (size_t)plen > avail + cut)
        return DECODE_IP_BAD_TOTAL_LEN;
    pkt->family = 6;
    memcpy(pkt->src.b, ip + 8, 16);
    memcpy(pkt->dst.b, ip + 24, 16);
    pkt->ip = ip;
    pkt->ip_len = (uint32_t)(avail < 40 + (size_t)plen ? avail : 40 + (size_t)plen);

    struct cursor e = cursor_make(ip + 40, pkt->ip_len - 40);
    uint32_t left = plen; /* real bytes left after the headers walked so far */
    uint8_t nh = ip[6];
    for (int i = 0; i < MAX_IPV6_EXT && ipv6_is_extension(nh); i++) {
        if (e.n < 8)
            return left < 8 ? DECODE_IP_BAD_TOTAL_LEN : DECODE_IPV6_EXT_TRUNCATED;
        uint8_t next = e.p[0];
        uint32_t len = nh == 51 ? ((uint32_t)e.p[1] + 2) * 4   /* AH counts 4-byte words */
                     : nh == 44 ? 8
                     : ((uint32_t)e.p[1] + 1) * 8;
        if (nh == 44) {
            uint16_t off_m = (uint16_t)((e.p[2] << 8) | e.p[3]);
            if ((off_m & 0xFFF9) != 0) /* offset or M set: a real fragment */
                return DECODE_IP_FRAGMENT;
        }
        if (len > left)
            return DECODE_IP_BAD_TOTAL_LEN;
        if (!cursor_skip(&e, len))
            return DECODE_IPV6_EXT_TRUNCATED;
        left -= len;
        nh = next;
    }
    if (nh != IPPROTO_TCP_NUM)
        return DECODE_NOT_TCP;
    return decode_tcp(&e, left, pkt, stats);
}

static enum decode_result decode_ip(enum l3_kind kind, struct cursor *c, uint32_t cut,
                                    struct packet *pkt, struct decode_stats *stats)
{
    if (kind == L3_GUESS) {
        if (c->n < 1)
            return DECODE_IP_TRUNCATED;
        uint8_t v = c->p[0] >> 4;
        kind = v == 4 ? L3_IPV4 : v == 6 ? L3_IPV6 : L3_NONE;
        if (kind == L3_NONE)
            return DECODE_IP_BAD_VERSION;
    }
    return kind == L3_IPV4 ? decode_ipv4(c, cut, pkt, stats) : decode_ipv6(c, cut, pkt, stats);
}

enum decode_result decode_packet(int dlt, struct packet *pkt, struct decode_stats *stats)
{
    struct cursor c = cursor_make(pkt->frame, pkt->caplen);
    enum l3_kind kind = decode_link(dlt, &c);
    enum decode_result r;
    if (c.bad)
        r = DECODE_LINK_TRUNCATED;
    else if (kind == L3_NONE)
        r = DECODE_NOT_IP;
    else
        r = decode_ip(kind, &c, pkt->wirelen > pkt->caplen ? pkt->wirelen - pkt->caplen : 0,
                      pkt, stats);
    stats->result[r]++;
    return r;
}
