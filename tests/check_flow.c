/* Unit tests for the flow table and its keyed hash: symmetric keys, roles, LRU eviction,
 * expiry of open and closed flows. */
#include <check.h>
#include <string.h>

#include "check_main.h"
#include "flow.h"
#include "siphash.h"

static int ended[8];
static uint64_t last_ended_id;

static void on_end(void *user, struct flow *f, enum flow_end why)
{
    (void)user;
    ended[why]++;
    last_ended_id = f->id;
}

static struct packet make_pkt(uint8_t a, uint16_t sport, uint8_t b, uint16_t dport)
{
    struct packet p;
    memset(&p, 0, sizeof p);
    p.family = 4;
    p.src.b[0] = 10; p.src.b[3] = a;
    p.dst.b[0] = 10; p.dst.b[3] = b;
    p.sport = sport;
    p.dport = dport;
    return p;
}

static struct flow *lookup(struct flow_table *t, uint8_t a, uint16_t sp, uint8_t b, uint16_t dp,
                           ts_us_t ts, int *side)
{
    struct packet p = make_pkt(a, sp, b, dp);
    struct flow_key k;
    bool created;
    flow_key_from_packet(&p, &k, side);
    return flow_lookup(t, &k, ts, &created);
}

static void setup(void)
{
    memset(ended, 0, sizeof ended);
}

START_TEST(siphash_reference_vector)
{
    /* SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e */
    uint8_t key[16], msg[15];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 15; i++)
        msg[i] = (uint8_t)i;
    ck_assert_uint_eq(siphash24(key, msg, sizeof msg), 0xa129ca6149be45e5ULL);
    /* the reference implementation's vectors.h, the empty message: only the length word */
    ck_assert_uint_eq(siphash24(key, msg, 0), 0x726fdb47dd0e0e31ULL);
}
END_TEST

START_TEST(siphash13_reference_vectors)
{
    /* SipHash-1-3 as CPython 3.11 computes hash(bytes) (sys.hash_info.algorithm 'siphash13')
     * with PYTHONHASHSEED=0, which makes its key sixteen zero bytes:
     *   PYTHONHASHSEED=0 python3 -c 'print(hex(hash(bytes(range(48))) % 2**64))'
     * 8 bytes (a full word and an empty tail), 15 (word and tail), 48 (a flow key's size) */
    uint8_t key[16] = {0}, msg[48];
    for (int i = 0; i < 48; i++)
        msg[i] = (uint8_t)i;
    ck_assert_uint_eq(siphash13(key, msg, 8), 0xead411e67ebe2eeaULL);
    ck_assert_uint_eq(siphash13(key, msg, 15), 0xf30eb725bb91c9eaULL);
    ck_assert_uint_eq(siphash13(key, msg, 48), 0xfe1f2445ba50237fULL);
}
END_TEST

START_TEST(both_directions_one_flow)
{
    struct flow_table t;
    int s1, s2;
    ck_assert(flow_table_init(&t, 100, 1000, 10, on_end, NULL));
    struct flow *f1 = lookup(&t, 1, 40000, 2, 80, 1, &s1);
    struct flow *f2 = lookup(&t, 2, 80, 1, 40000, 2, &s2);
    ck_assert_ptr_eq(f1, f2);
    ck_assert_int_ne(s1, s2);
    ck_assert_uint_eq(t.stats.created, 1);
    /* no handshake seen: the lower port is the server */
    ck_assert_int_eq(flow_dir_of_side(f1, s1), DIR_C2S);
    ck_assert_int_eq(flow_dir_of_side(f1, s2), DIR_S2C);
    ck_assert_int_eq(f1->role_source, ROLE_GUESS_PORT);
    ck_assert_int_eq(flow_side_of_dir(f1, DIR_C2S), s1);
    struct flow *other = lookup(&t, 1, 40001, 2, 80, 3, &s1);
    ck_assert_ptr_ne(other, f1);
    ck_assert_uint_gt(other->id, f1->id);
    flow_table_destroy(&t);
    ck_assert_int_eq(ended[FLOW_END_SHUTDOWN], 2);
}
END_TEST

START_TEST(lru_eviction)
{
    struct flow_table t;
    int side;
    ck_assert(flow_table_init(&t, 3, 1000000, 10, on_end, NULL));
    struct flow *a = lookup(&t, 1, 1001, 2, 80, 1, &side);
    lookup(&t, 1, 1002, 2, 80, 2, &side);
    lookup(&t, 1, 1003, 2, 80, 3, &side);
    lookup(&t, 1, 1001, 2, 80, 4, &side); /* a is now the most recent */
    lookup(&t, 1, 1004, 2, 80, 5, &side); /* evicts 1002, the least recent */
    ck_assert_int_eq(ended[FLOW_END_EVICTED], 1);
    ck_assert_uint_eq(last_ended_id, 2);
    ck_assert_uint_eq(t.stats.active, 3);
    ck_assert_uint_eq(t.stats.evicted, 1);
    bool created;
    struct packet p = make_pkt(1, 1001, 2, 80);
    struct flow_key k;
    flow_key_from_packet(&p, &k, &side);
    ck_assert_ptr_eq(flow_lookup(&t, &k, 6, &created), a);
    ck_assert(!created);
    flow_table_destroy(&t);
}
END_TEST

