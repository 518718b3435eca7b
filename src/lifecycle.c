/* lifecycle: how a session lived and ended (see lifecycle.h). */
#include "lifecycle.h"

#include <stdio.h>
#include <string.h>

#include "detail_out.h"
#include "dissector.h"
#include "report_json.h"
#include "report_text.h"

void lifecycle_duration(uint64_t us, char *buf, size_t cap)
{
    if (us >= 1000000)
        snprintf(buf, cap, "%.2f s", us / 1e6);
    else if (us >= 1000)
        snprintf(buf, cap, "%.1f ms", us / 1e3);
    else
        snprintf(buf, cap, "%llu us", (unsigned long long)us);
}

/* ---- how it ended ---- */

struct life_end lifecycle_tcp_end(const struct session *s)
{
    const struct session_tcp *t = &s->tcp;
    if (s->end_cause == SESSION_END_REPLACED)
        return (struct life_end){ "replaced", -1 };
    if (t->rst)
        return (struct life_end){ "tcp_rst", t->rst_dir };
    if (t->fin[0] || t->fin[1]) {
        int first = !t->fin[1] || (t->fin[0] && t->fin[0] <= t->fin[1]) ? DIR_C2S : DIR_S2C;
        return (struct life_end){ "tcp_fin", first };
    }
    if (!t->ended)
        return (struct life_end){ s->end_cause == SESSION_END_LAYER ? "layer_end" : "open", -1 };
    switch (t->end) {
    case FLOW_END_TIMEOUT: return (struct life_end){ "idle_timeout", -1 };
    case FLOW_END_EVICTED: return (struct life_end){ "evicted", -1 };
    case FLOW_END_REUSED: return (struct life_end){ "port_reused", -1 };
    case FLOW_END_SHUTDOWN: return (struct life_end){ "capture_end", -1 };
    default: return (struct life_end){ "tcp_fin", -1 };
    }
}

ts_us_t lifecycle_end_time(const struct session *s)
{
    struct life_end e = lifecycle_end(s);
    const struct session_tcp *t = &s->tcp;
    ts_us_t first = t->rst;
    for (int d = 0; d < 2; d++)
        if (t->fin[d] && (!first || t->fin[d] < first))
            first = t->fin[d];
    bool by_tcp = strcmp(e.how, "tcp_fin") == 0 || strcmp(e.how, "tcp_rst") == 0;
    return by_tcp && first ? first : s->end;
}

struct life_end lifecycle_end(const struct session *s)
{
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *d = dissector_get((enum proto)p);
        const void *part = session_part_get(s, (enum proto)p);
        int by = -1;
        const char *how = d && d->ended_by && part ? d->ended_by(s, part, &by) : NULL;
        if (how)
            return (struct life_end){ how, by };
    }
    return lifecycle_tcp_end(s);
}

void lifecycle_end_words(struct life_end e, char *buf, size_t cap)
{
    static const struct { const char *how, *words; } w[] = {
        { "close_handshake", "close handshake" }, { "close_unanswered", "close not answered" },
        { "stream_end", "END_STREAM" }, { "stream_reset", "RST_STREAM" },
        { "tcp_fin", "TCP FIN" }, { "tcp_rst", "TCP RST" }, { "idle_timeout", "idle timeout" },
        { "evicted", "evicted (--max-flows or --memcap)" }, { "capture_end", "end of the capture" },
        { "replaced", "a new session on the connection" }, { "port_reused", "a new SYN" },
        { "open", "still open" }, { "layer_end", "its carrier ended" },
    };
    const char *words = e.how;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        if (strcmp(w[i].how, e.how) == 0)
            words = w[i].words;
    if (e.by < 0)
        snprintf(buf, cap, "%s", words);
    else if (strcmp(e.how, "close_unanswered") == 0)
        snprintf(buf, cap, "close from the %s, not answered", dir_name(e.by));
    else
        snprintf(buf, cap, "%s from the %s%s", words, dir_name(e.by),
                 strcmp(e.how, "tcp_fin") == 0 ? " first" : "");
}

/* ---- NDJSON ---- */

static json_t *opt_us(ts_us_t from, ts_us_t to)
{
    return from && to && to >= from ? json_integer((json_int_t)(to - from)) : json_null();
}

