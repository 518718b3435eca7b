/* decode: link layer → IPv4/IPv6 (extension headers, fragments) → tunnels → ... → TCP,
 * bounds-checked throughout. */
#include "decode.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "siphash.h"

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
    IPPROTO_IPIP_NUM = 4,
    IPPROTO_TCP_NUM = 6,
    IPPROTO_UDP_NUM = 17,
    IPPROTO_IPV6_NUM = 41,
    IPPROTO_GRE_NUM = 47,
    IPV6_FRAGMENT = 44,
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
    [DECODE_TUNNEL_MALFORMED] = "tunnel_malformed",
    [DECODE_TUNNEL_TOO_DEEP] = "tunnel_too_deep",
};

const char *decode_result_name(enum decode_result r)
{
    return r < DECODE_RESULT_COUNT ? result_names[r] : "?";
}

bool decode_result_is_error(enum decode_result r)
{
    return r >= DECODE_LINK_TRUNCATED && r < DECODE_RESULT_COUNT;
}

int decode_dlt_of_linktype(uint32_t linktype)
{
    return linktype == 101 ? DLT_RAW : (int)linktype; /* 101: LINKTYPE_RAW */
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


/* ---- the walk from the network layer in ----
 * Every step gets a cursor over the captured bytes of what it parses and `left`, how many
 * bytes the enclosing header declared for it: the snap length may have cut the capture
 * short (left > c.n), and the packet's real lengths are carried in so the TCP payload's
 * declared length survives (payload_len against payload_caplen). */

struct walk {
    struct decoder *d;
    struct packet *pkt;
};

static enum decode_result decode_ip(struct walk *w, enum l3_kind kind, struct cursor c,
                                    uint32_t left);

static void trim(struct cursor *c, uint32_t left)
{
    if (c->n > left)
        c->n = left;
}

/* What an EtherType names, after a tunnel header or inside a tunnelled Ethernet frame. */
static enum decode_result decode_ethertype(struct walk *w, uint16_t type, struct cursor c,
                                           uint32_t left)
{
    size_t before = c.n;
    enum l3_kind kind;
    if (type == TUNNEL_NEXT_IP)
        kind = L3_GUESS;
    else if (type == ETHERTYPE_TEB)
        kind = link_ethernet(&c);
    else if (type == ETHERTYPE_MPLS)
        kind = skip_mpls(&c);
    else
        kind = l3_from_ethertype(type);
    if (c.bad || before - c.n > left)
        return DECODE_LINK_TRUNCATED;
    if (kind == L3_NONE)
        return DECODE_NOT_IP;
    return decode_ip(w, kind, c, left - (uint32_t)(before - c.n));
}

/* Adds a tunnel around the packet: its outer addresses are those of the IP header just
 * walked. False past TUNNEL_MAX_DEPTH. */
static bool push_tunnel(struct walk *w, const struct tunnel_layer *t)
{
    struct tunnel_stack *s = &w->d->tunnels;
    if (s->n == TUNNEL_MAX_DEPTH)
        return false;
    struct tunnel_layer *l = &s->v[s->n++];
    *l = *t;
    l->family = w->pkt->family;
    l->src = w->pkt->src;
    l->dst = w->pkt->dst;
    w->d->stats.tunnel[t->kind]++;
    return true;
}

/* After a tunnel parser: count what went wrong, or step into what the tunnel carries. c is
 * past the header, which began `before` captured bytes from the end; left counts from there
 * too. */
static enum decode_result enter_tunnel(struct walk *w, enum tunnel_status st,
                                       const struct tunnel_layer *t, uint16_t next,
                                       struct cursor c, size_t before, uint32_t left)
{
    size_t used = before - c.n;
    if (st == TUNNEL_UNSUPPORTED) {
        w->d->stats.tunnel_unsupported++;
        return DECODE_NOT_TCP;
    }
    if (st == TUNNEL_MALFORMED || used > left) {
        w->d->stats.tunnel_malformed[t->kind]++;
        return DECODE_TUNNEL_MALFORMED;
    }
    if (!push_tunnel(w, t))
        return DECODE_TUNNEL_TOO_DEEP;
    return decode_ethertype(w, next, c, left - (uint32_t)used);
}

static enum decode_result decode_gre(struct walk *w, struct cursor c, uint32_t left)
{
    struct tunnel_layer t = { 0 };
    uint16_t next = 0;
    bool cut_copy;
    size_t before = c.n;
    enum tunnel_status st = tunnel_parse_gre(&c, &t, &next, &cut_copy);
    if (st == TUNNEL_OK && cut_copy) /* ERSPAN's T bit: the mirrored frame says more than
                                      * it holds, as after a snap length */
        left = (uint32_t)before + 65535;
    return enter_tunnel(w, st, &t, next, c, before, left);
}

/* UDP (RFC 768) to a tunnel port; anything else is not for upscope. */
static enum decode_result decode_udp(struct walk *w, struct cursor c, uint32_t left)
{
    cursor_skip(&c, 2);                        /* source port: VXLAN puts entropy there */
    uint16_t dport = cursor_be16(&c);
    uint16_t ulen = cursor_be16(&c);
    cursor_skip(&c, 2);
    int kind = c.bad ? -1 : tunnel_port_kind(&w->d->cfg.ports, dport);
    if (kind < 0)
        return DECODE_NOT_TCP;
    struct tunnel_layer t = { .kind = (uint8_t)kind };
    if (ulen < 8 || ulen > left) {
        w->d->stats.tunnel_malformed[kind]++;
        return DECODE_TUNNEL_MALFORMED;
    }
    left = ulen - 8u;
    trim(&c, left);
    uint16_t next = 0;
    uint32_t pdu = 0;
    size_t before = c.n;
    enum tunnel_status st = kind == TUNNEL_VXLAN ? tunnel_parse_vxlan(&c, &t, &next)
                          : kind == TUNNEL_GENEVE ? tunnel_parse_geneve(&c, &t, &next)
                          : tunnel_parse_gtpu(&c, &t, &next, &pdu);
    if (st == TUNNEL_OK && kind == TUNNEL_GTPU) {
        uint32_t used = (uint32_t)(before - c.n);
        if (used > left || pdu > left - used)  /* §5.1: Length within the datagram */
            st = TUNNEL_MALFORMED;
        else
            left = used + pdu;
    }
    return enter_tunnel(w, st, &t, next, c, before, left);
}

static enum decode_result decode_ipip(struct walk *w, enum l3_kind inner, struct cursor c,
                                      uint32_t left)
{
    struct tunnel_layer t = { .kind = TUNNEL_IPIP, .version = inner == L3_IPV4 ? 4 : 6 };
    if (!push_tunnel(w, &t))
        return DECODE_TUNNEL_TOO_DEEP;
    return decode_ip(w, inner, c, left);
}

/* What an IP header's protocol field names: TCP, or a tunnel (RFC 2003 and RFC 2473
 * IP-in-IP, RFC 4213 §3.5 6in4, RFC 2784 GRE, UDP tunnels). */
static enum decode_result decode_ip_payload(struct walk *w, uint8_t proto, struct cursor c,
                                            uint32_t left)
{
    trim(&c, left);
    switch (proto) {
    case IPPROTO_TCP_NUM:
        return decode_tcp(&c, left, w->pkt, &w->d->stats);
    case IPPROTO_IPIP_NUM:
        return decode_ipip(w, L3_IPV4, c, left);
    case IPPROTO_IPV6_NUM:
        return decode_ipip(w, L3_IPV6, c, left);
    case IPPROTO_GRE_NUM:
        return decode_gre(w, c, left);
    case IPPROTO_UDP_NUM:
        return decode_udp(w, c, left);
    default:
        return DECODE_NOT_TCP;
    }
}

/* ---- fragments ---- */

/* Gives a fragment to the reassembler; when it completes a datagram, walks that instead. */
static enum decode_result reassemble(struct walk *w, struct defrag_key *key,
                                     const struct defrag_frag *frag)
{
    struct decoder *d = w->d;
    key->context = tunnel_stack_key(&d->tunnels, d->tunnels.n, d->secret);
    if (d->nheld == sizeof d->held / sizeof d->held[0])
        return DECODE_TUNNEL_TOO_DEEP;         /* fragments inside fragments, too often */
    struct defrag_datagram *dg;
    if (defrag_add(d->defrag, key, frag, w->pkt->ts, &dg) != DEFRAG_DONE)
        return DECODE_IP_FRAGMENT;
    d->held[d->nheld++] = dg;
    w->pkt->frag_conflicts += dg->conflicts;
    return decode_ip(w, key->family == 4 ? L3_IPV4 : L3_IPV6, cursor_make(dg->bytes, dg->len),
                     dg->len);
}

static enum decode_result ipv4_fragment(struct walk *w, const uint8_t *ip, uint32_t hlen,
                                        uint32_t total, size_t avail)
{
    if (avail < total) {                       /* cut by the snap length: bytes missing */
        w->d->stats.fragments_cut++;
        return DECODE_IP_FRAGMENT;
    }
    uint16_t frag = (uint16_t)((ip[6] << 8) | ip[7]);
    struct defrag_key key;
    memset(&key, 0, sizeof key);
    memcpy(key.src.b, ip + 12, 4);
    memcpy(key.dst.b, ip + 16, 4);
    key.id = (uint32_t)(ip[4] << 8) | ip[5];
    key.family = 4;
    key.proto = ip[9];                         /* RFC 791 §3.2: id, addresses, protocol */
    struct defrag_frag f = {
        .head = ip, .head_len = hlen, .offset = (uint32_t)(frag & 0x1FFF) * 8,
        .more = (frag & 0x2000) != 0, .data = ip + hlen, .len = total - hlen,
    };
    return reassemble(w, &key, &f);
}

/* e is at the Fragment header, left counts from there; nh_at: where the Next Header that
 * named it sits (RFC 8200 §4.5). */
static enum decode_result ipv6_fragment(struct walk *w, const uint8_t *ip, struct cursor e,
                                        uint32_t left, uint32_t nh_at)
{
    if (e.n < left) {
        w->d->stats.fragments_cut++;
        return DECODE_IP_FRAGMENT;
    }
    struct defrag_key key;
    memset(&key, 0, sizeof key);
    memcpy(key.src.b, ip + 8, 16);
    memcpy(key.dst.b, ip + 24, 16);
    key.id = ((uint32_t)e.p[4] << 24) | ((uint32_t)e.p[5] << 16) | ((uint32_t)e.p[6] << 8) |
             e.p[7];
    key.family = 6;
    uint16_t off_m = (uint16_t)((e.p[2] << 8) | e.p[3]);
    struct defrag_frag f = {
        .head = ip, .head_len = (uint32_t)(e.p - ip), .nh_at = nh_at, .next = e.p[0],
        .offset = (uint32_t)(off_m & 0xFFF8), .more = (off_m & 1) != 0,
        .data = e.p + 8, .len = left - 8,
    };
    return reassemble(w, &key, &f);
}

/* ---- IPv4, IPv6 ---- */

static enum decode_result decode_ipv4(struct walk *w, struct cursor c, uint32_t left)
{
    const uint8_t *ip = c.p;
    size_t avail = c.n;
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
        w->d->stats.tso_zero_len++;
        total = (uint32_t)avail;
    }
    if (total < hlen || total > left)          /* more than was sent: a lie, not a cut */
        return DECODE_IP_BAD_TOTAL_LEN;
    if (avail < hlen)
        return DECODE_IP_TRUNCATED;
    struct packet *pkt = w->pkt;
    pkt->family = 4;
    memset(&pkt->src, 0, sizeof pkt->src);
    memset(&pkt->dst, 0, sizeof pkt->dst);
    memcpy(pkt->src.b, ip + 12, 4);
    memcpy(pkt->dst.b, ip + 16, 4);
    pkt->ip = ip;
    pkt->ip_len = (uint32_t)(avail < total ? avail : total);
    if (((ip[6] << 8 | ip[7]) & 0x3FFF) != 0) /* MF set or a non-zero offset */
        return ipv4_fragment(w, ip, hlen, total, avail);
    return decode_ip_payload(w, ip[9], cursor_make(ip + hlen, pkt->ip_len - hlen), total - hlen);
}