START_TEST(closed_flows_evicted_first)
{
    struct flow_table t;
    int side;
    ck_assert(flow_table_init(&t, 2, 1000000, 1000000, on_end, NULL));
    struct flow *a = lookup(&t, 1, 1001, 2, 80, 1, &side);
    lookup(&t, 1, 1002, 2, 80, 2, &side);
    lookup(&t, 1, 1001, 2, 80, 3, &side);
    flow_mark_closed(&t, a); /* a is recent but finished */
    lookup(&t, 1, 1003, 2, 80, 4, &side);
    ck_assert_uint_eq(last_ended_id, 1);
    ck_assert_int_eq(ended[FLOW_END_CLOSED], 1);
    ck_assert_int_eq(ended[FLOW_END_EVICTED], 0);
    flow_table_destroy(&t);
}
END_TEST

/* --memcap: the least recently seen goes first, open or closed; an open one counts as evicted */
START_TEST(evict_oldest_by_last_seen)
{
    struct flow_table t;
    int side;
    ck_assert(flow_table_init(&t, 100, 1000000, 1000000, on_end, NULL));
    lookup(&t, 1, 1001, 2, 80, 1, &side);
    lookup(&t, 1, 1002, 2, 80, 2, &side);
    struct flow *c = lookup(&t, 1, 1003, 2, 80, 3, &side);
    flow_mark_closed(&t, c);   /* closed, but seen last */
    ck_assert(flow_evict_oldest(&t));
    ck_assert_uint_eq(last_ended_id, 1);
    ck_assert_int_eq(ended[FLOW_END_EVICTED], 1);
    ck_assert(flow_evict_oldest(&t));
    ck_assert_uint_eq(last_ended_id, 2);
    ck_assert(flow_evict_oldest(&t));
    ck_assert_uint_eq(last_ended_id, 3);
    ck_assert_int_eq(ended[FLOW_END_CLOSED], 1);
    ck_assert_uint_eq(t.stats.evicted, 2);
    ck_assert(!flow_evict_oldest(&t));
    flow_table_destroy(&t);
}
END_TEST

START_TEST(expiry)
{
    struct flow_table t;
    int side;
    ck_assert(flow_table_init(&t, 100, 100, 10, on_end, NULL));
    struct flow *open = lookup(&t, 1, 1001, 2, 80, 0, &side);
    struct flow *closed = lookup(&t, 1, 1002, 2, 80, 5, &side);
    uint64_t open_id = open->id;
    flow_mark_closed(&t, closed);
    flow_expire(&t, 14);
    ck_assert_int_eq(ended[FLOW_END_CLOSED], 0);
    flow_expire(&t, 15); /* closed: 5 + 10 */
    ck_assert_int_eq(ended[FLOW_END_CLOSED], 1);
    ck_assert_int_eq(ended[FLOW_END_TIMEOUT], 0);
    lookup(&t, 2, 80, 1, 1001, 50, &side); /* activity keeps it open */
    flow_expire(&t, 149);
    ck_assert_int_eq(ended[FLOW_END_TIMEOUT], 0);
    flow_expire(&t, 150);
    ck_assert_int_eq(ended[FLOW_END_TIMEOUT], 1);
    ck_assert_uint_eq(last_ended_id, open_id);
    ck_assert_uint_eq(t.stats.active, 0);
    flow_table_destroy(&t);
}
END_TEST

START_TEST(secret_differs_between_tables)
{
    struct flow_table a, b;
    ck_assert(flow_table_init(&a, 10, 1, 1, NULL, NULL));
    ck_assert(flow_table_init(&b, 10, 1, 1, NULL, NULL));
    struct packet p = make_pkt(1, 1000, 2, 80);
    struct flow_key k;
    int side;
    flow_key_from_packet(&p, &k, &side);
    ck_assert_uint_ne(flow_key_hash(&a, &k), flow_key_hash(&b, &k));
    flow_table_destroy(&a);
    flow_table_destroy(&b);
}
END_TEST

static Suite *flow_suite(void)
{
    Suite *s = suite_create("flow");
    TCase *tc = tcase_create("flow");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, siphash_reference_vector);
    tcase_add_test(tc, siphash13_reference_vectors);
    tcase_add_test(tc, both_directions_one_flow);
    tcase_add_test(tc, lru_eviction);
    tcase_add_test(tc, closed_flows_evicted_first);
    tcase_add_test(tc, evict_oldest_by_last_seen);
    tcase_add_test(tc, expiry);
    tcase_add_test(tc, secret_differs_between_tables);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(flow_suite());
}