static json_t *tcp_json(const struct session *s)
{
    const struct session_tcp *t = &s->tcp;
    static const char *const ends[] = { "closed", "timeout", "evicted", "reused", "capture_end" };
    json_t *rst = t->rst ? json_pack("{s:s, s:o, s:I}", "by", dir_name(t->rst_dir),
                                     "time", json_time(t->rst), "data_in_flight",
                                     (json_int_t)t->rst_in_flight) : json_null();
    return json_pack("{s:{s:o, s:o}, s:{s:o, s:o}, s:o, s:s}",
        "handshake", "syn_to_synack_us", opt_us(t->syn, t->synack),
        "synack_to_ack_us", opt_us(t->synack, t->ack),
        "fin", "client", t->fin[0] ? json_time(t->fin[0]) : json_null(),
        "server", t->fin[1] ? json_time(t->fin[1]) : json_null(),
        "rst", rst,
        "end", t->ended && t->end < sizeof ends / sizeof ends[0] ? ends[t->end] : "open");
}

json_t *lifecycle_json(const struct session *s)
{
    struct life_end e = lifecycle_end(s);
    json_t *o = json_object();
    json_object_set_new(o, "duration_us", opt_us(s->start, s->end));
    json_object_set_new(o, "upgrade_latency_us", s->request && s->response
                        ? opt_us(s->request->ts, s->response->ts) : json_null());
    json_object_set_new(o, "end", json_pack("{s:s, s:o}", "how", e.how, "by",
                        e.by < 0 ? json_null() : json_string(dir_name(e.by))));
    json_object_set_new(o, "idle_before_end_us", opt_us(s->last_data, lifecycle_end_time(s)));
    json_object_set_new(o, "tcp", tcp_json(s));
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *d = dissector_get((enum proto)p);
        const void *part = session_part_get(s, (enum proto)p);
        if (d && d->lifecycle_json && part)
            d->lifecycle_json(o, s, part);
    }
    return o;
}

/* ---- text and UI ---- */

/* "2.31 s; TCP handshake 0.2 ms; upgrade 1.4 ms; ended by close handshake from the client". */
static void summary(const struct session *s, char *buf, size_t cap)
{
    char d[32], w[96];
    lifecycle_duration(s->end >= s->start ? s->end - s->start : 0, d, sizeof d);
    int n = snprintf(buf, cap, "%s", d);
    const struct session_tcp *t = &s->tcp;
    if (t->syn && t->ack && t->ack >= t->syn && (size_t)n < cap) {
        lifecycle_duration(t->ack - t->syn, d, sizeof d);
        n += snprintf(buf + n, cap - (size_t)n, "; TCP handshake %s", d);
    }
    if (s->request && s->response && s->response->ts >= s->request->ts && (size_t)n < cap) {
        lifecycle_duration(s->response->ts - s->request->ts, d, sizeof d);
        n += snprintf(buf + n, cap - (size_t)n, "; answered in %s", d);
    }
    lifecycle_end_words(lifecycle_end(s), w, sizeof w);
    if ((size_t)n < cap)
        snprintf(buf + n, cap - (size_t)n, "; ended: %s", w);
}

void lifecycle_text(const struct text_out *o, const struct session *s)
{
    char line[256];
    summary(s, line, sizeof line);
    text_label(o, "lifecycle");
    fputs(line, o->out);
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *d = dissector_get((enum proto)p);
        const void *part = session_part_get(s, (enum proto)p);
        if (d && d->lifecycle_text && part)
            d->lifecycle_text(o, s, part);
    }
    fputc('\n', o->out);
}

void lifecycle_detail(struct detail_out *o, const struct session *s)
{
    char line[256];
    summary(s, line, sizeof line);
    detail_line(o, "  %s", line);
    const struct session_tcp *t = &s->tcp;
    if (t->rst) {
        char w[96];
        lifecycle_end_words(lifecycle_tcp_end(s), w, sizeof w);
        detail_line(o, "  connection: %s, %u byte(s) in flight", w, t->rst_in_flight);
    } else if (strcmp(lifecycle_end(s).how, lifecycle_tcp_end(s).how) != 0) {
        char w[96];
        lifecycle_end_words(lifecycle_tcp_end(s), w, sizeof w);
        detail_line(o, "  connection: %s", w);
    }
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *d = dissector_get((enum proto)p);
        const void *part = session_part_get(s, (enum proto)p);
        if (d && d->lifecycle_detail && part)
            d->lifecycle_detail(o, s, part);
    }
}
