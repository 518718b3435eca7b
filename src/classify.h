/* classify: nDPI's verdict on every connection — the second opinion beside upscope's own
 * dissectors. The only module that includes nDPI's headers.
 *
 * One struct classify (an nDPI detection module, ~8.5 MiB) per worker; one struct
 * classify_flow per connection that carries payload. Packets are fed until nDPI is done or a
 * packet budget is spent; then the verdict and the strings worth keeping are copied out and
 * nDPI's flow state is freed, so memory stays bounded however long the connection lives. */
#ifndef UPSCOPE_CLASSIFY_H
#define UPSCOPE_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "packet.h"
#include "session.h"

struct classify;
struct ndpi_flow_struct;

struct classify_flow {
    struct ndpi_flow_struct *ndpi;     /* NULL once done */
    uint16_t packets;                  /* packets fed */
    bool done;
    bool skipped;                      /* classify_skip: never fed */
    uint16_t master, app;              /* nDPI protocol ids */
    uint16_t category;
    uint64_t risk;
    char host[96];
    char alpn[96];
};

struct classify_stats {
    uint64_t flows;                    /* flows classified */
    uint64_t detected;                 /* nDPI named the protocol itself */
    uint64_t given_up;                 /* the budget ran out, or the flow ended, first */
    uint64_t skipped_tls;              /* not run: opaque TLS no report can show (classify_skip) */
    uint64_t active;                   /* nDPI flow states held now */
};

/* NULL if nDPI cannot start. packet_budget: packets fed to one flow at most. */
struct classify *classify_new(uint32_t packet_budget);
void classify_free(struct classify *c);

/* Feeds one packet of a connection (its IP header onwards). Creates nDPI's flow state on the
 * first call. */
void classify_packet(struct classify *c, struct classify_flow *cf, const struct packet *pkt);

/* nDPI is not to look at this connection at all (before its first packet): nothing about it
 * can be reported. Its verdict then reads as absent. */
void classify_skip(struct classify *c, struct classify_flow *cf);

/* The connection is over: give up if still undecided, copy out, free nDPI's state. */
void classify_finish(struct classify *c, struct classify_flow *cf);

/* Writes the verdict so far into a session's ndpi part (names resolved now). */
void classify_describe(struct classify *c, const struct classify_flow *cf,
                       struct ndpi_info *out);

/* Names of the risks in a bitmap, for reports: calls fn once per risk. */
void classify_risk_names(uint64_t risk, void (*fn)(void *user, const char *name), void *user);

const struct classify_stats *classify_stats(const struct classify *c);

/* Heap bytes in nDPI flow states now (the module itself not counted). */
uint64_t classify_memory(const struct classify *c);

#endif
