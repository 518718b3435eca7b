/* Unit tests for reasm: crafted segment sequences, exact delivered byte streams. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "reasm.h"

/* Records every event as text: data as-is, "<gap N>", "<fin>". */
struct recorder {
    char out[8192];
    size_t len;
    bool count_only;      /* big streams: only count the bytes */
    uint64_t data_bytes, gap_bytes;
};

static void rec_put(struct recorder *r, const char *s, size_t n)
{
    if (r->count_only)
        return;
    ck_assert_uint_lt(r->len + n, sizeof r->out);
    memcpy(r->out + r->len, s, n);
    r->len += n;
    r->out[r->len] = '\0';
}

static void on_data(void *user, int dir, const uint8_t *p, size_t n, ts_us_t ts)
{
    (void)dir; (void)ts;
    struct recorder *r = user;
    r->data_bytes += n;
    rec_put(r, (const char *)p, n);
}

static void on_gap(void *user, int dir, uint64_t len, ts_us_t ts)
{
    (void)dir; (void)ts;
    char buf[32];
    ((struct recorder *)user)->gap_bytes += len;
    int n = snprintf(buf, sizeof buf, "<gap %llu>", (unsigned long long)len);
    rec_put(user, buf, (size_t)n);
}

static void on_fin(void *user, int dir, ts_us_t ts)
{
    (void)dir; (void)ts;
    rec_put(user, "<fin>", 5);
}

static struct reasm_ctx ctx;
static struct reasm_dir d;
static struct recorder rec;

static void setup_limits(const struct reasm_limits *lim)
{
    static const struct reasm_ops ops = { on_data, on_gap, on_fin };
    reasm_ctx_init(&ctx, &ops, lim);
    memset(&d, 0, sizeof d);
    memset(&rec, 0, sizeof rec);
}

/* Limits with no reorder window: an ACK over a hole makes it a gap at once. */
static void setup_caps(uint32_t dir_cap, uint64_t total_cap)
{
    struct reasm_limits lim = { .dir_bytes = dir_cap, .dir_segments = 1u << 20,
                                .total_bytes = total_cap, .history = 64 };
    setup_limits(&lim);
}

static void setup(void)
{
    setup_caps(1 << 20, 1 << 24);
}

static void teardown(void)
{
    reasm_dir_release(&ctx, &d);
    ck_assert_uint_eq(ctx.stats.queued_bytes, 0);
}

/* Pushes a text segment at isn + 1 + off. */
static void seg(uint32_t isn, uint32_t off, const char *s)
{
    uint32_t n = (uint32_t)strlen(s);
    reasm_push(&ctx, &d, &rec, 0, isn + 1 + off, (const uint8_t *)s, n, n, 0);
}

START_TEST(in_order)
{
    reasm_syn(&ctx, &d, 1000);
    seg(1000, 0, "hello ");
    seg(1000, 6, "world");
    ck_assert_str_eq(rec.out, "hello world");
    ck_assert_uint_eq(d.delivered, 11);
    ck_assert_uint_eq(ctx.stats.out_of_order, 0);
}
END_TEST

START_TEST(reordered)
{
    reasm_syn(&ctx, &d, 1000);
    seg(1000, 6, "world");
    seg(1000, 11, "!");
    ck_assert_str_eq(rec.out, "");
    seg(1000, 0, "hello ");
    ck_assert_str_eq(rec.out, "hello world!");
    ck_assert_uint_eq(ctx.stats.out_of_order, 2);
    ck_assert_ptr_null(d.ooo);
}
END_TEST

START_TEST(duplicated)
{
    reasm_syn(&ctx, &d, 5);
    seg(5, 0, "abc");
    seg(5, 0, "abc");
    seg(5, 3, "def");
    seg(5, 3, "def");
    ck_assert_str_eq(rec.out, "abcdef");
    ck_assert_uint_eq(ctx.stats.retransmissions, 2);
    ck_assert_uint_eq(ctx.stats.conflicts, 0);
}
END_TEST

START_TEST(duplicated_out_of_order)
{
    reasm_syn(&ctx, &d, 5);
    seg(5, 3, "def");
    seg(5, 3, "def");
    seg(5, 0, "abc");
    ck_assert_str_eq(rec.out, "abcdef");
    ck_assert_uint_eq(ctx.stats.retransmissions, 1);
}
END_TEST

