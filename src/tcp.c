/* tcp: handshake roles, segment routing into reassembly, FIN/RST close (see tcp.h). */
#include "tcp.h"

/* RFC 7323 §2.3: the largest shift; windows never exceed 2^30. */
#define WSCALE_MAX 14

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

static void note_window(struct flow *f, int side, const struct packet *pkt)
{
    struct tcp_window *w = &f->win[side];
    if (pkt->tcp_flags & TCP_SYN) {
        if (!w->syn_seen)
            w->wscale = pkt->wscale;
        w->syn_seen = true;
        if (w->window_seen)
            return;
    }
    w->window = pkt->window;
    w->window_seen = true;
}

uint32_t tcp_receive_window(const struct flow *f, int side)
{
    const struct tcp_window *w = &f->win[side], *o = &f->win[!side];
    if (!w->window_seen)
        return 1u << 30;
    int shift = WSCALE_MAX; /* scaling unknown: the handshake was not seen */
    if (w->syn_seen && o->syn_seen)
        shift = w->wscale >= 0 && o->wscale >= 0 ? w->wscale : 0;
    uint64_t win = (uint64_t)w->window << shift;
    return win > (1u << 30) ? 1u << 30 : (uint32_t)win;
}

/* Would the receiver accept a RST or FIN at seq from side? (RFC 9293 §3.10.7.4) */
static bool in_window(const struct flow *f, int side, uint32_t seq)
{
    return reasm_seq_plausible(&f->stream[side], seq, tcp_receive_window(f, !side));
}

/* The handshake's times and the acknowledgements, for the connection's lifecycle. */
static void note_life(struct flow *f, int side, const struct packet *pkt)
{
    struct flow_life *l = &f->life;
    uint8_t flags = pkt->tcp_flags;
    if ((flags & TCP_SYN) && !(flags & TCP_ACK) && !l->syn)
        l->syn = pkt->ts;
    else if ((flags & TCP_SYN) && (flags & TCP_ACK) && !l->synack)
        l->synack = pkt->ts;
    else if ((flags & TCP_ACK) && l->synack && !l->ack && side == f->client)
        l->ack = pkt->ts;
    if (flags & TCP_ACK) {
        l->ack_seq[side] = pkt->ack;
        l->ack_seen[side] = true;
    }
}

/* Bytes the peer had sent towards side that side had not acknowledged. */
static uint32_t in_flight_towards(const struct flow *f, int side)
{
    const struct reasm_dir *peer = &f->stream[!side];
    if (!f->life.ack_seen[side])
        return 0;
    int32_t d = (int32_t)(peer->high_seq - f->life.ack_seq[side]);
    return d > 0 ? (uint32_t)d : 0;
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
    note_window(f, side, pkt);
    if (flags & TCP_SYN) {
        note_roles(st, f, side, flags);
        reasm_syn(r, mine, seq);
        seq++; /* the SYN occupies one sequence number; any data follows it */
    }
    if (flags & TCP_RST) {
        if (!in_window(f, side, seq)) {
            st->rst_ignored++;
            return TCP_CONTINUE;
        }
        st->rst++;
        f->rst = true;
        f->life.rst = pkt->ts;
        f->life.rst_side = (uint8_t)side;
        f->life.rst_in_flight = in_flight_towards(f, side);
        reasm_flush(r, mine, f, side, pkt->ts);
        reasm_flush(r, peer, f, !side, pkt->ts);
        return TCP_ENDED;
    }
    if (pkt->payload_len)
        reasm_push(r, mine, f, side, seq, pkt->payload, pkt->payload_caplen, pkt->payload_len,
                   pkt->ts);
    if (flags & TCP_FIN) {
        uint32_t fin_seq = seq + pkt->payload_len;
        if (in_window(f, side, fin_seq)) {
            st->fin++;
            if (!f->life.fin[side])
                f->life.fin[side] = pkt->ts;
            reasm_fin(r, mine, f, side, fin_seq, pkt->ts);
        } else {
            st->fin_ignored++;
        }
    }
    if (flags & TCP_ACK)
        reasm_ack(r, peer, f, !side, pkt->ack, pkt->ts);
    note_life(f, side, pkt);
    if (mine->state == REASM_DONE && peer->state == REASM_DONE)
        return TCP_ENDED;
    return TCP_CONTINUE;
}
