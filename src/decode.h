/* decode: link, IP, tunnel and TCP header decoding with per-reason counters.
 *
 * decode_packet() walks one captured frame from its link layer down to the innermost TCP
 * payload, reading only the captured bytes (never past caplen): through VLAN tags, MPLS and
 * PPPoE, through tunnels (IP-in-IP, GRE, ERSPAN, VXLAN, Geneve, GTP-U; tunnel.c parses their
 * headers) nested up to TUNNEL_MAX_DEPTH, and through IP fragments, which it gives to the
 * reassembler (defrag.c) and walks again once whole. Anything that does not end in a
 * complete-enough TCP segment is counted under one reason and skipped. Owns: the decoder
 * (its configuration, counters, the reassembler, the tunnels of the packet being decoded),
 * the list of supported link types and the reason table. Knows nothing of flows. */
#ifndef UPSCOPE_DECODE_H
#define UPSCOPE_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "defrag.h"
#include "packet.h"
#include "tunnel.h"

enum decode_result {
    /* a TCP segment, fully decoded */
    DECODE_OK,
    /* skipped, not an error */
    DECODE_NOT_IP,
    DECODE_NOT_TCP,
    DECODE_IP_FRAGMENT,        /* a fragment: held for reassembly, or dropped (defrag.*) */
    /* malformed or cut short */
    DECODE_LINK_TRUNCATED,
    DECODE_IP_TRUNCATED,
    DECODE_IP_BAD_VERSION,
    DECODE_IP_BAD_HEADER_LEN,
    DECODE_IP_BAD_TOTAL_LEN,
    DECODE_IPV6_EXT_TRUNCATED,
    DECODE_TCP_TRUNCATED,
    DECODE_TCP_BAD_HEADER_LEN,
    DECODE_TUNNEL_MALFORMED,   /* a tunnel header that breaks its specification (tunnel.*) */
    DECODE_TUNNEL_TOO_DEEP,    /* more than TUNNEL_MAX_DEPTH tunnels */
    DECODE_RESULT_COUNT
};

/* Decoded fine but the payload was cut by the snap length: counted apart from the results. */
struct decode_stats {
    uint64_t result[DECODE_RESULT_COUNT];
    uint64_t payload_cut;      /* TCP payload shorter than its IP length said (snaplen) */
    uint64_t tso_zero_len;     /* IPv4 total length 0 (segmentation offload); frame length used */
    uint64_t tunnel[TUNNEL_KIND_COUNT];           /* packets decapsulated, per kind */
    uint64_t tunnel_malformed[TUNNEL_KIND_COUNT]; /* malformed headers, per kind */
    uint64_t tunnel_unsupported;  /* valid tunnel packets carrying nothing to follow */
    uint64_t fragments_cut;    /* fragments cut by the snap length: not reassembled */
};

struct decode_config {
    struct tunnel_ports ports;     /* UDP ports that carry tunnels (--tunnel-port) */
    struct defrag_limits defrag;
};

struct decoder {
    struct decode_config cfg;
    struct decode_stats stats;
    struct defrag *defrag;
    uint8_t secret[16];            /* keys the tunnel identity digest and the defrag table */
    struct tunnel_stack tunnels;   /* the packet being decoded (packet.tunnels points here) */
    struct defrag_datagram *held[TUNNEL_MAX_DEPTH + 2];  /* reassembled datagrams of the
                                    * packet being decoded, freed at the next packet */
    unsigned nheld;
};

/* Short stable name of a result, e.g. "ip_truncated" (used in --stats and reports). */
const char *decode_result_name(enum decode_result r);

/* True for results that mean bad input rather than traffic upscope does not look at. */
bool decode_result_is_error(enum decode_result r);

/* True when the pcap link type (DLT_*) is one decode_packet() understands. */
bool decode_linktype_supported(int dlt);

/* A file's link type (LINKTYPE_*, as pcap and pcapng headers write it) as the DLT_ value
 * libpcap gives for it: the same number but for LINKTYPE_RAW (101), whose DLT_RAW is 12 on
 * Linux. */
int decode_dlt_of_linktype(uint32_t linktype);

/* The largest frame upscope captures or reads: libpcap's MAXIMUM_SNAPLEN (-s, capture files,
 * the files -w writes). */
#define DECODE_MAX_SNAPLEN 262144u

/* The defaults: the IANA tunnel ports, defrag's limits. */
void decode_config_defaults(struct decode_config *cfg);

/* False when memory or randomness runs out. */
bool decoder_init(struct decoder *d, const struct decode_config *cfg);
void decoder_free(struct decoder *d);

/* Decodes pkt->frame / caplen / wirelen of link type pkt->dlt; fills the rest of *pkt on
 * DECODE_OK (its pointers stay valid until the next call). Counts the result. */
enum decode_result decode_packet(struct decoder *d, struct packet *pkt);

/* Gives up fragments waiting past their timeout at time now. */
void decode_expire(struct decoder *d, ts_us_t now);

#endif