START_TEST(overlap_partial_old)
{
    /* a segment starting inside delivered data: only its new tail is delivered */
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "abcd");
    seg(0, 2, "cdef");
    ck_assert_str_eq(rec.out, "abcdef");
    ck_assert_uint_eq(ctx.stats.retransmissions, 1);
    ck_assert_uint_eq(ctx.stats.conflicts, 0);
}
END_TEST

START_TEST(overlap_first_seen_wins_delivered)
{
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "abcd");
    seg(0, 2, "XXef"); /* conflicts on "cd" */
    ck_assert_str_eq(rec.out, "abcdef");
    ck_assert_uint_eq(ctx.stats.conflicts, 1);
    ck_assert_uint_eq(d.conflicts, 1);
}
END_TEST

START_TEST(overlap_first_seen_wins_queued)
{
    reasm_syn(&ctx, &d, 0);
    seg(0, 4, "efgh");    /* queued first */
    seg(0, 2, "cdXXXhij"); /* covers it with other bytes, and extends it */
    seg(0, 0, "ab");
    ck_assert_str_eq(rec.out, "abcdefghij");
    ck_assert_uint_eq(ctx.stats.conflicts, 1);
}
END_TEST

START_TEST(overlap_fills_holes_between_queued)
{
    reasm_syn(&ctx, &d, 0);
    seg(0, 2, "c");
    seg(0, 5, "f");
    seg(0, 1, "bcdefgh"); /* spans both queued bytes and the holes around them */
    ck_assert_str_eq(rec.out, "");
    seg(0, 0, "a");
    ck_assert_str_eq(rec.out, "abcdefgh");
    ck_assert_uint_eq(ctx.stats.conflicts, 0);
}
END_TEST

START_TEST(retransmission_with_other_bytes)
{
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "GET / HTTP/1.1\r\n");
    seg(0, 0, "GET /admin HTTP/");
    ck_assert_str_eq(rec.out, "GET / HTTP/1.1\r\n");
    ck_assert_uint_eq(ctx.stats.conflicts, 1);
    ck_assert_uint_eq(ctx.stats.retransmissions, 1);
}
END_TEST

START_TEST(gap_on_flush)
{
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "abc");
    seg(0, 10, "klm");
    ck_assert_str_eq(rec.out, "abc");
    reasm_flush(&ctx, &d, &rec, 0, 0);
    ck_assert_str_eq(rec.out, "abc<gap 7>klm");
    ck_assert_uint_eq(d.gaps, 1);
    ck_assert_uint_eq(ctx.stats.gap_bytes, 7);
}
END_TEST

START_TEST(gap_by_ack)
{
    /* the peer acknowledged bytes the capture never saw: deliver the gap at once */
    reasm_syn(&ctx, &d, 100);
    seg(100, 0, "abc");
    seg(100, 8, "ijk");
    reasm_ack(&ctx, &d, &rec, 0, 100 + 1 + 11, 0);
    ck_assert_str_eq(rec.out, "abc<gap 5>ijk");
    /* the lost bytes arriving late are old news: counted as late, not retransmitted */
    seg(100, 3, "defgh");
    ck_assert_str_eq(rec.out, "abc<gap 5>ijk");
    ck_assert_uint_eq(ctx.stats.late_segments, 1);
    ck_assert_uint_eq(ctx.stats.late_bytes, 5);
    ck_assert_uint_eq(ctx.stats.retransmissions, 0);
}
END_TEST

START_TEST(gap_by_ack_without_queue)
{
    reasm_syn(&ctx, &d, 100);
    seg(100, 0, "abc");
    reasm_ack(&ctx, &d, &rec, 0, 100 + 1 + 10, 0);
    ck_assert_str_eq(rec.out, "abc<gap 7>");
    seg(100, 10, "z");
    ck_assert_str_eq(rec.out, "abc<gap 7>z");
}
END_TEST

START_TEST(ack_of_fin_is_not_a_gap)
{
    reasm_syn(&ctx, &d, 100);
    seg(100, 0, "abc");
    reasm_fin(&ctx, &d, &rec, 0, 100 + 1 + 3, 0);
    reasm_ack(&ctx, &d, &rec, 0, 100 + 1 + 4, 0);
    ck_assert_str_eq(rec.out, "abc<fin>");
}
END_TEST

