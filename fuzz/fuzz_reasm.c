/* fuzz_reasm: TCP tracking and reassembly driven by fuzzer-chosen segments — sequence
 * numbers anywhere (wraparound included), flags, windows, lengths, snaplen cuts, overlaps
 * with conflicting bytes — under small caps so that every limit is hit. After each segment the
 * queue's bookkeeping must add up and the caps must hold; at the end nothing may be left.
 * Input: records of [flags][opts][seq 4][ack 4][window 2][len 2] + payload, where opts bit 0 is
 * the sending side, bit 1 cuts the payload to half (snaplen), bits 4-7 are a SYN's window
 * scale (15: none). */
#include <stdint.h>
#include <string.h>

#include "flow.h"
#include "tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_data(void *user, int dir, const uint8_t *p, size_t n, ts_us_t ts)
{
    (void)user; (void)dir; (void)ts;
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < n; i++)
        sink ^= p[i]; /* every delivered byte must be readable */
    (void)sink;
}

static void on_gap(void *user, int dir, uint64_t len, ts_us_t ts)
{
    (void)user; (void)dir; (void)len; (void)ts;
}

static void on_fin(void *user, int dir, ts_us_t ts)
{
    (void)user; (void)dir; (void)ts;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void check(const struct reasm_ctx *ctx, const struct flow *f)
{
    uint64_t queued = 0, segs = 0;
    for (int s = 0; s < 2; s++) {
        const struct reasm_dir *d = &f->stream[s];
        queued += d->queued;
        segs += d->queued_segments;
        if (d->ooo && (d->queued > ctx->lim.dir_bytes ||
                       d->queued_segments > ctx->lim.dir_segments))
            __builtin_trap(); /* a cap did not hold */
    }
    if (queued != ctx->stats.queued_bytes || segs != ctx->stats.queued_segments)
        __builtin_trap(); /* the bookkeeping does not add up */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct reasm_ops ops = { on_data, on_gap, on_fin };
    struct reasm_limits lim = { .dir_bytes = 4096, .dir_segments = 16, .total_bytes = 6000,
                                .history = 64, .reorder_packets = 4, .reorder_time = 1000 };
    struct reasm_ctx ctx;
    reasm_ctx_init(&ctx, &ops, &lim);
    struct tcp_stats st;
    memset(&st, 0, sizeof st);
    struct flow f;
    memset(&f, 0, sizeof f);
    ts_us_t ts = 1000000;
    while (size >= 14 && !f.closed) {
        struct packet pkt;
        memset(&pkt, 0, sizeof pkt);
        pkt.tcp_flags = data[0];
        int side = data[1] & 1;
        pkt.wscale = (data[1] >> 4) == 15 ? -1 : (int8_t)(data[1] >> 4);
        pkt.seq = be32(data + 2);
        pkt.ack = be32(data + 6);
        pkt.window = (uint16_t)(data[10] << 8 | data[11]);
        uint32_t len = (uint32_t)(data[12] << 8 | data[13]);
        data += 14;
        size -= 14;
        uint32_t avail = len < size ? len : (uint32_t)size;
        pkt.payload = data;
        pkt.payload_len = len;
        pkt.payload_caplen = (data[-13] & 2) ? avail / 2 : avail;
        pkt.ts = ts += 300;
        data += avail;
        size -= avail;
        if (tcp_track(&ctx, &st, &f, side, &pkt) == TCP_ENDED)
            f.closed = true;
        check(&ctx, &f);
    }
    for (int s = 0; s < 2; s++)
        reasm_flush(&ctx, &f.stream[s], &f, s, ts);
    check(&ctx, &f);
    for (int s = 0; s < 2; s++)
        reasm_dir_release(&ctx, &f.stream[s]);
    if (ctx.stats.queued_bytes || ctx.stats.queued_segments)
        __builtin_trap(); /* something was not freed */
    return 0;
}
