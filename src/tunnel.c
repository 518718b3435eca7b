/* tunnel: GRE, ERSPAN, VXLAN, Geneve and GTP-U headers; the port table; stack identity. */
#include "tunnel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "siphash.h"

enum {
    GRE_C = 0x8000,          /* checksum present (RFC 2784 §2.1) */
    GRE_R = 0x4000,          /* RFC 1701 routing present */
    GRE_K = 0x2000,          /* key present (RFC 2890 §2) */
    GRE_S = 0x1000,          /* sequence number present (RFC 2890 §2) */
    GRE_SSR = 0x0800,        /* RFC 1701 strict source route */
    GRE_RECUR0 = 0x0400,     /* the first bit of RFC 1701's recursion control */
    GRE_VERSION = 0x0007,
    ETHERTYPE_ERSPAN_2 = 0x88BE,   /* type I without a sequence number, type II with one */
    ETHERTYPE_ERSPAN_3 = 0x22EB,
    GTPU_G_PDU = 255,              /* a T-PDU: a user packet (3GPP TS 29.281 §6.1) */
    GTPU_MAX_EXT = 16,             /* extension headers followed per packet */
};

static const char *const kind_names[TUNNEL_KIND_COUNT] = {
    [TUNNEL_IPIP] = "ip-in-ip", [TUNNEL_GRE] = "gre", [TUNNEL_ERSPAN] = "erspan",
    [TUNNEL_VXLAN] = "vxlan", [TUNNEL_GENEVE] = "geneve", [TUNNEL_GTPU] = "gtp-u",
};

static const char *const stat_names[TUNNEL_KIND_COUNT] = {
    [TUNNEL_IPIP] = "ip_in_ip", [TUNNEL_GRE] = "gre", [TUNNEL_ERSPAN] = "erspan",
    [TUNNEL_VXLAN] = "vxlan", [TUNNEL_GENEVE] = "geneve", [TUNNEL_GTPU] = "gtp_u",
};

const char *tunnel_kind_name(enum tunnel_kind k)
{
    return k < TUNNEL_KIND_COUNT ? kind_names[k] : "?";
}

const char *tunnel_kind_stat_name(enum tunnel_kind k)
{
    return k < TUNNEL_KIND_COUNT ? stat_names[k] : "?";
}

/* ---- GRE and ERSPAN ---- */

/* The ERSPAN header after a GRE header of protocol 0x88BE or 0x22EB (draft-foschiano-erspan-03
 * §4: type I has none, type II 8 bytes, type III 12 plus an optional 8-byte platform
 * subheader). The mirrored frame follows: Ethernet, or IP for a type III frame type 2. */
static enum tunnel_status parse_erspan(struct cursor *c, struct tunnel_layer *t, uint16_t proto,
                                       bool seq, uint16_t *next, bool *truncated_copy)
{
    t->kind = TUNNEL_ERSPAN;
    t->has_id = false;
    *next = ETHERTYPE_TEB;
    if (proto == ETHERTYPE_ERSPAN_2 && !seq) { /* type I: the frame straight after GRE */
        t->version = 1;
        return TUNNEL_OK;
    }
    uint32_t w = cursor_be32(c);
    if (c->bad)
        return TUNNEL_MALFORMED;
    unsigned ver = w >> 28;                     /* 1: type II, 2: type III */
    if ((proto == ETHERTYPE_ERSPAN_2 && ver != 1) || (proto == ETHERTYPE_ERSPAN_3 && ver != 2))
        return TUNNEL_MALFORMED;
    t->version = (uint8_t)(ver + 1);
    t->id = w & 0x3FF;                          /* Session ID */
    t->has_id = true;
    *truncated_copy = (w >> 10) & 1;            /* T: the mirrored frame was cut */
    if (ver == 1)
        return cursor_skip(c, 4) ? TUNNEL_OK : TUNNEL_MALFORMED;  /* Reserved, Index */
    cursor_skip(c, 4);                          /* Timestamp */
    uint32_t w3 = cursor_be32(c);               /* SGT, P, FT, Hw ID, D, Gra, O */
    if (c->bad || ((w3 & 1) && !cursor_skip(c, 8)))
        return TUNNEL_MALFORMED;
    unsigned ft = (w3 >> 10) & 0x1F;
    if (ft == 2)
        *next = TUNNEL_NEXT_IP;
    else if (ft != 0)
        return TUNNEL_UNSUPPORTED;
    return TUNNEL_OK;
}

