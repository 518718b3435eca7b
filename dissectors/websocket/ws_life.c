/* ws_life: how a WebSocket lived and ended (see ws_life.h). */
#include "ws_life.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detail_out.h"
#include "lifecycle.h"
#include "report_json.h"
#include "report_text.h"

#define SILENCE_NOTE_US 1000000          /* a pause this long is marked on the ladder */
#define PING_PATIENCE_US 2000000         /* a ping this old at the end is unanswered */

static uint64_t hash_payload(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h ^ n;
}

void ws_life_frame(struct ws_info *wi, struct session *s, enum dir dir, ts_us_t ts)
{
    struct ws_life *l = &wi->life;
    ts_us_t last_any = l->last_frame[0] > l->last_frame[1] ? l->last_frame[0] : l->last_frame[1];
    if (l->last_frame[dir] && ts > l->last_frame[dir] &&
        ts - l->last_frame[dir] > l->longest_silence[dir])
        l->longest_silence[dir] = ts - l->last_frame[dir];
    if (last_any && ts > last_any && ts - last_any >= SILENCE_NOTE_US) {
        char d[32];
        lifecycle_duration(ts - last_any, d, sizeof d);
        session_event(s, ts, SESSION_EVENT_NOTE, PROTO_WEBSOCKET, "%s of silence", d);
    }
    l->last_frame[dir] = ts;
}

void ws_life_ping(struct ws_info *wi, enum dir dir, const uint8_t *p, size_t n, ts_us_t ts)
{
    struct ws_life *l = &wi->life;
    l->pings[dir]++;
    if (l->nwaiting[dir] == WS_PINGS_TRACKED) { /* forget the oldest: counted, not blamed */
        memmove(l->waiting[dir], l->waiting[dir] + 1,
                (WS_PINGS_TRACKED - 1) * sizeof l->waiting[dir][0]);
        l->nwaiting[dir]--;
        l->untracked[dir]++;
    }
    l->waiting[dir][l->nwaiting[dir]++] = (struct ws_ping){ hash_payload(p, n), ts };
}

static void rtt_sample(struct ws_life *l, uint64_t rtt)
{
    if (l->rtt_count == 0 || rtt < l->rtt_min)
        l->rtt_min = rtt;
    if (rtt > l->rtt_max)
        l->rtt_max = rtt;
    l->rtt_count++;
    if (l->nrtt < WS_RTT_SAMPLES)
        l->rtt[l->nrtt++] = rtt;
}

/* RFC 6455 §5.5.3: a pong echoes the ping it answers, and may answer only the latest of several:
 * the newest ping with the same payload is answered, and every older one with it. */
void ws_life_pong(struct ws_info *wi, enum dir dir, const uint8_t *p, size_t n, ts_us_t ts)
{
    struct ws_life *l = &wi->life;
    int pinger = !dir;
    uint64_t h = hash_payload(p, n);
    l->pongs[dir]++;
    for (int i = l->nwaiting[pinger] - 1; i >= 0; i--) {
        if (l->waiting[pinger][i].hash != h)
            continue;
        rtt_sample(l, ts - l->waiting[pinger][i].ts);
        memmove(l->waiting[pinger], l->waiting[pinger] + i + 1,
                (size_t)(l->nwaiting[pinger] - i - 1) * sizeof l->waiting[pinger][0]);
        l->nwaiting[pinger] = (uint8_t)(l->nwaiting[pinger] - i - 1);
        return;
    }
    l->unsolicited_pongs[dir]++; /* a heartbeat: allowed (RFC 6455 §5.5.3) */
}

void ws_life_message(struct ws_info *wi, enum dir dir, uint64_t wire, uint64_t out,
                     bool compressed, ts_us_t ts)
{
    struct ws_life *l = &wi->life;
    if (!l->first_message[dir])
        l->first_message[dir] = ts;
    l->last_data[dir] = ts;
    if (out > l->largest_message[dir])
        l->largest_message[dir] = out;
    if (compressed) {
        l->deflated_wire[dir] += wire;
        l->deflated_out[dir] += out;
    }
    uint64_t second = ts / 1000000;
    if (second != l->second) {
        l->second = second;
        l->in_second = 0;
    }
    if (++l->in_second > l->peak_per_second)
        l->peak_per_second = l->in_second;
}

