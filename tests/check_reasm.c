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
};

static void rec_put(struct recorder *r, const char *s, size_t n)
{
    ck_assert_uint_lt(r->len + n, sizeof r->out);
    memcpy(r->out + r->len, s, n);
    r->len += n;
    r->out[r->len] = '\0';
}

static void on_data(void *user, int dir, const uint8_t *p, size_t n, ts_us_t ts)
{
    (void)dir; (void)ts;
    rec_put(user, (const char *)p, n);
}

static void on_gap(void *user, int dir, uint64_t len, ts_us_t ts)
{
    (void)dir; (void)ts;
    char buf[32];
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

static void setup_caps(uint32_t dir_cap, uint64_t total_cap)
{
    static const struct reasm_ops ops = { on_data, on_gap, on_fin };
    reasm_ctx_init(&ctx, &ops, dir_cap, total_cap, 64);
    memset(&d, 0, sizeof d);
    memset(&rec, 0, sizeof rec);
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
    /* the lost bytes arriving late are old news */
    seg(100, 3, "defgh");
    ck_assert_str_eq(rec.out, "abc<gap 5>ijk");
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
    setup_caps(8, 1 << 24);
    reasm_syn(&ctx, &d, 0);
    seg(0, 0, "ab");
    seg(0, 4, "efgh");
    ck_assert_str_eq(rec.out, "ab");
    seg(0, 8, "ijklm"); /* 9 bytes queued > 8 */
    ck_assert_str_eq(rec.out, "ab<gap 2>efghijklm");
    ck_assert_uint_eq(ctx.stats.queue_limit_hits, 1);
}
END_TEST

START_TEST(total_cap_forces_gap)
{
    setup_caps(1 << 20, 4);
    reasm_syn(&ctx, &d, 0);
    seg(0, 3, "defg");
    ck_assert_str_eq(rec.out, "");
    seg(0, 7, "h");
    ck_assert_str_eq(rec.out, "<gap 3>defgh");
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

START_TEST(data_beyond_fin_trimmed)
{
    reasm_syn(&ctx, &d, 0);
    reasm_fin(&ctx, &d, &rec, 0, 1 + 4, 0);
    seg(0, 0, "abcdXYZ");
    ck_assert_str_eq(rec.out, "abcd<fin>");
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
    tcase_add_test(tc, wraparound);
    tcase_add_test(tc, wraparound_reordered_gap);
    tcase_add_test(tc, midstream_pickup);
    tcase_add_test(tc, fin_after_reorder);
    tcase_add_test(tc, data_beyond_fin_trimmed);
    tcase_add_test(tc, flush_fills_to_fin);
    tcase_add_test(tc, snaplen_cut_in_order);
    tcase_add_test(tc, snaplen_cut_out_of_order);
    tcase_add_test(tc, syn_data);
    tcase_add_test(tc, retransmitted_syn_ignored);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(reasm_suite());
}
