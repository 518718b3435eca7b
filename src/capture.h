/* capture: the libpcap side — open a file (pcap/pcapng, or "-" for stdin) or an interface,
 * apply a BPF filter, hand out packets one at a time, list interfaces.
 *
 * Errors come back as complete messages naming the file or interface (and, for a damaged file,
 * the record number), for the caller to print. */
#ifndef UPSCOPE_CAPTURE_H
#define UPSCOPE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "packet.h"

#define CAPTURE_ERR_LEN 512
#define CAPTURE_BUFFER_KIB 16384   /* the kernel buffer of a live capture without -B */

struct capture_live_opts {
    const char *iface;
    int snaplen;               /* bytes per packet */
    bool promisc;
    int buffer_kib;            /* kernel buffer, KiB; 0: CAPTURE_BUFFER_KIB */
    int timeout_ms;            /* how long a read may wait before returning CAPTURE_TIMEOUT */
    int fanout;                /* Linux AF_PACKET fanout group to join (hash of the flow),
                                * -1 none */
};

struct capture {
    void *pcap;                /* pcap_t */
    int dlt;                   /* link type */
    bool live;
    const char *source;        /* file name or interface, for messages */
    uint64_t records;          /* records read so far */
    int poll_fd;               /* live: the socket waited on between non-blocking reads; -1
                                * when libpcap offers none (then reads block in libpcap) */
    int timeout_ms;            /* live: the longest wait in capture_next() */
    char err[CAPTURE_ERR_LEN];
};

enum capture_status {
    CAPTURE_PACKET,
    CAPTURE_TIMEOUT,           /* live: nothing arrived within timeout_ms */
    CAPTURE_EOF,
    CAPTURE_ERROR,             /* c->err says what; nothing more can be read */
    CAPTURE_STOPPED,           /* capture_stop() was called */
};

/* Opens a capture file; false with c->err set on failure (missing, unreadable, not a
 * capture, unsupported link type). */
bool capture_open_file(struct capture *c, const char *path);

/* Opens an interface for live capture; false with c->err set. *warning gets libpcap's warning,
 * if any (e.g. promiscuous mode not supported), for the caller to print. */
bool capture_open_live(struct capture *c, const struct capture_live_opts *o,
                       char warning[CAPTURE_ERR_LEN]);

/* Compiles and sets a BPF filter; false with c->err naming the problem. */
bool capture_set_filter(struct capture *c, const char *expr);

/* The next packet: fills frame, caplen, wirelen, ts, number. The bytes stay valid until the
 * next call. */
enum capture_status capture_next(struct capture *c, struct packet *pkt);

/* Makes a blocked capture_next() return CAPTURE_STOPPED (safe from a signal handler). */
void capture_stop(struct capture *c);

/* Kernel counters of a live capture; false if not available. */
bool capture_drops(struct capture *c, uint64_t *received, uint64_t *dropped,
                   uint64_t *if_dropped);

/* The link type's name, e.g. "EN10MB". */
const char *capture_linktype_name(const struct capture *c);

void capture_close(struct capture *c);

/* Prints the interfaces libpcap can open, tcpdump -D style; false with err set on failure. */
bool capture_list_interfaces(FILE *out, char err[CAPTURE_ERR_LEN]);

#endif