/* ---- the end ---- */

const char *ws_life_ended_by(const struct session *s, const void *part, int *by)
{
    (void)s;
    const struct ws_info *w = part;
    if (w->close.seen) {
        *by = w->close.initiator;
        return w->close.replied ? "close_handshake" : "close_unanswered";
    }
    if (w->h2.present && w->h2.reset) {
        *by = w->h2.reset_dir;
        return "stream_reset";
    }
    if (w->h2.present && w->h2.first_end >= 0) {
        *by = w->h2.first_end;
        return "stream_end";
    }
    return NULL;
}

/* The pings of side d still waiting at ts that had long enough to be answered. */
static unsigned overdue(const struct ws_life *l, int d, ts_us_t ts, ts_us_t *oldest)
{
    unsigned n = 0;
    for (unsigned i = 0; i < l->nwaiting[d]; i++) {
        if (ts < l->waiting[d][i].ts || ts - l->waiting[d][i].ts < PING_PATIENCE_US)
            continue;
        if (!n++)
            *oldest = l->waiting[d][i].ts;
    }
    return n;
}

void ws_life_end(struct ws_info *wi, struct session *s, const struct flow *f, bool incomplete,
                 ts_us_t ts)
{
    const struct ws_life *l = &wi->life;
    bool spoke = session_spoke(s);
    if (f)
        session_take_stats(s, f); /* how the connection ended, as of now */
    int by = -1;
    const char *how = ws_life_ended_by(s, wi, &by);
    struct life_end e = how ? (struct life_end){ how, by } : lifecycle_tcp_end(s);
    bool known = strcmp(e.how, "open") != 0 && strcmp(e.how, "layer_end") != 0;
    if (spoke && !wi->close.seen && !incomplete && known) {
        char w[96];
        lifecycle_end_words(e, w, sizeof w);
        session_finding(s, F_WS_CLOSED_WITHOUT_CLOSE_FRAME, -1, ts, "no close frame either way; "
                        "the WebSocket ended by %s (the application sees 1006)", w);
    }
    if (wi->close.seen && !wi->close.replied && !incomplete && known)
        session_finding(s, F_WS_CLOSE_NOT_ANSWERED, !wi->close.initiator, ts, "the %s's close "
                        "was never answered", dir_name(wi->close.initiator));
    for (int d = 0; d < 2; d++) {
        ts_us_t oldest = 0;
        unsigned n = overdue(l, d, ts, &oldest);
        char age[32];
        lifecycle_duration(ts - oldest, age, sizeof age);
        if (n)
            session_finding(s, F_WS_PING_UNANSWERED, !d, ts, "%u ping(s) from the %s got no "
                            "pong (the oldest %s before the end)", n, dir_name(d), age);
    }
}

