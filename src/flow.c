/* flow: keyed-hash flow table with LRU eviction and idle expiry (see flow.h). */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "siphash.h"

static const char *const end_names[] = {
    [FLOW_END_CLOSED] = "closed",
    [FLOW_END_TIMEOUT] = "timeout",
    [FLOW_END_EVICTED] = "evicted",
    [FLOW_END_REUSED] = "reused",
    [FLOW_END_SHUTDOWN] = "end_of_input",
};

const char *flow_end_name(enum flow_end why)
{
    return why <= FLOW_END_SHUTDOWN ? end_names[why] : "?";
}

bool flow_table_init(struct flow_table *t, uint32_t max_flows, ts_us_t idle_timeout,
                     ts_us_t closed_timeout,
                     void (*on_end)(void *user, struct flow *f, enum flow_end why), void *user)
{
    memset(t, 0, sizeof *t);
    if (max_flows == 0)
        max_flows = 1;
    uint32_t nb = 16;
    while (nb < max_flows && nb < (1u << 30))
        nb <<= 1;
    t->buckets = calloc(nb, sizeof *t->buckets);
    if (!t->buckets || !siphash_secret(t->secret)) {
        free(t->buckets);
        return false;
    }
    t->mask = nb - 1;
    t->max_flows = max_flows;
    t->idle_timeout = idle_timeout;
    t->closed_timeout = closed_timeout;
    t->on_end = on_end;
    t->user = user;
    t->next_id = 1;
    return true;
}

void flow_key_from_packet(const struct packet *pkt, struct flow_key *key, int *side)
{
    memset(key, 0, sizeof *key);
    key->family = pkt->family;
    int c = memcmp(&pkt->src, &pkt->dst, sizeof pkt->src);
    bool src_first = c < 0 || (c == 0 && pkt->sport <= pkt->dport);
    *side = src_first ? 0 : 1;
    key->addr[*side] = pkt->src;
    key->port[*side] = pkt->sport;
    key->addr[!*side] = pkt->dst;
    key->port[!*side] = pkt->dport;
    key->tunnel = pkt->tunnel_key;
}

uint64_t flow_key_hash(const struct flow_table *t, const struct flow_key *key)
{
    return siphash13(t->secret, key, sizeof *key);
}

/* ---- LRU lists ---- */

static void list_unlink(struct flow_table *t, struct flow *f)
{
    struct flow **head = f->closed ? &t->closed_head : &t->open_head;
    struct flow **tail = f->closed ? &t->closed_tail : &t->open_tail;
    if (f->prev)
        f->prev->next = f->next;
    else
        *head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        *tail = f->prev;
    f->prev = f->next = NULL;
}

static void list_push_head(struct flow_table *t, struct flow *f)
{
    struct flow **head = f->closed ? &t->closed_head : &t->open_head;
    struct flow **tail = f->closed ? &t->closed_tail : &t->open_tail;
    f->prev = NULL;
    f->next = *head;
    if (*head)
        (*head)->prev = f;
    *head = f;
    if (!*tail)
        *tail = f;
}

/* ---- removal ---- */

static void bucket_unlink(struct flow_table *t, struct flow *f)
{
    struct flow **pp = &t->buckets[f->bucket];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
}

void flow_remove(struct flow_table *t, struct flow *f, enum flow_end why)
{
    if (t->on_end)
        t->on_end(t->user, f, why);
    switch (why) {
    case FLOW_END_CLOSED: break; /* counted when it closed */
    case FLOW_END_TIMEOUT: t->stats.timed_out++; break;
    case FLOW_END_EVICTED: t->stats.evicted++; break;
    case FLOW_END_REUSED: t->stats.reused++; break;
    case FLOW_END_SHUTDOWN: break;
    }
    bucket_unlink(t, f);
    list_unlink(t, f);
    t->stats.active--;
    if (f->tunnels)
        t->stats.tunnel_bytes -= tunnel_pair_size(f->tunnels);
    free(f->tunnels);
    free(f);
}