static bool ipv6_is_extension(uint8_t nh)
{
    return nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51 || nh == 135 ||
           nh == 139 || nh == 140;
}

static enum decode_result decode_ipv6(struct walk *w, struct cursor c, uint32_t left)
{
    const uint8_t *ip = c.p;
    size_t avail = c.n;
    if (avail < 40)
        return DECODE_IP_TRUNCATED;
    if ((ip[0] >> 4) != 6)
        return DECODE_IP_BAD_VERSION;
    uint32_t plen = (uint32_t)(ip[4] << 8) | ip[5];
    if (plen == 0) /* a jumbogram or an offloaded segment: take the frame as it is */
        plen = (uint32_t)(avail - 40);
    if (40 + (uint64_t)plen > left)
        return DECODE_IP_BAD_TOTAL_LEN;
    struct packet *pkt = w->pkt;
    pkt->family = 6;
    memcpy(pkt->src.b, ip + 8, 16);
    memcpy(pkt->dst.b, ip + 24, 16);
    pkt->ip = ip;
    pkt->ip_len = (uint32_t)(avail < 40 + (size_t)plen ? avail : 40 + (size_t)plen);

    struct cursor e = cursor_make(ip + 40, pkt->ip_len - 40);
    uint32_t rest = plen; /* real bytes left after the headers walked so far */
    uint32_t nh_at = 6;   /* where the Next Header field naming the current header is */
    uint8_t nh = ip[6];
    for (int i = 0; i < MAX_IPV6_EXT && ipv6_is_extension(nh); i++) {
        if (e.n < 8)
            return rest < 8 ? DECODE_IP_BAD_TOTAL_LEN : DECODE_IPV6_EXT_TRUNCATED;
        uint8_t next = e.p[0];
        uint32_t len = nh == 51 ? ((uint32_t)e.p[1] + 2) * 4   /* AH counts 4-byte words */
                     : nh == IPV6_FRAGMENT ? 8
                     : ((uint32_t)e.p[1] + 1) * 8;
        if (nh == IPV6_FRAGMENT) {
            uint16_t off_m = (uint16_t)((e.p[2] << 8) | e.p[3]);
            if ((off_m & 0xFFF9) != 0) /* offset or M set: a real fragment (RFC 6946: an
                                        * atomic one is walked through) */
                return ipv6_fragment(w, ip, e, rest, nh_at);
        }
        if (len > rest)
            return DECODE_IP_BAD_TOTAL_LEN;
        nh_at = (uint32_t)(e.p - ip);
        if (!cursor_skip(&e, len))
            return DECODE_IPV6_EXT_TRUNCATED;
        rest -= len;
        nh = next;
    }
    return decode_ip_payload(w, nh, e, rest);
}