/* ---- the outputs ---- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t rtt_median(const struct ws_life *l)
{
    uint64_t v[WS_RTT_SAMPLES];
    memcpy(v, l->rtt, l->nrtt * sizeof v[0]);
    qsort(v, l->nrtt, sizeof v[0], cmp_u64);
    return v[l->nrtt / 2];
}

static json_t *us_per_dir(const uint64_t v[2])
{
    return json_pack("{s:I, s:I}", "client", (json_int_t)v[0], "server", (json_int_t)v[1]);
}

void ws_life_json(json_t *life, const struct session *s, const void *part)
{
    const struct ws_info *w = part;
    const struct ws_life *l = &w->life;
    ts_us_t switched = s->response ? s->response->ts : s->start;
    json_t *first = json_object(), *ratio = json_object(), *unanswered = json_object();
    for (int d = 0; d < 2; d++) {
        const char *n = dir_name(d);
        json_object_set_new(first, n, l->first_message[d] && l->first_message[d] >= switched
                            ? json_integer((json_int_t)(l->first_message[d] - switched))
                            : json_null());
        json_object_set_new(ratio, n, l->deflated_wire[d] ? json_real((double)l->deflated_out[d]
                            / (double)l->deflated_wire[d]) : json_null());
        json_object_set_new(unanswered, n, json_integer(l->nwaiting[d] + l->untracked[d]));
    }
    ts_us_t last = l->last_data[0] > l->last_data[1] ? l->last_data[0] : l->last_data[1];
    json_t *rtt = l->rtt_count ? json_pack("{s:I, s:I, s:I, s:I}", "min", (json_int_t)l->rtt_min,
                                           "median", (json_int_t)rtt_median(l), "max",
                                           (json_int_t)l->rtt_max, "samples",
                                           (json_int_t)l->rtt_count) : json_null();
    json_object_set_new(life, "websocket", json_pack(
        "{s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o, s:o}, s:{s:o, s:o, s:I, s:o}}",
        "first_message_us", first,
        "last_data_to_end_us", last && s->end >= last ? json_integer((json_int_t)(s->end - last))
                                                      : json_null(),
        "longest_silence_us", us_per_dir(l->longest_silence),
        "liveness", "pings", json_per_dir(l->pings[0], l->pings[1]),
        "pongs", json_per_dir(l->pongs[0], l->pongs[1]),
        "unanswered_pings", unanswered,
        "unsolicited_pongs", json_per_dir(l->unsolicited_pongs[0], l->unsolicited_pongs[1]),
        "rtt_us", rtt,
        "traffic", "largest_message", json_per_dir(l->largest_message[0], l->largest_message[1]),
        "compression_ratio", ratio, "peak_messages_per_second", (json_int_t)l->peak_per_second,
        "messages", json_per_dir(w->messages[0], w->messages[1])));
}

/* "; 3 pings, 3 pongs, RTT 0.2/0.3/0.5 ms; longest silence 12.0 s" */
static void liveness_words(const struct ws_life *l, char *buf, size_t cap)
{
    int n = 0;
    buf[0] = '\0';
    uint32_t pings = l->pings[0] + l->pings[1], pongs = l->pongs[0] + l->pongs[1];
    if (pings || pongs)
        n += snprintf(buf, cap, "; %u ping(s), %u pong(s)", pings, pongs);
    if (l->rtt_count && (size_t)n < cap) {
        char a[24], b[24], c[24];
        lifecycle_duration(l->rtt_min, a, sizeof a);
        lifecycle_duration(rtt_median(l), b, sizeof b);
        lifecycle_duration(l->rtt_max, c, sizeof c);
        n += snprintf(buf + n, cap - (size_t)n, ", RTT %s / %s / %s", a, b, c);
    }
    unsigned waiting = l->nwaiting[0] + l->nwaiting[1];
    if (waiting && (size_t)n < cap)
        n += snprintf(buf + n, cap - (size_t)n, ", %u unanswered", waiting);
    uint64_t silence = l->longest_silence[0] > l->longest_silence[1] ? l->longest_silence[0]
                                                                    : l->longest_silence[1];
    if (silence >= SILENCE_NOTE_US && (size_t)n < cap) {
        char d[24];
        lifecycle_duration(silence, d, sizeof d);
        snprintf(buf + n, cap - (size_t)n, "; longest silence %s", d);
    }
}

void ws_life_text(const struct text_out *o, const struct session *s, const void *part)
{
    (void)s;
    char line[200];
    liveness_words(&((const struct ws_info *)part)->life, line, sizeof line);
    fputs(line, o->out);
}

void ws_life_detail(struct detail_out *o, const struct session *s, const void *part)
{
    (void)s;
    const struct ws_info *w = part;
    const struct ws_life *l = &w->life;
    char line[200];
    liveness_words(l, line, sizeof line);
    if (line[0])
        detail_line(o, "  WebSocket%s", line);
    for (int d = 0; d < 2; d++) {
        char big[24] = "-", silence[24] = "-";
        if (l->largest_message[d])
            snprintf(big, sizeof big, "%llu B", (unsigned long long)l->largest_message[d]);
        if (l->longest_silence[d])
            lifecycle_duration(l->longest_silence[d], silence, sizeof silence);
        detail_line(o, "  %s: %llu message(s), largest %s, longest silence %s, pings %u, "
                    "pongs %u", dir_name(d), (unsigned long long)w->messages[d], big, silence,
                    l->pings[d], l->pongs[d]);
    }
}
