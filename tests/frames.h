/* frames: building packets for the tunnel and defrag unit tests, from the inside out, and
 * decoding them.
 *
 * A frame is built innermost first (TCP and its payload), then wrapped: frame_wrap() puts a
 * header in front of what is there, frame_ipv4() / frame_ipv6() / frame_udp() put an IP or
 * UDP header whose lengths cover it. Checksums are left zero (upscope does not check them).
 * frames_decode() runs a test's decoder (made fresh by the fixture) on a frame copied to a
 * block of its exact size, so ASan sees any read past it. */
#ifndef UPSCOPE_TEST_FRAMES_H
#define UPSCOPE_TEST_FRAMES_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

struct frame {
    uint8_t b[4096];
    size_t n;
};

/* Puts n bytes in front of the frame. */
static inline void frame_wrap(struct frame *f, const void *hdr, size_t n)
{
    ck_assert_uint_le(f->n + n, sizeof f->b);
    memmove(f->b + n, f->b, f->n);
    memcpy(f->b, hdr, n);
    f->n += n;
}

/* Appends n bytes. */
static inline void frame_put(struct frame *f, const void *p, size_t n)
{
    ck_assert_uint_le(f->n + n, sizeof f->b);
    memcpy(f->b + f->n, p, n);
    f->n += n;
}

static inline void be16_at(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void be32_at(uint8_t *p, uint32_t v)
{
    be16_at(p, v >> 16);
    be16_at(p + 2, v);
}

/* A TCP segment 40000 → 80, seq 1000, PSH|ACK, with payload: the frame starts anew. */
static inline void frame_tcp(struct frame *f, const char *payload)
{
    static const uint8_t tcp[20] = { 0x9c, 0x40, 0x00, 0x50, 0, 0, 0x03, 0xe8, 0, 0, 0, 1,
                                     0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0 };
    f->n = 0;
    frame_put(f, tcp, sizeof tcp);
    frame_put(f, payload, strlen(payload));
}

/* IPv4 header 10.a.b.src → 10.a.b.dst (a.b from net) with protocol proto around the frame;
 * frag: the flags and offset field, id: the Identification. */
static inline void frame_ipv4_full(struct frame *f, uint8_t proto, uint16_t net, uint8_t src,
                                   uint8_t dst, uint16_t frag, uint16_t id)
{
    uint8_t ip[20] = { 0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0,
                       10, (uint8_t)(net >> 8), (uint8_t)net, src,
                       10, (uint8_t)(net >> 8), (uint8_t)net, dst };
    be16_at(ip + 2, (uint32_t)(f->n + 20));
    be16_at(ip + 4, id);
    be16_at(ip + 6, frag);
    frame_wrap(f, ip, sizeof ip);
}

static inline void frame_ipv4(struct frame *f, uint8_t proto, uint8_t src, uint8_t dst)
{
    frame_ipv4_full(f, proto, 0, src, dst, 0, 1);
}

/* IPv6 header 2001:db8::src → 2001:db8::dst, next header nh, around the frame. */
static inline void frame_ipv6(struct frame *f, uint8_t nh, uint8_t src, uint8_t dst)
{
    uint8_t ip[40] = { 0x60, 0, 0, 0, 0, 0, nh, 64, 0x20, 0x01, 0x0d, 0xb8 };
    ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8;
    ip[23] = src;
    ip[39] = dst;
    be16_at(ip + 4, (uint32_t)f->n);
    frame_wrap(f, ip, sizeof ip);
}

/* UDP 50000 → dport around the frame. */
static inline void frame_udp(struct frame *f, uint16_t dport)
{
    uint8_t udp[8] = { 0xc3, 0x50 };
    be16_at(udp + 2, dport);
    be16_at(udp + 4, (uint32_t)(f->n + 8));
    frame_wrap(f, udp, sizeof udp);
}

/* Ethernet II with EtherType type around the frame. */
static inline void frame_eth(struct frame *f, uint16_t type)
{
    uint8_t eth[14] = { 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1 };
    be16_at(eth + 12, type);
    frame_wrap(f, eth, sizeof eth);
}

/* ---- decoding ---- */

static struct decoder frames_dec;
static uint8_t *frames_copy;

static inline void frames_start(const struct decode_config *cfg)
{
    decoder_free(&frames_dec);
    ck_assert(decoder_init(&frames_dec, cfg));
}

static inline void frames_setup(void)
{
    struct decode_config cfg;
    decode_config_defaults(&cfg);
    memset(&frames_dec, 0, sizeof frames_dec);
    frames_start(&cfg);
}

static inline void frames_teardown(void)
{
    free(frames_copy);
    frames_copy = NULL;
    decoder_free(&frames_dec);
}

/* Decodes the first caplen bytes of f (its wire length is f->n) as link type dlt at ts. */
static inline enum decode_result frames_decode(int dlt, const struct frame *f, size_t caplen,
                                               ts_us_t ts, struct packet *pkt)
{
    free(frames_copy);
    frames_copy = malloc(caplen ? caplen : 1);
    memcpy(frames_copy, f->b, caplen);
    memset(pkt, 0, sizeof *pkt);
    pkt->frame = frames_copy;
    pkt->caplen = (uint32_t)caplen;
    pkt->wirelen = (uint32_t)f->n;
    pkt->dlt = dlt;
    pkt->ts = ts;
    return decode_packet(&frames_dec, pkt);
}

#endif
