/* idle_pattern: sessions that keep dying after the same silence (see idle_pattern.h). */
#include "idle_pattern.h"

#include <string.h>

#include "lifecycle.h"

#define IDLE_MIN_US 1000000              /* shorter silences are traffic, not timeouts */
#define REPEATS 3                        /* this session and two before it */

static struct idle_server *server_of(struct idle_pattern *ip, const struct session *s)
{
    struct idle_server *oldest = &ip->servers[0];
    for (uint32_t i = 0; i < ip->used; i++) {
        struct idle_server *v = &ip->servers[i];
        if (v->family == s->family && v->port == s->server_port &&
            memcmp(&v->ip, &s->server_ip, sizeof v->ip) == 0)
            return v;
        if (v->last_seen < oldest->last_seen)
            oldest = v;
    }
    struct idle_server *v = ip->used < IDLE_SERVERS ? &ip->servers[ip->used++] : oldest;
    memset(v, 0, sizeof *v);
    v->family = s->family;
    v->ip = s->server_ip;
    v->port = s->server_port;
    return v;
}

static uint64_t diff(uint64_t a, uint64_t b)
{
    return a > b ? a - b : b - a;
}

void idle_pattern_note(struct idle_pattern *ip, struct session *s)
{
    struct life_end e = lifecycle_end(s);
    bool by_tcp = strcmp(e.how, "tcp_fin") == 0 || strcmp(e.how, "tcp_rst") == 0;
    ts_us_t died = lifecycle_end_time(s);
    if (!by_tcp || !s->last_data || died < s->last_data || died - s->last_data < IDLE_MIN_US)
        return;
    uint64_t idle = died - s->last_data;
    struct idle_server *v = server_of(ip, s);
    v->last_seen = ++ip->clock;
    unsigned same = 1;
    for (unsigned i = 0; i < v->n; i++) {
        uint64_t tolerance = idle / 50 > 50000 ? idle / 50 : 50000;
        same += diff(v->idle[i], idle) <= tolerance;
    }
    if (v->n == IDLE_KEEP)
        memmove(v->idle, v->idle + 1, (IDLE_KEEP - 1) * sizeof v->idle[0]);
    else
        v->n++;
    v->idle[v->n - 1] = idle;
    if (same < REPEATS)
        return;
    char d[32], w[96];
    lifecycle_duration(idle, d, sizeof d);
    lifecycle_end_words(e, w, sizeof w);
    session_finding(s, F_CONNECTION_IDLE_TIMEOUT_PATTERN, e.by, s->end, "%u sessions to this "
                    "server ended by %s after the same %s of silence: an idle timeout (a proxy, "
                    "load balancer or firewall?)", same, w, d);
}
