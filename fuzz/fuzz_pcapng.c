/* fuzz_pcapng: the pcapng reader on a file held in memory — section headers in both byte
 * orders and several sections, interfaces with options (time stamp resolution and offset),
 * Enhanced, Simple and obsolete Packet blocks, blocks it steps over, lengths that lie — then
 * the same bytes through capture_file (format detection, a BPF filter compiled per link type
 * met). Every packet handed out must lie within its block and be readable. */
#include <stdint.h>
#include <stdio.h>

#include "capture_file.h"
#include "pcapng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const uint8_t *p, uint32_t n)
{
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < n; i++)
        sink ^= p[i];
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *fp = fmemopen((void *)data, size ? size : 1, "rb");
    if (!fp)
        return 0;
    struct pcapng r;
    if (pcapng_open(&r, fp, "fuzz")) {
        struct pcapng_packet p;
        while (pcapng_next(&r, &p) == PCAPNG_PACKET) {
            if (p.caplen > PCAPNG_BLOCK_MAX || p.data < r.buf || p.data + p.caplen > r.buf + r.buf_cap)
                __builtin_trap();
            touch(p.data, p.caplen);
        }
    }
    pcapng_close(&r);
    fclose(fp);

    fp = fmemopen((void *)data, size ? size : 1, "rb");
    if (!fp)
        return 0;
    struct capture_file f;
    if (capture_file_open_stream(&f, fp, "fuzz")) {
        struct packet pkt;
        if (capture_file_set_filter(&f, "tcp or vlan"))
            while (capture_file_next(&f, &pkt, false) == CAPTURE_FILE_PACKET)
                touch(pkt.frame, pkt.caplen);
    }
    capture_file_close(&f);
    return 0;
}
