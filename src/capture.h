/* capture: the input — an interface (libpcap), or one or more capture files read as one
 * capture: in time order, a k-way merge by packet time stamp of the files (as mergecap
 * does), each file's packets kept in their own order. Files may be pcap or pcapng (several
 * interfaces of different link types: capture_file.c); a directory stands for the files in
 * it. Applies the BPF filter, numbers the records, lists interfaces.
 *
 * Errors come back as complete messages naming the file or interface (and, for a damaged file,
 * the record number), for the caller to print. */
#ifndef UPSCOPE_CAPTURE_H
#define UPSCOPE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "capture_file.h"
#include "packet.h"

#define CAPTURE_BUFFER_KIB 16384   /* the kernel buffer of a live capture without -B */
#define CAPTURE_MAX_OPEN 256       /* files open at once: those whose times overlap */
#define CAPTURE_MAX_MAPPED 8192    /* files mapped in one run; later ones are read by libpcap */

struct capture_live_opts {
    const char *iface;
    int snaplen;               /* bytes per packet */
    bool promisc;
    int buffer_kib;            /* kernel buffer, KiB; 0: CAPTURE_BUFFER_KIB */
    int timeout_ms;            /* how long a read may wait before returning CAPTURE_TIMEOUT */
    int fanout;                /* Linux AF_PACKET fanout group to join (hash of the flow),
                                * -1 none */
};

struct capture_input;
struct pcapmap;

struct capture {
    void *pcap;                /* pcap_t: a live capture */
    struct capture_input *in;  /* files: in the order of their first packet's time */
    unsigned nin;
    unsigned next_open;        /* the first input not opened yet */
    unsigned nopen;            /* inputs open now */
    struct pcapmap **kept;     /* the mappings of files read through, closed by
                                * capture_close(): their packets may still be in worker
                                * threads (packet.frame_kept) */
    unsigned nkept, kept_cap;
    bool shared_frames;        /* packets go on to worker threads (--workers): a mapped file
                                * keeps more of what was read mapped (PCAPMAP_SHARED_LAG) */
    int last;                  /* the input whose packet went out last, -1 for none */
    const char *filter;        /* files: the BPF filter (borrowed) */
    int dlt;                   /* link type (files: the first packet's) */
    bool live;
    const char *source;        /* file name or interface, for messages */
    char source_buf[64];       /* "N files" */
    uint64_t records;          /* records handed out so far, all files */
    uint64_t other_linktype;   /* files: packets skipped in the files ended so far, their
                                * link type not read (capture_other_linktype: all) */
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

/* Opens capture files (a directory: its files, hidden ones left out; "-": standard input) to
 * be read as one capture; false with c->err set if one is missing, unreadable, not a
 * capture, or of an unsupported link type. Each file's first packet is read now, to order
 * them. */
bool capture_open_files(struct capture *c, const char *const *paths, unsigned n);

/* One file: capture_open_files(c, &path, 1). */
bool capture_open_file(struct capture *c, const char *path);

/* The files being read, after directories were listed. */
unsigned capture_file_count(const struct capture *c);
const char *capture_file_path(const struct capture *c, unsigned i);

/* Opens an interface for live capture; false with c->err set. *warning gets libpcap's warning,
 * if any (e.g. promiscuous mode not supported), for the caller to print. */
bool capture_open_live(struct capture *c, const struct capture_live_opts *o,
                       char warning[CAPTURE_ERR_LEN]);

/* Compiles and sets a BPF filter (files: for each file's link types, expr kept, not copied);
 * false with c->err naming the problem. */
bool capture_set_filter(struct capture *c, const char *expr);

/* The next packet: fills frame, caplen, wirelen, dlt, ts, number. The bytes stay valid until
 * the next call. */
enum capture_status capture_next(struct capture *c, struct packet *pkt);

/* Files: packets skipped so far because upscope does not read their interface's link type. */
uint64_t capture_other_linktype(const struct capture *c);

/* Files: bytes read so far and in all, for a progress line; false when not known (live, a
 * pipe, a file that is not a regular file). */
bool capture_progress(struct capture *c, uint64_t *done, uint64_t *total);

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