enum tunnel_status tunnel_parse_gre(struct cursor *c, struct tunnel_layer *t, uint16_t *next,
                                    bool *truncated_copy)
{
    *truncated_copy = false;
    t->kind = TUNNEL_GRE;
    t->has_id = false;
    t->id = 0;
    uint16_t flags = cursor_be16(c);
    uint16_t proto = cursor_be16(c);
    if (c->bad)
        return TUNNEL_MALFORMED;
    /* RFC 2784 §2.3.1: version 0 only; 1 is PPTP's enhanced GRE (RFC 2637), carrying PPP */
    if (flags & GRE_VERSION)
        return TUNNEL_UNSUPPORTED;
    /* RFC 2784 §2.3: a receiver that does not implement RFC 1701 MUST discard a packet with any
     * of bits 1-5 set, bits 2 (K) and 3 (S) being RFC 2890's */
    if (flags & (GRE_R | GRE_SSR | GRE_RECUR0))
        return TUNNEL_MALFORMED;
    if (flags & GRE_C)
        cursor_skip(c, 4);                      /* Checksum, Reserved1 (RFC 2784 §2.5) */
    if (flags & GRE_K) {
        t->id = cursor_be32(c);                 /* Key (RFC 2890 §2.1) */
        t->has_id = true;
    }
    if (flags & GRE_S)
        cursor_skip(c, 4);                      /* Sequence Number (RFC 2890 §2.2) */
    if (c->bad)
        return TUNNEL_MALFORMED;
    if (proto == ETHERTYPE_ERSPAN_2 || proto == ETHERTYPE_ERSPAN_3)
        return parse_erspan(c, t, proto, flags & GRE_S, next, truncated_copy);
    *next = proto;
    return TUNNEL_OK;
}

/* ---- UDP tunnels ---- */

enum tunnel_status tunnel_parse_vxlan(struct cursor *c, struct tunnel_layer *t, uint16_t *next)
{
    t->kind = TUNNEL_VXLAN;
    uint8_t flags = cursor_u8(c);
    cursor_skip(c, 3);
    uint32_t vni = cursor_be24(c);
    cursor_skip(c, 1);
    if (c->bad)
        return TUNNEL_MALFORMED;
    /* RFC 7348 §5: the I flag MUST be 1 for a valid VNI; the other bits are ignored */
    if (!(flags & 0x08))
        return TUNNEL_MALFORMED;
    t->id = vni;
    t->has_id = true;
    *next = ETHERTYPE_TEB;
    return TUNNEL_OK;
}

/* RFC 8926 §3.5: options are TLVs whose lengths must add up to the header's Opt Len. */
static bool geneve_options_valid(const uint8_t *p, size_t n)
{
    struct cursor o = cursor_make(p, n);
    while (o.n > 0) {
        cursor_skip(&o, 3);                     /* Option Class, Type */
        uint8_t len = cursor_u8(&o) & 0x1F;     /* R R R Length, in 4-byte words */
        if (o.bad || !cursor_skip(&o, (size_t)len * 4))
            return false;
    }
    return true;
}

