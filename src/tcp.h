/* tcp: per-segment TCP connection tracking.
 *
 * Decides client and server from the handshake (SYN sender = client, SYN-ACK sender = server),
 * feeds payload, FINs and ACKs of each segment to the reassembler of its direction, and says
 * when the connection has ended (FIN both ways, or RST). Segments of an ended connection are
 * only counted (a new SYN on the same addresses is the caller's business). Knows nothing of what the bytes mean:
 * reassembly callbacks receive the flow as `user` and the sending key endpoint as `dir`. */
#ifndef UPSCOPE_TCP_H
#define UPSCOPE_TCP_H

#include "flow.h"
#include "packet.h"
#include "reasm.h"

enum tcp_result {
    TCP_CONTINUE,        /* nothing special */
    TCP_ENDED,           /* this segment ended the connection (both FINs delivered, or RST) */
};

struct tcp_stats {
    uint64_t syn;
    uint64_t syn_ack;
    uint64_t fin;
    uint64_t rst;
    uint64_t after_close;     /* segments on connections already ended */
};

enum tcp_result tcp_track(struct reasm_ctx *r, struct tcp_stats *st, struct flow *f, int side,
                          const struct packet *pkt);

#endif
