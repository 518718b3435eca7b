/* classify: nDPI 4.2 per-flow classification (see classify.h; ../shared/notes/ndpi-4.2.md). */
#include "classify.h"

#include <ndpi_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct classify {
    struct ndpi_detection_module_struct *ndpi;
    uint32_t budget;
    struct classify_stats stats;
};

struct classify *classify_new(uint32_t packet_budget)
{
    struct classify *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!c->ndpi) {
        free(c);
        return NULL;
    }
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(c->ndpi, &all);
    ndpi_finalize_initialization(c->ndpi);
    c->budget = packet_budget;
    return c;
}

void classify_free(struct classify *c)
{
    if (!c)
        return;
    ndpi_exit_detection_module(c->ndpi);
    free(c);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    snprintf(dst, cap, "%s", src);
}

/* Keeps what the reports need, then lets nDPI's flow state go. */
static void take_verdict(struct classify *c, struct classify_flow *cf, ndpi_protocol p)
{
    struct ndpi_flow_struct *f = cf->ndpi;
    cf->master = p.master_protocol;
    cf->app = p.app_protocol;
    cf->category = p.category;
    cf->risk = f->risk;
    copy_str(cf->host, sizeof cf->host, f->host_server_name);
    bool tls = p.master_protocol == NDPI_PROTOCOL_TLS || p.app_protocol == NDPI_PROTOCOL_TLS;
    copy_str(cf->alpn, sizeof cf->alpn, tls ? f->protos.tls_quic.alpn : NULL);
    ndpi_free_flow(f);
    cf->ndpi = NULL;
    cf->done = true;
    c->stats.active--;
}

void classify_packet(struct classify *c, struct classify_flow *cf, const struct packet *pkt)
{
    if (cf->done)
        return;
    if (!cf->ndpi) {
        cf->ndpi = ndpi_flow_malloc(SIZEOF_FLOW_STRUCT);
        if (!cf->ndpi) {
            cf->done = true;
            return;
        }
        memset(cf->ndpi, 0, SIZEOF_FLOW_STRUCT);
        c->stats.flows++;
        c->stats.active++;
    }
    unsigned short len = pkt->ip_len > 0xFFFF ? 0xFFFF : (unsigned short)pkt->ip_len;
    ndpi_protocol p = ndpi_detection_process_packet(c->ndpi, cf->ndpi, pkt->ip, len,
                                                    pkt->ts / 1000);
    cf->packets++;
    if (p.app_protocol != NDPI_PROTOCOL_UNKNOWN &&
        !ndpi_extra_dissection_possible(c->ndpi, cf->ndpi)) {
        c->stats.detected++;
        take_verdict(c, cf, p);
    } else if (cf->packets >= c->budget) {
        classify_finish(c, cf);
    }
}

void classify_skip(struct classify *c, struct classify_flow *cf)
{
    if (cf->done || cf->ndpi)
        return;
    cf->done = cf->skipped = true;
    c->stats.skipped_tls++;
}

void classify_finish(struct classify *c, struct classify_flow *cf)
{
    if (cf->done || !cf->ndpi)
        return;
    uint8_t guessed = 0;
    ndpi_protocol p = ndpi_detection_giveup(c->ndpi, cf->ndpi, 1, &guessed);
    c->stats.given_up++;
    take_verdict(c, cf, p);
}

void classify_describe(struct classify *c, const struct classify_flow *cf,
                       struct ndpi_info *out)
{
    memset(out, 0, sizeof *out);
    if (cf->skipped)
        return; /* not present, as without nDPI */
    ndpi_protocol p;
    memset(&p, 0, sizeof p);
    struct classify_flow now = *cf;
    if (!cf->done && cf->ndpi) { /* still detecting: what it knows so far */
        p.master_protocol = cf->ndpi->detected_protocol_stack[1];
        p.app_protocol = cf->ndpi->detected_protocol_stack[0];
        p.category = cf->ndpi->category;
        now.risk = cf->ndpi->risk;
        copy_str(now.host, sizeof now.host, cf->ndpi->host_server_name);
    } else {
        p.master_protocol = cf->master;
        p.app_protocol = cf->app;
        p.category = cf->category;
    }
    out->present = true;
    ndpi_protocol2name(c->ndpi, p, out->protocol, sizeof out->protocol);
    copy_str(out->category, sizeof out->category,
             ndpi_category_get_name(c->ndpi, p.category));
    out->risk = now.risk;
    copy_str(out->host, sizeof out->host, now.host);
    copy_str(out->alpn, sizeof out->alpn, now.alpn);
}

void classify_risk_names(uint64_t risk, void (*fn)(void *user, const char *name), void *user)
{
    for (int r = 1; r < NDPI_MAX_RISK && r < 64; r++)
        if (risk & (1ULL << r))
            fn(user, ndpi_risk2str((ndpi_risk_enum)r));
}

const struct classify_stats *classify_stats(const struct classify *c)
{
    return &c->stats;
}

uint64_t classify_memory(const struct classify *c)
{
    return c->stats.active * SIZEOF_FLOW_STRUCT;
}
