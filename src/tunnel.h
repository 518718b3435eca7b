/* tunnel: the tunnel headers upscope sees through — IP-in-IP, GRE (with ERSPAN), VXLAN, Geneve,
 * GTP-U — and the stack of them that carried a packet.
 *
 * Each tunnel_parse_*() reads one tunnel header through a bounds-checked cursor, fills one
 * struct tunnel_layer with the tunnel's identity and says what follows it (an EtherType);
 * decode.c chains them. Also owns: the UDP port table (--tunnel-port), the names of the kinds,
 * the symmetric identity of a stack that flows are keyed on, and the per-connection record of
 * what carried each side (struct tunnel_pair). Knows nothing of flows or sessions. */
#ifndef UPSCOPE_TUNNEL_H
#define UPSCOPE_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "packet.h"

enum tunnel_kind {
    TUNNEL_IPIP,       /* IPv4/IPv6 in IPv4/IPv6: protocol 4 or 41 */
    TUNNEL_GRE,        /* GRE version 0 */
    TUNNEL_ERSPAN,     /* GRE carrying ERSPAN type I, II or III */
    TUNNEL_VXLAN,
    TUNNEL_GENEVE,
    TUNNEL_GTPU,
    TUNNEL_KIND_COUNT
};

/* Nesting deeper than this is not followed (decode.tunnel_too_deep). */
#define TUNNEL_MAX_DEPTH 8

/* What follows a tunnel header: an EtherType, or this for "IP, by its version nibble". */
#define TUNNEL_NEXT_IP 0x0000
#define ETHERTYPE_TEB 0x6558   /* Transparent Ethernet Bridging: an Ethernet frame */

/* One tunnel around a packet, as that packet saw it. */
struct tunnel_layer {
    uint8_t kind;              /* enum tunnel_kind */
    uint8_t family;            /* of the outer addresses: 4 or 6 */
    uint8_t version;           /* ERSPAN: type 1, 2 or 3; IP-in-IP: the inner family, 4 or 6 */
    bool has_id;               /* GRE: a key was present; the others: always */
    uint32_t id;               /* VNI (VXLAN, Geneve), key (GRE), session ID (ERSPAN), TEID
                                * (GTP-U) */
    struct ip_addr src, dst;   /* the outer IP header's addresses */
};

/* The tunnels around one packet, outermost first. */
struct tunnel_stack {
    struct tunnel_layer v[TUNNEL_MAX_DEPTH];
    uint8_t n;
};

/* What carried a connection: the tunnels as each side's first packet showed them (the outer
 * addresses are swapped between sides; a GTP-U TEID differs per direction). n layers per side,
 * side s's at layer[s * n ...]; a side with seen[s] false has not sent yet. */
struct tunnel_pair {
    uint8_t n;
    bool seen[2];
    struct tunnel_layer layer[];
};

static inline const struct tunnel_layer *tunnel_pair_layer(const struct tunnel_pair *p,
                                                           int side, unsigned i)
{
    return &p->layer[(unsigned)side * p->n + i];
}

/* Heap bytes of a pair (for memory accounting). */
static inline size_t tunnel_pair_size(const struct tunnel_pair *p)
{
    return sizeof *p + 2u * p->n * sizeof p->layer[0];
}

enum tunnel_status {
    TUNNEL_OK,
    TUNNEL_MALFORMED,          /* a header that breaks its specification, or cut short */
    TUNNEL_UNSUPPORTED,        /* valid, but carries nothing upscope follows (GRE version 1,
                                * a GTP-U echo, an unknown Geneve version, ...) */
};

/* ---- parsers: c covers the header and what follows; on TUNNEL_OK it is left at the
 * payload and *next says what that is. t->kind, id, version are filled (not the addresses). */

/* GRE (RFC 2784 §2, RFC 2890 §2) and, when it carries one, the ERSPAN header after it;
 * *truncated_copy: ERSPAN's T bit, the mirrored frame was cut (its lengths say more). */
enum tunnel_status tunnel_parse_gre(struct cursor *c, struct tunnel_layer *t, uint16_t *next,
                                    bool *truncated_copy);
/* VXLAN (RFC 7348 §5): always an Ethernet frame. */
enum tunnel_status tunnel_parse_vxlan(struct cursor *c, struct tunnel_layer *t, uint16_t *next);
/* Geneve (RFC 8926 §3), options walked. */
enum tunnel_status tunnel_parse_geneve(struct cursor *c, struct tunnel_layer *t, uint16_t *next);
/* GTP-U (3GPP TS 29.281 §5): *pdu_len is the T-PDU's length as the header's Length field
 * says (the caller checks it against what the UDP datagram holds). */
enum tunnel_status tunnel_parse_gtpu(struct cursor *c, struct tunnel_layer *t, uint16_t *next,
                                     uint32_t *pdu_len);

/* ---- UDP ports that carry tunnels ---- */

#define TUNNEL_PORTS_MAX 32

struct tunnel_ports {
    uint16_t port[TUNNEL_PORTS_MAX];
    uint8_t kind[TUNNEL_PORTS_MAX];
    uint8_t n;
};

/* The IANA ports: VXLAN 4789 (RFC 7348 §5), Geneve 6081 (RFC 8926 §3.3), GTP-U 2152
 * (3GPP TS 29.281 §4.4.2). */
void tunnel_ports_defaults(struct tunnel_ports *p);

/* --tunnel-port: "vxlan:4790", "geneve:N", "gtp-u:N" adds a port; "none" forgets every port
 * (the defaults too). False with err set when spec is none of these or the table is full. */
bool tunnel_ports_add(struct tunnel_ports *p, const char *spec, char *err, size_t errlen);

/* The UDP tunnel kind of a destination port, or -1. */
int tunnel_port_kind(const struct tunnel_ports *p, uint16_t port);

/* ---- names and identity ---- */

/* "vxlan", "geneve", "gre", "erspan", "ip-in-ip", "gtp-u" (reports) */
const char *tunnel_kind_name(enum tunnel_kind k);

/* The same with '_' for '-': a --stats counter name part ("gtp_u"). */
const char *tunnel_kind_stat_name(enum tunnel_kind k);

/* A keyed digest of the first n layers of s that is the same for both directions of a
 * connection: kinds, outer address pairs, VNI / GRE key / ERSPAN session (a GTP-U TEID differs
 * per direction, so only its endpoints count). 0 when n is 0. */
uint64_t tunnel_stack_key(const struct tunnel_stack *s, unsigned n, const uint8_t secret[16]);

/* Records the tunnels of a packet sent by side (0/1) of a connection in *pp, made on first use
 * (NULL stays NULL if memory runs out). Only the first packet of each side is recorded. */
void tunnel_pair_note(struct tunnel_pair **pp, const struct tunnel_stack *s, int side);

/* A copy of p with the client's side first (NULL for NULL or no memory). */
struct tunnel_pair *tunnel_pair_oriented(const struct tunnel_pair *p, int client_side);

#endif
