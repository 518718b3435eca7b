/* defrag: reassembly of IPv4 and IPv6 fragments (RFC 791 §3.2, RFC 8200 §4.5), bounded.
 *
 * decode.c hands every fragment it meets (outer, or inside a tunnel) to defrag_add(); when the
 * last missing piece arrives, defrag_add() returns the whole datagram rebuilt as one
 * unfragmented IP packet (the first fragment's header with its lengths fixed; for IPv6 the
 * Fragment header left out) for the decoder to walk again. Overlaps: the first copy of a byte
 * wins, as in TCP reassembly; an overlap that brings other bytes is counted on the datagram,
 * which the report turns into a finding. Each datagram waits at most a timeout (capture time);
 * memory is capped in datagrams, bytes and fragments per datagram; every cap and every dropped
 * fragment is counted. Knows nothing of tunnels or flows: the caller puts what encloses the
 * fragment (the tunnels' identity) in the key. */
#ifndef UPSCOPE_DEFRAG_H
#define UPSCOPE_DEFRAG_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"

struct defrag_limits {
    ts_us_t timeout_v4;        /* a datagram waits this long after its first fragment */
    ts_us_t timeout_v6;
    uint32_t max_datagrams;    /* waiting at once; past it the oldest is dropped */
    uint64_t max_bytes;        /* held in all (data and bookkeeping); past it the oldest go */
    uint32_t max_fragments;    /* fragments of one datagram; past it the datagram is dropped */
};

struct defrag_stats {
    uint64_t fragments;        /* fragments offered */
    uint64_t reassembled;      /* datagrams completed */
    uint64_t duplicates;       /* fragments that repeated bytes already held, identically */
    uint64_t conflicts;        /* fragments that brought other bytes for bytes already held
                                * (or another end); the first copy was kept */
    uint64_t malformed;        /* fragments dropped: a non-final one not a multiple of 8
                                * bytes, empty, or beyond the datagram's end */
    uint64_t too_big;          /* fragments dropped: the datagram would pass 65,535 bytes */
    uint64_t timed_out;        /* datagrams given up after the timeout */
    uint64_t evicted;          /* datagrams dropped for the datagram or byte cap */
    uint64_t too_many_fragments; /* datagrams dropped for the per-datagram fragment cap */
    uint64_t bytes, bytes_peak;          /* held now, most ever */
    uint64_t datagrams, datagrams_peak;  /* waiting now, most ever */
};

struct defrag_key {
    struct ip_addr src, dst;
    uint64_t context;          /* what encloses the fragment (tunnel identity), 0 for none */
    uint32_t id;               /* IPv4 Identification, IPv6 Fragment Identification */
    uint8_t family;            /* 4 or 6 */
    uint8_t proto;             /* IPv4 Protocol (RFC 791 §3.2 keys on it); 0 for IPv6 */
    uint8_t pad[2];            /* zeroed: the key is hashed and compared as bytes */
};

/* One fragment, as its IP header said it. */
struct defrag_frag {
    const uint8_t *head;       /* what precedes the fragmentable part: the IPv4 header, or the
                                * IPv6 header and extension headers before the Fragment header */
    uint32_t head_len;
    uint32_t nh_at;            /* IPv6: where in head the Next Header naming Fragment is */
    uint8_t next;              /* IPv6: the Fragment header's Next Header */
    uint32_t offset;           /* of data in the fragmentable part, bytes */
    bool more;                 /* MF / M flag */
    const uint8_t *data;
    uint32_t len;
};

/* A reassembled IP packet; the caller frees it with free(). */
struct defrag_datagram {
    uint32_t len;
    uint32_t conflicts;        /* fragments of it that brought other bytes */
    uint8_t bytes[];
};

enum defrag_result {
    DEFRAG_HELD,               /* kept (or a duplicate): the datagram is not complete */
    DEFRAG_DONE,               /* *out is the whole datagram */
    DEFRAG_DROPPED,            /* not kept, counted in the stats */
};

struct defrag;

/* The defaults: 30 s for IPv4 (Linux's ipfrag_time), 60 s for IPv6 (RFC 8200 §4.5), 4096
 * datagrams, 16 MiB, 1024 fragments per datagram. */
void defrag_limits_defaults(struct defrag_limits *lim);

/* NULL if memory runs out. secret keys the hash of the table. */
struct defrag *defrag_new(const struct defrag_limits *lim, const uint8_t secret[16]);
void defrag_free(struct defrag *df);

/* Adds a fragment seen at ts (and first gives up datagrams whose time has passed). */
enum defrag_result defrag_add(struct defrag *df, const struct defrag_key *key,
                              const struct defrag_frag *frag, ts_us_t ts,
                              struct defrag_datagram **out);

/* Gives up datagrams whose timeout has passed at time now. */
void defrag_expire(struct defrag *df, ts_us_t now);

const struct defrag_stats *defrag_stats(const struct defrag *df);

#endif