START_TEST(queue_cap_forces_gap)
{
    /* the byte cap counts each segment's bookkeeping too: one byte holds nothing */
    setup_caps(1, 1 << 24);
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "ab");
    seg(0, 4, "efgh");
    ck_assert_str_eq(rec.out, "ab<gap 2>efgh");
    ck_assert_uint_eq(ctx.stats.queue_limit_hits, 1);
    ck_assert_uint_eq(ctx.stats.queued_bytes, 0);
}
END_TEST

START_TEST(segment_cap_forces_gap)
{
    struct reasm_limits lim = { .dir_bytes = 1u << 20, .dir_segments = 2,
                                .total_bytes = 1u << 24 };
    setup_limits(&lim);
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "ab");
    seg(0, 4, "e");
    seg(0, 6, "g");
    ck_assert_str_eq(rec.out, "ab");
    seg(0, 8, "i"); /* a third segment: the first hole goes, as little as needed */
    ck_assert_str_eq(rec.out, "ab<gap 2>e");
    ck_assert_uint_eq(ctx.stats.queue_limit_hits, 1);
    ck_assert_uint_eq(ctx.stats.queued_segments_peak, 3);
    ck_assert_uint_eq(d.queued_segments, 2);
}
END_TEST

START_TEST(queued_bytes_count_bookkeeping_and_cut_payloads)
{
    reasm_syn(&ctx, &d, 0);
    /* out of order, 10 bytes of which the snap length kept 2: two pieces, both counted */
    reasm_push(&ctx, &d, &rec, 0, 1 + 5, (const uint8_t *)"fghijklmno", 2, 10, 0);
    ck_assert_uint_eq(d.queued_segments, 2);
    ck_assert_uint_eq(ctx.stats.queued_segments_peak, 2);
    ck_assert_uint_gt(ctx.stats.queued_bytes, 2 + 2 * sizeof(void *));
    ck_assert_uint_eq(ctx.stats.queued_bytes, d.queued);
    seg(0, 0, "abcde");
    ck_assert_str_eq(rec.out, "abcdefg<gap 8>");
    ck_assert_uint_eq(d.queued, 0);
}
END_TEST

START_TEST(total_cap_forces_gap)
{
    setup_caps(1 << 20, 1);
    reasm_syn(&ctx, &d, 0);
    seg(0, 3, "defg");
    ck_assert_str_eq(rec.out, "<gap 3>defg");
    ck_assert_uint_eq(ctx.stats.queue_limit_hits, 1);
}
END_TEST

START_TEST(wraparound)
{
    uint32_t isn = 0xFFFFFFF8u; /* the first segment crosses 2^32 */
    reasm_syn(&ctx, &d, isn);
    seg(isn, 0, "0123456789");     /* crosses 2^32 */
    seg(isn, 20, "klmn");          /* queued past the wrap */
    seg(isn, 10, "abcdefghij");
    ck_assert_str_eq(rec.out, "0123456789abcdefghijklmn");
    ck_assert_uint_eq(d.next_seq, isn + 1 + 24);
    seg(isn, 5, "56789abc");       /* old across the wrap */
    ck_assert_uint_eq(ctx.stats.retransmissions, 1);
    ck_assert_uint_eq(ctx.stats.conflicts, 0);
}
END_TEST

START_TEST(wraparound_reordered_gap)
{
    uint32_t isn = 0xFFFFFFFDu;
    reasm_syn(&ctx, &d, isn);
    seg(isn, 6, "ghi");
    seg(isn, 0, "ab");
    reasm_flush(&ctx, &d, &rec, 0, 0);
    ck_assert_str_eq(rec.out, "ab<gap 4>ghi");
}
END_TEST

START_TEST(midstream_pickup)
{
    /* no SYN: the first segment seen starts the stream */
    seg(77776, 0, "middle");
    seg(77776, 6, " end");
    ck_assert_str_eq(rec.out, "middle end");
    ck_assert(d.midstream);
    ck_assert(!d.syn_seen);
}
END_TEST

START_TEST(fin_after_reorder)
{
    reasm_syn(&ctx, &d, 0);
    seg(0, 3, "def");
    reasm_fin(&ctx, &d, &rec, 0, 1 + 6, 0);
    ck_assert_str_eq(rec.out, "");
    seg(0, 0, "abc");
    ck_assert_str_eq(rec.out, "abcdef<fin>");
    ck_assert_int_eq(d.state, REASM_DONE);
    seg(0, 6, "zzz"); /* beyond the FIN: nothing */
    ck_assert_str_eq(rec.out, "abcdef<fin>");
}
END_TEST