/* Makes room for one more flow: closed connections go first, they are finished already. */
static void evict_one(struct flow_table *t)
{
    if (t->closed_tail)
        flow_remove(t, t->closed_tail, FLOW_END_CLOSED);
    else if (t->open_tail)
        flow_remove(t, t->open_tail, FLOW_END_EVICTED);
}

bool flow_evict_oldest(struct flow_table *t)
{
    struct flow *o = t->open_tail, *c = t->closed_tail;
    if (!o && !c)
        return false;
    if (c && (!o || c->last_ts <= o->last_ts))
        flow_remove(t, c, FLOW_END_CLOSED);
    else
        flow_remove(t, o, FLOW_END_EVICTED);
    return true;
}

/* ---- lookup ---- */

struct flow *flow_lookup(struct flow_table *t, const struct flow_key *key, ts_us_t ts,
                         bool *created)
{
    uint64_t h = flow_key_hash(t, key);
    *created = false;
    for (struct flow *f = t->buckets[h & t->mask]; f; f = f->hnext) {
        if (memcmp(&f->key, key, sizeof *key) == 0) {
            list_unlink(t, f);
            list_push_head(t, f);
            if (ts > f->last_ts)
                f->last_ts = ts;
            return f;
        }
    }
    if (t->stats.active >= t->max_flows)
        evict_one(t);
    struct flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->key = *key;
    f->id = t->next_id++;
    f->first_ts = f->last_ts = ts;
    /* Until a handshake says otherwise, the lower port is the server (RFC 6335 §6: servers
     * listen on well-known and registered ports, clients use ephemeral ones). */
    f->client = key->port[0] < key->port[1] ? 1 : 0;
    f->role_source = ROLE_GUESS_PORT;
    f->bucket = (uint32_t)(h & t->mask);
    f->hnext = t->buckets[f->bucket];
    t->buckets[f->bucket] = f;
    list_push_head(t, f);
    t->stats.created++;
    t->stats.active++;
    if (t->stats.active > t->stats.active_peak)
        t->stats.active_peak = t->stats.active;
    *created = true;
    return f;
}

void flow_note_tunnels(struct flow_table *t, struct flow *f, const struct tunnel_stack *s,
                       int side)
{
    if (s->n == 0 || (f->tunnels && f->tunnels->seen[side]))
        return;
    bool fresh = f->tunnels == NULL;
    tunnel_pair_note(&f->tunnels, s, side);
    if (fresh && f->tunnels)
        t->stats.tunnel_bytes += tunnel_pair_size(f->tunnels);
}

void flow_mark_closed(struct flow_table *t, struct flow *f)
{
    if (f->closed)
        return;
    list_unlink(t, f);
    f->closed = true;
    list_push_head(t, f);
    t->stats.closed++;
}

void flow_expire(struct flow_table *t, ts_us_t now)
{
    while (t->closed_tail && t->closed_tail->last_ts + t->closed_timeout <= now)
        flow_remove(t, t->closed_tail, FLOW_END_CLOSED);
    while (t->open_tail && t->open_tail->last_ts + t->idle_timeout <= now)
        flow_remove(t, t->open_tail, FLOW_END_TIMEOUT);
}

void flow_table_destroy(struct flow_table *t)
{
    /* Oldest first, so outputs see connections end in the order they began to go quiet. */
    while (t->open_tail)
        flow_remove(t, t->open_tail, FLOW_END_SHUTDOWN);
    while (t->closed_tail)
        flow_remove(t, t->closed_tail, FLOW_END_SHUTDOWN);
    free(t->buckets);
    t->buckets = NULL;
}

size_t flow_table_memory(const struct flow_table *t)
{
    return (size_t)(t->mask + 1) * sizeof *t->buckets + t->stats.active * sizeof(struct flow) +
           t->stats.tunnel_bytes;
}
