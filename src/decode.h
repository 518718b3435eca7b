/* decode: link, IP and TCP header decoding with per-reason counters.
 *
 * decode_packet() walks one captured frame from its link layer down to the TCP payload, reading
 * only the captured bytes (never past caplen). Anything that is not a complete-enough TCP
 * segment is counted under one reason and skipped. Owns: the list of supported link types and
 * the reason table. Knows nothing of flows. */
#ifndef UPSCOPE_DECODE_H
#define UPSCOPE_DECODE_H

#include <stdbool.h>
#include <stdint.h>
#include "packet.h"

enum decode_result {
    /* a TCP segment, fully decoded */
    DECODE_OK,
    /* skipped, not an error */
    DECODE_NOT_IP,
    DECODE_NOT_TCP,
    DECODE_IP_FRAGMENT,
    /* malformed or cut short */
    DECODE_LINK_TRUNCATED,
    DECODE_IP_TRUNCATED,
    DECODE_IP_BAD_VERSION,
    DECODE_IP_BAD_HEADER_LEN,
    DECODE_IP_BAD_TOTAL_LEN,
    DECODE_IPV6_EXT_TRUNCATED,
    DECODE_TCP_TRUNCATED,
    DECODE_TCP_BAD_HEADER_LEN,
    DECODE_RESULT_COUNT
};

/* Decoded fine but the payload was cut by the snap length: counted apart from the results. */
struct decode_stats {
    uint64_t result[DECODE_RESULT_COUNT];
    uint64_t payload_cut;      /* TCP payload shorter than its IP length said (snaplen) */
    uint64_t tso_zero_len;     /* IPv4 total length 0 (segmentation offload); frame length used */
};

/* Short stable name of a result, e.g. "ip_truncated" (used in --stats and reports). */
const char *decode_result_name(enum decode_result r);

/* True for results that mean bad input rather than traffic upscope does not look at. */
bool decode_result_is_error(enum decode_result r);

/* True when the pcap link type (DLT_*) is one decode_packet() understands. */
bool decode_linktype_supported(int dlt);

/* Decodes pkt->frame / pkt->caplen / pkt->wirelen; fills the rest of *pkt on DECODE_OK.
 * Counts the result (and payload_cut) in *stats. */
enum decode_result decode_packet(int dlt, struct packet *pkt, struct decode_stats *stats);

#endif
