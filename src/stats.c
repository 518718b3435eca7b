/* stats: prints the pipeline's counters (see stats.h). */
#include "stats.h"

#include <inttypes.h>

#include "tls_keylog.h"

static void line(FILE *out, const char *name, uint64_t v)
{
    fprintf(out, "  %-34s %" PRIu64 "\n", name, v);
}

static void print_decode(FILE *out, const struct decode_stats *d)
{
    char name[64];
    for (int r = DECODE_NOT_IP; r < DECODE_RESULT_COUNT; r++) {
        snprintf(name, sizeof name, "decode.%s", decode_result_name((enum decode_result)r));
        line(out, name, d->result[r]);
    }
    line(out, "decode.payload_cut_by_snaplen", d->payload_cut);
    line(out, "decode.ipv4_length_zero", d->tso_zero_len);
    for (int k = 0; k < TUNNEL_KIND_COUNT; k++) {
        snprintf(name, sizeof name, "tunnel.%s", tunnel_kind_stat_name((enum tunnel_kind)k));
        line(out, name, d->tunnel[k]);
        snprintf(name, sizeof name, "tunnel.%s_malformed",
                 tunnel_kind_stat_name((enum tunnel_kind)k));
        line(out, name, d->tunnel_malformed[k]);
    }
    line(out, "tunnel.unsupported", d->tunnel_unsupported);
}

static void print_defrag(FILE *out, const struct defrag_stats *f, uint64_t cut)
{
    line(out, "defrag.fragments", f->fragments);
    line(out, "defrag.reassembled", f->reassembled);
    line(out, "defrag.duplicates", f->duplicates);
    line(out, "defrag.conflicts", f->conflicts);
    line(out, "defrag.malformed", f->malformed);
    line(out, "defrag.too_big", f->too_big);
    line(out, "defrag.cut_by_snaplen", cut);
    line(out, "defrag.timed_out", f->timed_out);
    line(out, "defrag.evicted", f->evicted);
    line(out, "defrag.too_many_fragments", f->too_many_fragments);
    line(out, "defrag.incomplete", f->datagrams);  /* still waiting when the input ended */
    line(out, "defrag.datagrams_peak", f->datagrams_peak);
    line(out, "defrag.bytes_peak", f->bytes_peak);
}

static void print_flows(FILE *out, const struct worker *w)
{
    const struct flow_stats *f = &w->flows.stats;
    line(out, "flows.created", f->created);
    line(out, "flows.active_peak", f->active_peak);
    line(out, "flows.closed", f->closed);
    line(out, "flows.timed_out", f->timed_out);
    line(out, "flows.evicted", f->evicted);
    line(out, "flows.reused", f->reused);
    line(out, "memcap.limit", w->cfg.memcap);
    line(out, "memcap.heap_peak", w->count.heap_peak);
    line(out, "memcap.checks", w->count.memcap_checks);
    line(out, "memcap.hits", w->count.memcap_hits);
    line(out, "memcap.evicted", w->count.memcap_evicted);
    line(out, "tcp.streams", w->count.streams);
    line(out, "tcp.syn", w->tcp.syn);
    line(out, "tcp.syn_ack", w->tcp.syn_ack);
    line(out, "tcp.fin", w->tcp.fin);
    line(out, "tcp.rst", w->tcp.rst);
    line(out, "tcp.rst_ignored", w->tcp.rst_ignored);
    line(out, "tcp.fin_ignored", w->tcp.fin_ignored);
    line(out, "tcp.after_close", w->tcp.after_close);
}