START_TEST(data_beyond_fin_discredits_it)
{
    /* a FIN ahead of the data, and then data past it: the FIN was false (spoofed) */
    reasm_syn(&ctx, &d, 0);
    reasm_fin(&ctx, &d, &rec, 0, 1 + 4, 0);
    seg(0, 0, "abcdXYZ");
    ck_assert_str_eq(rec.out, "abcdXYZ");
    ck_assert_uint_eq(ctx.stats.fins_discredited, 1);
    reasm_fin(&ctx, &d, &rec, 0, 1 + 7, 0); /* the real one */
    ck_assert_str_eq(rec.out, "abcdXYZ<fin>");
}
END_TEST

START_TEST(fin_before_delivered_data_ignored)
{
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "abcdef");
    reasm_fin(&ctx, &d, &rec, 0, 1 + 3, 0);
    ck_assert_uint_eq(ctx.stats.fins_discredited, 1);
    seg(0, 6, "gh");
    reasm_fin(&ctx, &d, &rec, 0, 1 + 8, 0);
    ck_assert_str_eq(rec.out, "abcdefgh<fin>");
}
END_TEST

START_TEST(flush_fills_to_fin)
{
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "ab");
    reasm_fin(&ctx, &d, &rec, 0, 1 + 10, 0);
    reasm_flush(&ctx, &d, &rec, 0, 0);
    ck_assert_str_eq(rec.out, "ab<gap 8><fin>");
}
END_TEST

START_TEST(snaplen_cut_in_order)
{
    reasm_syn(&ctx, &d, 0);
    reasm_push(&ctx, &d, &rec, 0, 1, (const uint8_t *)"abcdef", 3, 6, 0);
    seg(0, 6, "ghi");
    ck_assert_str_eq(rec.out, "abc<gap 3>ghi");
}
END_TEST

START_TEST(snaplen_cut_out_of_order)
{
    reasm_syn(&ctx, &d, 0);
    reasm_push(&ctx, &d, &rec, 0, 1 + 3, (const uint8_t *)"defghi", 2, 6, 0);
    seg(0, 0, "abc");
    ck_assert_str_eq(rec.out, "abcde<gap 4>");
}
END_TEST

START_TEST(syn_data)
{
    /* TCP Fast Open: data in the SYN follows the SYN's own sequence number */
    reasm_syn(&ctx, &d, 41);
    reasm_push(&ctx, &d, &rec, 0, 42, (const uint8_t *)"GET", 3, 3, 0);
    ck_assert_str_eq(rec.out, "GET");
}
END_TEST

START_TEST(retransmitted_syn_ignored)
{
    reasm_syn(&ctx, &d, 10);
    seg(10, 0, "ab");
    reasm_syn(&ctx, &d, 10);
    seg(10, 2, "cd");
    ck_assert_str_eq(rec.out, "abcd");
}
END_TEST

/* ---- the reorder window: an ACK over a hole waits for the bytes ---- */

static void setup_reorder(uint32_t packets, ts_us_t time)
{
    struct reasm_limits lim;
    reasm_limits_defaults(&lim);
    lim.reorder_packets = packets;
    lim.reorder_time = time;
    setup_limits(&lim);
}

START_TEST(reorder_hole_filled_in_time)
{
    setup_reorder(64, 1000000);
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "abc");
    seg(0, 6, "ghi");
    reasm_ack(&ctx, &d, &rec, 0, 1 + 9, 10); /* the peer has it all; the capture not yet */
    ck_assert_str_eq(rec.out, "abc");
    seg(0, 3, "def");                       /* the missing segment, a few packets late */
    ck_assert_str_eq(rec.out, "abcdefghi");
    ck_assert_uint_eq(d.gaps, 0);
    ck_assert_uint_eq(ctx.stats.reorder_waits, 1);
    ck_assert_uint_eq(ctx.stats.reorder_filled, 1);
    ck_assert_uint_eq(ctx.stats.reorder_expired, 0);
}
END_TEST