enum tunnel_status tunnel_parse_geneve(struct cursor *c, struct tunnel_layer *t, uint16_t *next)
{
    t->kind = TUNNEL_GENEVE;
    uint8_t b0 = cursor_u8(c);
    cursor_skip(c, 1);                          /* O, C, reserved */
    uint16_t proto = cursor_be16(c);
    uint32_t vni = cursor_be24(c);
    cursor_skip(c, 1);
    const uint8_t *opts;
    size_t opt_len = (size_t)(b0 & 0x3F) * 4;
    if (c->bad || !cursor_take(c, opt_len, &opts))
        return TUNNEL_MALFORMED;
    /* RFC 8926 §3.4: an unknown version MUST be dropped */
    if ((b0 >> 6) != 0)
        return TUNNEL_UNSUPPORTED;
    if (!geneve_options_valid(opts, opt_len))
        return TUNNEL_MALFORMED;
    t->id = vni;
    t->has_id = true;
    *next = proto;
    return TUNNEL_OK;
}

/* 3GPP TS 29.281 §5.2.1: each extension header gives its length in 4-octet units (0 is
 * invalid) and ends with the type of the next one (0: none). *left: bytes the GTP Length
 * field says remain. */
static bool gtpu_skip_extensions(struct cursor *c, uint8_t type, uint32_t *left)
{
    for (int i = 0; type != 0; i++) {
        if (i == GTPU_MAX_EXT)
            return false;
        uint8_t units = cursor_u8(c);
        uint32_t len = (uint32_t)units * 4;
        if (c->bad || units == 0 || len > *left || !cursor_skip(c, len - 2))
            return false;
        type = cursor_u8(c);
        if (c->bad)
            return false;
        *left -= len;
    }
    return true;
}

enum tunnel_status tunnel_parse_gtpu(struct cursor *c, struct tunnel_layer *t, uint16_t *next,
                                     uint32_t *pdu_len)
{
    t->kind = TUNNEL_GTPU;
    uint8_t flags = cursor_u8(c);
    uint8_t type = cursor_u8(c);
    uint32_t left = cursor_be16(c);             /* bytes after the first 8 (§5.1) */
    t->id = cursor_be32(c);
    t->has_id = true;
    if (c->bad)
        return TUNNEL_MALFORMED;
    /* §5.1: version 1 and protocol type 1 (0 is GTP', charging) */
    if ((flags >> 5) != 1 || !(flags & 0x10))
        return TUNNEL_UNSUPPORTED;
    if (flags & 0x07) {                         /* E, S or PN: the 4 optional octets */
        cursor_skip(c, 3);                      /* sequence number, N-PDU number */
        uint8_t ext = cursor_u8(c);             /* next extension header type */
        if (c->bad || left < 4)
            return TUNNEL_MALFORMED;
        left -= 4;
        if ((flags & 0x04) && !gtpu_skip_extensions(c, ext, &left))
            return TUNNEL_MALFORMED;
    }
    if (type != GTPU_G_PDU)                     /* echo, error indication, end marker */
        return TUNNEL_UNSUPPORTED;
    *pdu_len = left;
    *next = TUNNEL_NEXT_IP;
    return TUNNEL_OK;
}

/* ---- ports ---- */

static void ports_put(struct tunnel_ports *p, enum tunnel_kind kind, uint16_t port)
{
    for (unsigned i = 0; i < p->n; i++) {
        if (p->port[i] == port) {
            p->kind[i] = (uint8_t)kind;         /* the latest word on a port wins */
            return;
        }
    }
    p->port[p->n] = port;
    p->kind[p->n++] = (uint8_t)kind;
}

void tunnel_ports_defaults(struct tunnel_ports *p)
{
    memset(p, 0, sizeof *p);
    ports_put(p, TUNNEL_VXLAN, 4789);
    ports_put(p, TUNNEL_GENEVE, 6081);
    ports_put(p, TUNNEL_GTPU, 2152);
}

