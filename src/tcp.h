/* tcp: per-segment TCP connection tracking.
 *
 * Decides client and server from the handshake (SYN sender = client, SYN-ACK sender = server),
 * feeds payload, FINs and ACKs of each segment to the reassembler of its direction, and says
 * when the connection has ended (FIN both ways, or RST). Like a real TCP stack (RFC 9293
 * §3.10.7.4, RFC 5961 §3), a RST or FIN whose sequence number lies outside what the receiver's
 * window allows is ignored and counted: one spoofed packet must not end inspection or cut a
 * stream. Segments of an ended connection are only counted (a new SYN on the same addresses is
 * the caller's business). Knows nothing of what the bytes mean: reassembly callbacks receive
 * the flow as `user` and the sending key endpoint as `dir`. */
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
    uint64_t rst_ignored;     /* RSTs outside the window: not believed */
    uint64_t fin_ignored;     /* FINs outside the window: not believed */
    uint64_t after_close;     /* segments on connections already ended */
};

enum tcp_result tcp_track(struct reasm_ctx *r, struct tcp_stats *st, struct flow *f, int side,
                          const struct packet *pkt);

/* The receive window endpoint `side` last advertised, scaled when both SYNs agreed on scaling
 * (at most 2^30; the largest possible when scaling is unknown). */
uint32_t tcp_receive_window(const struct flow *f, int side);

#endif