static void print_reasm(FILE *out, const struct worker *w, const struct classify_stats *c)
{
    const struct reasm_stats *r = &w->reasm.stats;
    line(out, "stream.bytes_client_to_server", w->count.delivered[DIR_C2S]);
    line(out, "stream.bytes_server_to_client", w->count.delivered[DIR_S2C]);
    line(out, "stream.gap_bytes_client_to_server", w->dispatch.stats.gap_bytes[DIR_C2S]);
    line(out, "stream.gap_bytes_server_to_client", w->dispatch.stats.gap_bytes[DIR_S2C]);
    line(out, "reasm.segments", r->segments);
    line(out, "reasm.out_of_order", r->out_of_order);
    line(out, "reasm.retransmissions", r->retransmissions);
    line(out, "reasm.keepalives", r->keepalives);
    line(out, "reasm.conflicting_overlaps", r->conflicts);
    line(out, "reasm.gaps", r->gaps);
    line(out, "reasm.gap_bytes", r->gap_bytes);
    line(out, "reasm.queue_limit_hits", r->queue_limit_hits);
    line(out, "reasm.queued_bytes_peak", r->queued_bytes_peak);
    line(out, "reasm.queued_segments_peak", r->queued_segments_peak);
    line(out, "reasm.too_far_ahead", r->too_far_ahead);
    line(out, "reasm.reorder_waits", r->reorder_waits);
    line(out, "reasm.reorder_filled", r->reorder_filled);
    line(out, "reasm.reorder_expired", r->reorder_expired);
    line(out, "reasm.late_segments", r->late_segments);
    line(out, "reasm.late_bytes", r->late_bytes);
    line(out, "reasm.fins_discredited", r->fins_discredited);
    line(out, "dissect.buffer_overflows", w->dispatch.stats.buffer_overflows);
    line(out, "dissect.role_corrections", w->dispatch.stats.role_corrections);
    line(out, "dissect.sessions", w->dispatch.stats.sessions);
    line(out, "dissect.layers", w->dispatch.stats.layers);
    if (c) {
        line(out, "ndpi.flows", c->flows);
        line(out, "ndpi.detected", c->detected);
        line(out, "ndpi.given_up", c->given_up);
        line(out, "ndpi.skipped_tls", c->skipped_tls);
    }
}

/* -w and the UI's packet spool: what was written, and what its caps left out. */
static void print_export(FILE *out, const struct export *ex)
{
    struct export_stats e = export_stats(ex);
    line(out, "export.packets_written", e.packets_written);
    line(out, "export.bytes_written", e.bytes_written);
    line(out, "export.packets_spooled", e.packets_spooled);
    line(out, "export.pending_bytes_peak", e.pending_bytes_peak);
    line(out, "export.flows_truncated", e.flows_truncated);
    line(out, "export.connections_written", e.connections_written);
    line(out, "export.spool_bytes", e.spool_bytes);
    line(out, "export.spool_bytes_dropped", e.spool_bytes_dropped);
    line(out, "export.only_bytes_lost", e.only_bytes_lost);
    line(out, "export.packets_other_linktype", e.other_linktype);
}

static void print_keylog(FILE *out, const struct tls_keylog *kl)
{
    const struct tls_keylog_stats *k = tls_keylog_stats(kl);
    line(out, "tls.keylog_lines", k->lines);
    line(out, "tls.keylog_secrets", k->secrets);
    line(out, "tls.keylog_skipped", k->skipped);
    line(out, "tls.keylog_bad_lines", k->bad_lines);
    line(out, "tls.keylog_lookups", k->lookups);
    line(out, "tls.keylog_misses", k->misses);
}

void stats_print(FILE *out, const struct worker *w, const struct classify_stats *ndpi,
                 struct capture *cap, const struct store *st, const struct tls_keylog *kl)
{
    fprintf(out, "upscope statistics:\n");
    line(out, "packets", w->count.packets);
    line(out, "bytes", w->count.bytes);
    line(out, "tcp.packets", w->count.tcp_packets);
    print_decode(out, &w->decode.stats);
    print_defrag(out, defrag_stats(w->decode.defrag), w->decode.stats.fragments_cut);
    print_flows(out, w);
    print_reasm(out, w, ndpi);
    if (w->export)
        print_export(out, w->export);
    if (kl)
        print_keylog(out, kl);
    if (st) {
        line(out, "ui.sessions_evicted", st->evicted);
        line(out, "ui.sessions_untracked", st->untracked);
    }
    if (!cap->live)
        line(out, "input.packets_other_linktype", capture_other_linktype(cap));
    uint64_t recv, drop, ifdrop;
    if (capture_drops(cap, &recv, &drop, &ifdrop)) {
        line(out, "pcap.received", recv);
        line(out, "pcap.dropped", drop);
        line(out, "pcap.interface_dropped", ifdrop);
    }
}
