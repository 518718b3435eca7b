/* pcapng: a reader of pcapng files that gives every packet its own interface's link type.
 *
 * libpcap refuses a pcapng file whose interfaces have different link types (what mergecap and
 * multi-interface dumpcap write: "an interface has a type 1 different from the type of the
 * first interface"), so upscope reads pcapng itself (draft-ietf-opsawg-pcapng): Section Header
 * (both byte orders, several sections), Interface Description (link type, snap length,
 * if_tsresol, if_tsoffset), Enhanced, Simple and the obsolete Packet blocks; every other block
 * is stepped over. Every length is checked against the block's before anything is read; a
 * damaged block is an error naming the file and the block. Owns its block buffer: a packet's
 * bytes stay valid until the next call. Knows nothing of filters or decoding. */
#ifndef UPSCOPE_PCAPNG_H
#define UPSCOPE_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "packet.h"

#define PCAPNG_BLOCK_MAX (16u << 20)   /* a larger block is not believed (libpcap's limit) */
#define PCAPNG_IFACES_MAX 65536        /* interfaces per section */

struct pcapng_iface {
    int linktype;                /* as a DLT_ value, as libpcap gives it (LINKTYPE_RAW is
                                  * DLT_RAW) */
    uint32_t snaplen;
    uint8_t tsresol;             /* if_tsresol: 10^-n, or 2^-(n & 127) when the top bit is set */
    int64_t tsoffset;            /* if_tsoffset: seconds added to every time stamp */
};

struct pcapng {
    FILE *f;
    const char *name;            /* for messages */
    bool swap;                   /* the section's byte order is not ours */
    struct pcapng_iface *ifaces; /* of the current section */
    uint32_t nifaces, ifaces_cap;
    uint8_t *buf;                /* the current block's body */
    size_t buf_cap;
    uint64_t blocks;             /* blocks read, for messages */
    ts_us_t last_ts;             /* a Simple Packet Block has none: it gets the last one */
    char err[256];
};

/* One packet: data points into the reader's buffer until the next pcapng_next(). */
struct pcapng_packet {
    ts_us_t ts;
    uint32_t caplen, len;
    uint32_t iface;
    int linktype;
    const uint8_t *data;
};

enum pcapng_status { PCAPNG_PACKET, PCAPNG_EOF, PCAPNG_ERROR };

/* Is this the first block type of a pcapng file? (the SHB's type reads the same both ways) */
bool pcapng_magic(const uint8_t first4[4]);

/* Reads the Section Header and the blocks up to the first interface, from the start of f.
 * False with r->err set if it is not a readable pcapng file or has no interface before its
 * first packet. The caller keeps f open until pcapng_close(). */
bool pcapng_open(struct pcapng *r, FILE *f, const char *name);

/* The next packet, or the end, or an error (r->err names the block). */
enum pcapng_status pcapng_next(struct pcapng *r, struct pcapng_packet *p);

/* Link type of the first interface of the current section. */
int pcapng_first_linktype(const struct pcapng *r);

void pcapng_close(struct pcapng *r);

#endif
