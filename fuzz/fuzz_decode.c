/* fuzz_decode: the decoder on fuzzer-chosen packets — every link type, tunnels nested in any
 * order (IP-in-IP, GRE, ERSPAN, VXLAN, Geneve, GTP-U, on the standard ports and an extra one),
 * IPv4 and IPv6 fragments reassembled under small caps (so every cap and the timeout are hit),
 * snap-length cuts. Each packet is copied to a block of its exact size, so a read past it is
 * caught. After each packet: the reassembler's bookkeeping holds its caps, a decoded segment's
 * payload is readable and no longer than declared, the tunnel stack is within its depth;
 * at the end everything is freed.
 * Input: [link type index] then records of [len lo][len hi][cut][seconds] + len bytes: cut is
 * how many bytes a snap length left out (the wire length is len + cut), seconds how far the
 * clock moves before the packet. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int dlts[] = { DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL, 276 /* SLL2 */, DLT_NULL,
                            DLT_LOOP, 228 /* IPV4 */, 229 /* IPV6 */ };

static void check(const struct decoder *d, enum decode_result r, const struct packet *pkt)
{
    const struct defrag_stats *st = defrag_stats(d->defrag);
    if (st->bytes > d->cfg.defrag.max_bytes || st->datagrams > d->cfg.defrag.max_datagrams ||
        st->bytes_peak > d->cfg.defrag.max_bytes)
        abort();
    if (pkt->tunnels->n > TUNNEL_MAX_DEPTH || d->nheld > sizeof d->held / sizeof d->held[0])
        abort();
    if (r != DECODE_OK)
        return;
    if (pkt->payload_caplen > pkt->payload_len)
        abort();
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < pkt->payload_caplen; i++)
        sink ^= pkt->payload[i];          /* every byte said captured must be readable */
    for (uint32_t i = 0; i < pkt->ip_len; i++)
        sink ^= pkt->ip[i];
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct decode_config cfg;
    decode_config_defaults(&cfg);
    cfg.defrag.max_datagrams = 4;         /* small caps: reachable by a fuzzer */
    cfg.defrag.max_bytes = 24u << 10;
    cfg.defrag.max_fragments = 12;
    char err[128];
    tunnel_ports_add(&cfg.ports, "geneve:4790", err, sizeof err);
    struct decoder d;
    if (!decoder_init(&d, &cfg)) {
        decoder_free(&d);
        return 0;
    }
    int dlt = dlts[data[0] % (sizeof dlts / sizeof dlts[0])];
    size_t off = 1;
    ts_us_t ts = 1000000;
    while (off + 4 <= size) {
        size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;
        uint8_t cut = data[off + 2];
        ts += (ts_us_t)data[off + 3] * 1000000;
        off += 4;
        if (len > size - off)
            len = size - off;
        uint8_t *frame = malloc(len ? len : 1);
        if (!frame)
            break;
        memcpy(frame, data + off, len);
        off += len;
        struct packet pkt;
        memset(&pkt, 0, sizeof pkt);
        pkt.frame = frame;
        pkt.caplen = (uint32_t)len;
        pkt.wirelen = (uint32_t)len + cut;
        pkt.dlt = dlt;
        pkt.ts = ts;
        enum decode_result r = decode_packet(&d, &pkt);
        check(&d, r, &pkt);
        free(frame);
    }
    decode_expire(&d, ts + 3600 * 1000000ULL);
    if (defrag_stats(d.defrag)->datagrams != 0 || defrag_stats(d.defrag)->bytes != 0)
        abort();                          /* everything given back once its time is up */
    decoder_free(&d);
    return 0;
}
