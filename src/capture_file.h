/* capture_file: one capture file — a plain pcap file mapped and read by pcapmap.c, other pcap
 * files and standard input by libpcap, pcapng read by pcapng.c (so that its interfaces may
 * have different link types) — with the BPF filter applied to each packet
 * under its own link type (libpcap compiles it once per link type met; pcap_offline_filter
 * runs it).
 *
 * Owns the open file, its reader, the compiled filters and its record count; error messages
 * name the file and the record. capture.c reads one or several of these. */
#ifndef UPSCOPE_CAPTURE_FILE_H
#define UPSCOPE_CAPTURE_FILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "packet.h"

#define CAPTURE_ERR_LEN 512

struct pcapng;
struct pcapmap;
struct capture_bpf;

struct capture_file {
    const char *name;             /* the path, or "(stdin)" */
    struct pcapmap *map;          /* a plain pcap file, mapped (pcapmap.c) */
    void *pcap;                   /* pcap_t, for other pcap files and standard input */
    struct pcapng *ng;            /* for a pcapng file */
    FILE *fp;                     /* what ng reads */
    char *iobuf;                  /* the stream's buffer (a file, not stdin) */
    int dlt;                      /* link type (pcapng: the first interface's) */
    const char *filter;           /* borrowed; NULL: none */
    struct capture_bpf *bpf;      /* the filter compiled per link type met */
    unsigned nbpf;
    uint64_t records;             /* records read so far */
    uint64_t other_linktype;      /* pcapng: packets of interfaces whose link type upscope
                                   * does not read, skipped */
    char err[CAPTURE_ERR_LEN];
};

enum capture_file_status { CAPTURE_FILE_PACKET, CAPTURE_FILE_EOF, CAPTURE_FILE_ERROR };

/* Opens path ("-": standard input); false with f->err set (missing, unreadable, not a
 * capture, a pcap file of a link type upscope does not read; in a pcapng file such an
 * interface's packets are skipped and counted instead). With map, a plain pcap file is mapped
 * (pcapmap.c): its packets are frame_kept until the mapping is closed. */
bool capture_file_open(struct capture_file *f, const char *path, bool map);

/* The same on an open stream (it is closed with the file, unless it is stdin). */
bool capture_file_open_stream(struct capture_file *f, FILE *fp, const char *name);

/* Filters what capture_file_next() returns by expr (kept, not copied); compiles it for the
 * first link type at once: false with f->err set if it does not compile. */
bool capture_file_set_filter(struct capture_file *f, const char *expr);

/* The next packet (frame, caplen, wirelen, dlt, ts; number is the file's record number)
 * that passes the filter, unless raw. Its bytes stay valid until the next call. */
enum capture_file_status capture_file_next(struct capture_file *f, struct packet *pkt, bool raw);

/* Does pkt (read from f) pass f's filter? 1 yes, 0 no, -1 error (f->err set). */
int capture_file_matches(struct capture_file *f, const struct packet *pkt);

/* The file's mapping, if it has one, handed to the caller (to close with pcapmap_close() once
 * no packet of it is in use) rather than closed with the file. */
struct pcapmap *capture_file_detach_map(struct capture_file *f);

void capture_file_close(struct capture_file *f);

/* How far into the file reading has got, in bytes (for a progress line); -1 if unknown. */
int64_t capture_file_offset(const struct capture_file *f);

/* Does expr compile for link type dlt? False with err set ("bad filter ..."). */
bool capture_filter_check(const char *expr, int dlt, const char *source, char *err, size_t len);

/* The message for a link type upscope does not read. */
void capture_linktype_error(char *err, size_t len, const char *source, int dlt);

#endif
