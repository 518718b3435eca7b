/* tcp: handshake roles, segment routing into reassembly, FIN/RST close (see tcp.h). */
#include "tcp.h"

static void note_roles(struct tcp_stats *st, struct flow *f, int side, uint8_t flags)
{
    if (!(flags & TCP_ACK)) {
        st->syn++;
        f->client = (uint8_t)side;
        f->role_source = ROLE_SYN;
    } else {
        st->syn_ack++;
        if (f->role_source < ROLE_SYN_ACK) {
            f->client = (uint8_t)!side;
            f->role_source = ROLE_SYN_ACK;
        }
    }
}

enum tcp_result tcp_track(struct reasm_ctx *r, struct tcp_stats *st, struct flow *f, int side,
                          const struct packet *pkt)
{
    uint8_t flags = pkt->tcp_flags;
    if (f->closed) {
        st->after_close++;
        return TCP_CONTINUE;
    }
    struct reasm_dir *mine = &f->stream[side];
    struct reasm_dir *peer = &f->stream[!side];
    uint32_t seq = pkt->seq;
    if (flags & TCP_SYN) {
        note_roles(st, f, side, flags);
        reasm_syn(r, mine, seq);
        seq++; /* the SYN occupies one sequence number; any data follows it */
    }
    if (flags & TCP_RST) {
        st->rst++;
        f->rst = true;
        reasm_flush(r, mine, f, side, pkt->ts);
        reasm_flush(r, peer, f, !side, pkt->ts);
        return TCP_ENDED;
    }
    if (pkt->payload_len)
        reasm_push(r, mine, f, side, seq, pkt->payload, pkt->payload_caplen, pkt->payload_len,
                   pkt->ts);
    if (flags & TCP_FIN) {
        st->fin++;
        reasm_fin(r, mine, f, side, seq + pkt->payload_len, pkt->ts);
    }
    if (flags & TCP_ACK)
        reasm_ack(r, peer, f, !side, pkt->ack, pkt->ts);
    if (mine->state == REASM_DONE && peer->state == REASM_DONE)
        return TCP_ENDED;
    return TCP_CONTINUE;
}