START_TEST(reorder_hole_expires_after_packets)
{
    setup_reorder(3, 1000000);
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "abc");
    reasm_ack(&ctx, &d, &rec, 0, 1 + 6, 0);
    for (int i = 0; i < 3; i++)
        reasm_ack(&ctx, &d, &rec, 0, 1 + 6, 0);
    ck_assert_str_eq(rec.out, "abc");
    reasm_ack(&ctx, &d, &rec, 0, 1 + 6, 0); /* the fourth packet since */
    ck_assert_str_eq(rec.out, "abc<gap 3>");
    ck_assert_uint_eq(ctx.stats.reorder_expired, 1);
    seg(0, 3, "def");
    ck_assert_uint_eq(ctx.stats.late_bytes, 3);
}
END_TEST

START_TEST(reorder_hole_expires_after_time)
{
    setup_reorder(1000, 500);
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "abc");
    seg(0, 6, "ghi");
    reasm_ack(&ctx, &d, &rec, 0, 1 + 9, 1000);
    reasm_ack(&ctx, &d, &rec, 0, 1 + 9, 1400);
    ck_assert_str_eq(rec.out, "abc");
    reasm_ack(&ctx, &d, &rec, 0, 1 + 9, 1500);
    ck_assert_str_eq(rec.out, "abc<gap 3>ghi");
}
END_TEST

START_TEST(reorder_hole_ends_with_acked_fin)
{
    setup_reorder(64, 1000000);
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "abc");
    reasm_fin(&ctx, &d, &rec, 0, 1 + 6, 0);
    reasm_ack(&ctx, &d, &rec, 0, 1 + 6, 0);
    ck_assert_str_eq(rec.out, "abc");
    reasm_ack(&ctx, &d, &rec, 0, 1 + 7, 0); /* the FIN itself acknowledged */
    ck_assert_str_eq(rec.out, "abc<gap 3><fin>");
}
END_TEST

/* ---- scale: the review's 80,000 one-byte segments behind a one-byte hole ---- */

START_TEST(many_tiny_segments_behind_a_hole)
{
    struct reasm_limits lim;
    reasm_limits_defaults(&lim);
    setup_limits(&lim);
    rec.count_only = true;
    reasm_syn(&ctx, &d, 0);
    for (uint32_t i = 1; i <= 80000; i++)
        reasm_push(&ctx, &d, &rec, 0, 1 + i, (const uint8_t *)"x", 1, 1, 0);
    /* the segment cap declared the hole long before 80,000 segments were queued */
    ck_assert_uint_le(ctx.stats.queued_segments_peak, lim.dir_segments + 1);
    ck_assert_uint_ge(ctx.stats.queue_limit_hits, 1);
    ck_assert_uint_eq(rec.gap_bytes, 1);
    ck_assert_uint_eq(rec.data_bytes, 80000);
    ck_assert_uint_eq(d.queued_segments, 0);
}
END_TEST

/* A stream cut into segments crossing 2^32, pushed in a shuffled order with duplicates and
 * overlapping resends: whatever the order, the stream comes out whole and in order. */
START_TEST(shuffled_segments_across_wraparound)
{
    enum { LEN = 6000, SEGS = 1500 };
    static uint8_t stream[LEN];
    static uint32_t off[SEGS], len[SEGS];
    uint32_t rng = 12345;
    for (int i = 0; i < LEN; i++)
        stream[i] = (uint8_t)('a' + i % 26);
    for (int i = 0; i < SEGS; i++) {
        rng = rng * 1103515245u + 12345u;
        off[i] = (uint32_t)i * 4;
        len[i] = 4 + (rng >> 16) % 9;            /* overlaps its neighbours */
        if (off[i] + len[i] > LEN)
            len[i] = LEN - off[i];
    }
    for (int i = SEGS - 1; i > 0; i--) {         /* Fisher-Yates */
        rng = rng * 1103515245u + 12345u;
        int j = (int)((rng >> 8) % (uint32_t)(i + 1));
        uint32_t t = off[i]; off[i] = off[j]; off[j] = t;
        t = len[i]; len[i] = len[j]; len[j] = t;
    }
    uint32_t isn = 0xFFFFFFFFu - 3000;
    reasm_syn(&ctx, &d, isn);
    for (int i = 0; i < SEGS; i++) {
        reasm_push(&ctx, &d, &rec, 0, isn + 1 + off[i], stream + off[i], len[i], len[i], 0);
        if (i % 7 == 0)                           /* a duplicate now and then */
            reasm_push(&ctx, &d, &rec, 0, isn + 1 + off[i], stream + off[i], len[i], len[i],
                       0);
    }
    ck_assert_uint_eq(rec.len, LEN);
    ck_assert_int_eq(memcmp(rec.out, stream, LEN), 0);
    ck_assert_uint_eq(ctx.stats.conflicts, 0);
    ck_assert_uint_eq(d.gaps, 0);
    ck_assert_ptr_null(d.ooo);
}
END_TEST