static enum decode_result decode_ip(struct walk *w, enum l3_kind kind, struct cursor c,
                                    uint32_t left)
{
    trim(&c, left);
    if (kind == L3_GUESS) {
        if (c.n < 1)
            return DECODE_IP_TRUNCATED;
        uint8_t v = c.p[0] >> 4;
        kind = v == 4 ? L3_IPV4 : v == 6 ? L3_IPV6 : L3_NONE;
        if (kind == L3_NONE)
            return DECODE_IP_BAD_VERSION;
    }
    return kind == L3_IPV4 ? decode_ipv4(w, c, left) : decode_ipv6(w, c, left);
}

/* ---- the decoder ---- */

void decode_config_defaults(struct decode_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    tunnel_ports_defaults(&cfg->ports);
    defrag_limits_defaults(&cfg->defrag);
}

bool decoder_init(struct decoder *d, const struct decode_config *cfg)
{
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    if (!siphash_secret(d->secret))
        return false;
    d->defrag = defrag_new(&cfg->defrag, d->secret);
    return d->defrag != NULL;
}

static void release_held(struct decoder *d)
{
    for (unsigned i = 0; i < d->nheld; i++)
        free(d->held[i]);
    d->nheld = 0;
}

void decoder_free(struct decoder *d)
{
    release_held(d);
    defrag_free(d->defrag);
    d->defrag = NULL;
}

void decode_expire(struct decoder *d, ts_us_t now)
{
    defrag_expire(d->defrag, now);
}

enum decode_result decode_packet(struct decoder *d, struct packet *pkt)
{
    release_held(d);
    d->tunnels.n = 0;
    pkt->tunnels = &d->tunnels;
    pkt->tunnel_key = 0;
    pkt->frag_conflicts = 0;
    struct cursor c = cursor_make(pkt->frame, pkt->caplen);
    enum l3_kind kind = decode_link(pkt->dlt, &c);
    enum decode_result r;
    if (c.bad) {
        r = DECODE_LINK_TRUNCATED;
    } else if (kind == L3_NONE) {
        r = DECODE_NOT_IP;
    } else {
        uint32_t cut = pkt->wirelen > pkt->caplen ? pkt->wirelen - pkt->caplen : 0;
        struct walk w = { d, pkt };
        r = decode_ip(&w, kind, c, (uint32_t)c.n + cut);
    }
    if (r == DECODE_OK)
        pkt->tunnel_key = tunnel_stack_key(&d->tunnels, d->tunnels.n, d->secret);
    d->stats.result[r]++;
    return r;
}