bool tunnel_ports_add(struct tunnel_ports *p, const char *spec, char *err, size_t errlen)
{
    if (strcmp(spec, "none") == 0) {
        p->n = 0;
        return true;
    }
    static const enum tunnel_kind udp_kinds[] = { TUNNEL_VXLAN, TUNNEL_GENEVE, TUNNEL_GTPU };
    const char *colon = strchr(spec, ':');
    char *end;
    unsigned long port = colon ? strtoul(colon + 1, &end, 10) : 0;
    int kind = -1;
    for (unsigned i = 0; colon && i < sizeof udp_kinds / sizeof udp_kinds[0]; i++) {
        const char *name = kind_names[udp_kinds[i]];
        if ((size_t)(colon - spec) == strlen(name) && strncmp(spec, name, strlen(name)) == 0)
            kind = (int)udp_kinds[i];
    }
    if (kind < 0 || colon[1] < '0' || colon[1] > '9' || *end || port == 0 || port > 65535) {
        snprintf(err, errlen, "'%s' is not KIND:PORT (KIND vxlan, geneve or gtp-u; PORT "
                 "1-65535) or none", spec);
        return false;
    }
    if (p->n == TUNNEL_PORTS_MAX && tunnel_port_kind(p, (uint16_t)port) < 0) {
        snprintf(err, errlen, "at most %d tunnel ports", TUNNEL_PORTS_MAX);
        return false;
    }
    ports_put(p, (enum tunnel_kind)kind, (uint16_t)port);
    return true;
}

int tunnel_port_kind(const struct tunnel_ports *p, uint16_t port)
{
    for (unsigned i = 0; i < p->n; i++)
        if (p->port[i] == port)
            return p->kind[i];
    return -1;
}

/* ---- identity ---- */

/* One layer as both directions see it: the smaller address first, the id only where it is
 * the same both ways. */
struct layer_identity {
    uint8_t kind, family, version, has_id;
    uint32_t id;
    struct ip_addr lo, hi;
};

uint64_t tunnel_stack_key(const struct tunnel_stack *s, unsigned n, const uint8_t secret[16])
{
    if (n == 0)
        return 0;
    struct layer_identity ids[TUNNEL_MAX_DEPTH];
    memset(ids, 0, sizeof ids);
    for (unsigned i = 0; i < n && i < TUNNEL_MAX_DEPTH; i++) {
        const struct tunnel_layer *t = &s->v[i];
        bool swap = memcmp(&t->src, &t->dst, sizeof t->src) > 0;
        ids[i].kind = t->kind;
        ids[i].family = t->family;
        ids[i].version = t->version;
        /* 3GPP TS 29.281 §5.1: each end chooses the TEID it receives on */
        bool same_both_ways = t->kind != TUNNEL_GTPU && t->has_id;
        ids[i].has_id = same_both_ways;
        ids[i].id = same_both_ways ? t->id : 0;
        ids[i].lo = swap ? t->dst : t->src;
        ids[i].hi = swap ? t->src : t->dst;
    }
    uint64_t h = siphash24(secret, ids, (n < TUNNEL_MAX_DEPTH ? n : TUNNEL_MAX_DEPTH) *
                                        sizeof ids[0]);
    return h ? h : 1;                           /* 0 means "no tunnel" */
}

/* ---- what carried a connection ---- */

void tunnel_pair_note(struct tunnel_pair **pp, const struct tunnel_stack *s, int side)
{
    struct tunnel_pair *p = *pp;
    if (!p) {
        p = calloc(1, sizeof *p + 2u * s->n * sizeof p->layer[0]);
        if (!p)
            return;
        p->n = s->n;
        *pp = p;
    }
    if (p->seen[side] || p->n != s->n) /* the flow key holds the depth: n cannot differ */
        return;
    memcpy(&p->layer[(unsigned)side * p->n], s->v, s->n * sizeof s->v[0]);
    p->seen[side] = true;
}

struct tunnel_pair *tunnel_pair_oriented(const struct tunnel_pair *p, int client_side)
{
    if (!p)
        return NULL;
    struct tunnel_pair *o = malloc(tunnel_pair_size(p));
    if (!o)
        return NULL;
    o->n = p->n;
    for (int d = 0; d < 2; d++) {
        int from = d == 0 ? client_side : !client_side;
        o->seen[d] = p->seen[from];
        memcpy(&o->layer[(unsigned)d * o->n], &p->layer[(unsigned)from * p->n],
               p->n * sizeof p->layer[0]);
    }
    return o;
}