START_TEST(too_far_ahead_dropped)
{
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "ab");
    seg(0, 0x50000000u, "zz"); /* past any window: not queued */
    ck_assert_uint_eq(ctx.stats.too_far_ahead, 1);
    ck_assert_ptr_null(d.ooo);
    seg(0, 2, "cd");
    ck_assert_str_eq(rec.out, "abcd");
}
END_TEST

START_TEST(seq_plausible_window)
{
    ck_assert(reasm_seq_plausible(&d, 12345, 0)); /* nothing known: anything goes */
    reasm_syn(&ctx, &d, 1000);
    seg(1000, 0, "abcdef");                        /* next_seq 1007 */
    ck_assert(reasm_seq_plausible(&d, 1007, 100));
    ck_assert(reasm_seq_plausible(&d, 1006, 100));  /* one below, as after a FIN */
    ck_assert(reasm_seq_plausible(&d, 1107, 100));
    ck_assert(!reasm_seq_plausible(&d, 1108, 100));
    ck_assert(!reasm_seq_plausible(&d, 1005, 100));
    ck_assert(!reasm_seq_plausible(&d, 0x80001000u, 100));
    seg(1000, 50, "zz");                           /* the furthest byte seen moves on */
    ck_assert(reasm_seq_plausible(&d, 1000 + 1 + 52 + 100, 100));
}
END_TEST

static Suite *reasm_suite(void)
{
    Suite *s = suite_create("reasm");
    TCase *tc = tcase_create("reasm");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, in_order);
    tcase_add_test(tc, reordered);
    tcase_add_test(tc, duplicated);
    tcase_add_test(tc, duplicated_out_of_order);
    tcase_add_test(tc, overlap_partial_old);
    tcase_add_test(tc, overlap_first_seen_wins_delivered);
    tcase_add_test(tc, overlap_first_seen_wins_queued);
    tcase_add_test(tc, overlap_fills_holes_between_queued);
    tcase_add_test(tc, retransmission_with_other_bytes);
    tcase_add_test(tc, gap_on_flush);
    tcase_add_test(tc, gap_by_ack);
    tcase_add_test(tc, gap_by_ack_without_queue);
    tcase_add_test(tc, ack_of_fin_is_not_a_gap);
    tcase_add_test(tc, queue_cap_forces_gap);
    tcase_add_test(tc, total_cap_forces_gap);
    tcase_add_test(tc, segment_cap_forces_gap);
    tcase_add_test(tc, queued_bytes_count_bookkeeping_and_cut_payloads);
    tcase_add_test(tc, wraparound);
    tcase_add_test(tc, wraparound_reordered_gap);
    tcase_add_test(tc, midstream_pickup);
    tcase_add_test(tc, fin_after_reorder);
    tcase_add_test(tc, data_beyond_fin_discredits_it);
    tcase_add_test(tc, fin_before_delivered_data_ignored);
    tcase_add_test(tc, flush_fills_to_fin);
    tcase_add_test(tc, snaplen_cut_in_order);
    tcase_add_test(tc, snaplen_cut_out_of_order);
    tcase_add_test(tc, syn_data);
    tcase_add_test(tc, retransmitted_syn_ignored);
    tcase_add_test(tc, reorder_hole_filled_in_time);
    tcase_add_test(tc, reorder_hole_expires_after_packets);
    tcase_add_test(tc, reorder_hole_expires_after_time);
    tcase_add_test(tc, reorder_hole_ends_with_acked_fin);
    tcase_add_test(tc, many_tiny_segments_behind_a_hole);
    tcase_add_test(tc, shuffled_segments_across_wraparound);
    tcase_add_test(tc, too_far_ahead_dropped);
    tcase_add_test(tc, seq_plausible_window);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(reasm_suite());
}
