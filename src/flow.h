/* flow: the table of TCP connections seen, keyed by addresses and ports in either direction.
 *
 * A flow is found in O(1) by a SipHash of its canonical key (the smaller endpoint first) under a
 * random per-table secret. The table owns every struct flow: it creates them on lookup, keeps
 * them in least-recently-used order (separate lists for open and closed connections, which
 * expire on different timeouts), evicts the oldest when --max-flows is reached and expires idle
 * ones. Before a flow is freed the table calls on_end so the owner can finish what hangs off it
 * (flow->conn). Per-side arrays are indexed by the key endpoint that sent (0 or 1); `client`
 * says which side is the client, so roles can be decided, or corrected, later. */
#ifndef UPSCOPE_FLOW_H
#define UPSCOPE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "reasm.h"
#include "tunnel.h"

/* Role directions, as dissectors and reports see them. */
enum dir { DIR_C2S = 0, DIR_S2C = 1 };

struct flow_key {
    struct ip_addr addr[2];
    uint16_t port[2];
    uint8_t family;
    uint8_t pad[3];      /* zeroed: the key is hashed and compared as bytes */
    uint64_t tunnel;     /* the tunnels that carry it (packet.tunnel_key), 0 for none: two
                          * tenants' 10.0.0.1 are two hosts */
};

/* How the client/server roles were decided. */
enum flow_role_source {
    ROLE_GUESS_PORT,     /* no handshake seen: the lower port is the server */
    ROLE_SYN_ACK,        /* the SYN-ACK sender is the server */
    ROLE_SYN,            /* the SYN sender is the client */
    ROLE_PAYLOAD,        /* a dissector recognised a request */
};

enum flow_end {
    FLOW_END_CLOSED,     /* FIN both ways, or RST: expired after the closed timeout */
    FLOW_END_TIMEOUT,    /* idle longer than --flow-timeout */
    FLOW_END_EVICTED,    /* pushed out by --max-flows */
    FLOW_END_REUSED,     /* a new SYN on the same addresses and ports after a close */
    FLOW_END_SHUTDOWN,   /* end of input */
};

struct conn;

/* How the connection lived, as the capture point saw it (times 0: not seen). */
struct flow_life {
    ts_us_t syn, synack, ack;        /* the three-way handshake */
    ts_us_t fin[2];                  /* per sending side: its FIN (inside the window) */
    ts_us_t rst;                     /* the RST that ended it */
    uint8_t rst_side;
    uint32_t rst_in_flight;          /* bytes sent towards the RST's sender that it had not
                                      * acknowledged: data the reset threw away */
    uint32_t ack_seq[2];             /* per sending side: the latest acknowledgement */
    bool ack_seen[2];
    bool ended;                      /* end (enum flow_end) is known */
    uint8_t end;
};

/* What one endpoint said of its receive window (RFC 9293 §3.8.6, RFC 7323 §2). */
struct tcp_window {
    uint16_t window;                 /* the latest advertised, as sent */
    int8_t wscale;                   /* from its SYN, -1 if none */
    bool syn_seen : 1;
    bool window_seen : 1;
};

struct flow {
    struct flow *hnext;              /* hash chain */
    uint32_t bucket;                 /* its chain's index: removal does not hash again */
    struct flow *prev, *next;        /* LRU list (open or closed) */
    struct flow_key key;
    uint64_t id;                     /* 1, 2, ... in creation order */
    ts_us_t first_ts, last_ts;
    uint64_t last_frame;             /* the frame of its latest packet: its place in the LRU
                                      * lists (set by the caller) */
    uint8_t client;                  /* key endpoint (0/1) that is the client */
    uint8_t role_source;             /* enum flow_role_source */
    bool closed : 1;                 /* FIN both ways or RST seen */
    bool rst : 1;
    uint32_t pkts[2];                /* per sending side */
    uint64_t bytes[2];               /* IP bytes per sending side */
    struct reasm_dir stream[2];      /* per sending side */
    struct tcp_window win[2];        /* per sending side */
    struct flow_life life;
    struct conn *conn;               /* dissection state, owned by the caller; NULL until data */
    void *export;                    /* pcap_export's state for this flow, when exporting */
    struct tunnel_pair *tunnels;     /* what carried each side's first packet; NULL: none */
    uint32_t frag_conflicts[2];      /* per sending side: its packets that came in fragments
                                      * overlapping with other bytes (defrag.h) */
};

struct flow_stats {
    uint64_t created;
    uint64_t closed;           /* connections ended by FIN or RST */
    uint64_t timed_out;
    uint64_t evicted;
    uint64_t reused;
    uint64_t active;
    uint64_t active_peak;
    uint64_t tunnel_bytes;     /* held in flow->tunnels */
};

struct flow_table {
    struct flow **buckets;
    uint32_t mask;                   /* bucket count - 1 */
    uint8_t secret[16];
    struct flow *open_head, *open_tail;     /* most / least recently seen open flows */
    struct flow *closed_head, *closed_tail;
    uint32_t max_flows;
    ts_us_t idle_timeout, closed_timeout;
    uint64_t next_id;
    void (*on_end)(void *user, struct flow *f, enum flow_end why);
    void *user;
    struct flow_stats stats;
};

/* Sets up an empty table; false if memory or randomness for the secret is unavailable. */
bool flow_table_init(struct flow_table *t, uint32_t max_flows, ts_us_t idle_timeout,
                     ts_us_t closed_timeout,
                     void (*on_end)(void *user, struct flow *f, enum flow_end why), void *user);

/* Ends every flow (FLOW_END_SHUTDOWN) and frees the table. */
void flow_table_destroy(struct flow_table *t);

/* Builds the canonical key of a packet; *side is the key endpoint that sent it. */
void flow_key_from_packet(const struct packet *pkt, struct flow_key *key, int *side);

/* The symmetric hash of a key: the same for both directions (used for buckets and, later, to
 * pick a worker). */
uint64_t flow_key_hash(const struct flow_table *t, const struct flow_key *key);

/* Finds the flow of key, or creates it (evicting the least recently used flow when full).
 * Marks it as just seen at ts. NULL only when memory runs out. */
struct flow *flow_lookup(struct flow_table *t, const struct flow_key *key, ts_us_t ts,
                         bool *created);

/* Records the tunnels around a packet sent by side of f (the first of each side is kept). */
void flow_note_tunnels(struct flow_table *t, struct flow *f, const struct tunnel_stack *s,
                       int side);

/* Moves a flow to the closed list (it expires after closed_timeout). */
void flow_mark_closed(struct flow_table *t, struct flow *f);

/* Ends and frees one flow now. */
void flow_remove(struct flow_table *t, struct flow *f, enum flow_end why);

/* Ends the least recently seen flow, open or closed (--memcap); false when there is none. An
 * open one counts as evicted. */
bool flow_evict_oldest(struct flow_table *t);

/* Ends flows idle past their timeout at time now. */
void flow_expire(struct flow_table *t, ts_us_t now);

/* Role direction of a packet sent by key endpoint `side`. */
static inline enum dir flow_dir_of_side(const struct flow *f, int side)
{
    return side == f->client ? DIR_C2S : DIR_S2C;
}

/* Sending side (key endpoint) of a role direction. */
static inline int flow_side_of_dir(const struct flow *f, enum dir d)
{
    return d == DIR_C2S ? f->client : !f->client;
}

/* Heap bytes the table itself holds (entries and buckets, not what flow->conn points at). */
size_t flow_table_memory(const struct flow_table *t);

const char *flow_end_name(enum flow_end why);

#endif
