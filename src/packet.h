/* packet: what the decoder learns about one captured frame.
 *
 * A struct packet is filled by decode_packet() and lives only while its frame is processed;
 * every pointer in it points into the capture buffer of that frame (no copies, no heap). */
#ifndef UPSCOPE_PACKET_H
#define UPSCOPE_PACKET_H

#include <stdint.h>

struct tunnel_stack;

/* An IPv4 address is kept in the first four bytes, the rest zero. */
struct ip_addr {
    uint8_t b[16];
};

/* Capture time: microseconds since the Unix epoch (UTC). */
typedef uint64_t ts_us_t;

enum {
    TCP_FIN = 0x01,
    TCP_SYN = 0x02,
    TCP_RST = 0x04,
    TCP_PSH = 0x08,
    TCP_ACK = 0x10,
    TCP_URG = 0x20,
};

struct packet {
    /* From the capture */
    ts_us_t ts;
    uint64_t number;          /* 1-based record number in the source */
    const uint8_t *frame;
    uint32_t caplen;          /* bytes captured */
    uint32_t wirelen;         /* bytes on the wire */
    int dlt;                  /* its link type (DLT_*): a pcapng file's interfaces may differ */
    bool frame_kept;          /* the frame stays readable until the capture is closed (a
                               * mapped file): the worker pool passes it on without a copy */

    /* Network layer (valid when decode_packet() returned DECODE_OK): the innermost IP header,
     * the one TCP rode in (a reassembled datagram when it came in fragments) */
    uint8_t family;           /* 4 or 6 */
    const uint8_t *ip;        /* IP header, for nDPI */
    uint32_t ip_len;          /* captured IP bytes, trimmed to the IP length (no link padding) */
    struct ip_addr src, dst;
    const struct tunnel_stack *tunnels;  /* the tunnels around it, outermost first (the
                                          * decoder's; n is 0 for none) */
    uint64_t tunnel_key;      /* their identity, the same both ways (0: no tunnel) */
    uint32_t frag_conflicts;  /* fragments of it that overlapped with other bytes */

    /* TCP */
    uint16_t sport, dport;
    uint8_t tcp_flags;
    uint32_t seq, ack;
    uint16_t window;          /* as sent (RFC 7323: not scaled in a SYN) */
    int8_t wscale;            /* the window scale option of a SYN, -1 if none */
    const uint8_t *payload;
    uint32_t payload_len;     /* payload length the IP header declares */
    uint32_t payload_caplen;  /* payload bytes actually captured (<= payload_len) */
};

#endif
