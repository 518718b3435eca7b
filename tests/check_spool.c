/* Unit tests for the packet spool (bounded, unlinked chunk files, read back by range) and the
 * id set the export uses. */
#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "idset.h"
#include "spool.h"

static char tmpdir[] = "/tmp/upscope-spool-test-XXXXXX";

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    setenv("TMPDIR", tmpdir, 1);
}

static void teardown(void)
{
    rmdir(tmpdir);
    strcpy(tmpdir, "/tmp/upscope-spool-test-XXXXXX");
}

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static int64_t put(struct spool *sp, uint64_t conn, uint64_t seq, size_t len)
{
    uint8_t data[2048];
    ck_assert_uint_le(len, sizeof data);
    memset(data, (int)(seq & 0xff), len);
    char err[256];
    int64_t off = spool_append(sp, conn, seq, seq * 10, (uint32_t)len, (uint32_t)len + 4, data,
                               err, sizeof err);
    ck_assert_msg(off >= 0, "%s", err);
    return off;
}

START_TEST(append_and_read_back)
{
    char err[256];
    struct spool *sp = spool_open(64u << 20, err, sizeof err);
    ck_assert_ptr_nonnull(sp);
    ck_assert_int_eq(files_in(tmpdir), 0); /* unlinked at once: nothing to leave behind */
    int64_t offs[100];
    for (uint64_t i = 0; i < 100; i++)
        offs[i] = put(sp, 1 + i % 3, i + 1, 100 + i);
    struct spool_reader *r = spool_snapshot(sp, offs[10], offs[20], err, sizeof err);
    ck_assert_ptr_nonnull(r);
    struct spool_record rec;
    for (uint64_t i = 10; i < 20; i++) {
        ck_assert(spool_reader_next(r, &rec));
        ck_assert_uint_eq(rec.seq, i + 1);
        ck_assert_uint_eq(rec.conn, 1 + i % 3);
        ck_assert_uint_eq(rec.caplen, 100 + i);
        ck_assert_uint_eq(rec.wirelen, 104 + i);
        ck_assert_uint_eq(rec.ts, (i + 1) * 10);
        ck_assert_int_eq(rec.offset, offs[i]);
        ck_assert_uint_eq(rec.data[rec.caplen - 1], (i + 1) & 0xff);
    }
    ck_assert(!spool_reader_next(r, &rec));
    ck_assert_ptr_null(spool_reader_error(r));
    ck_assert_int_eq(spool_reader_missing(r), 0);
    spool_reader_close(r);
    spool_close(sp);
}
END_TEST

START_TEST(bounded_oldest_dropped)
{
    char err[256];
    uint64_t max = 1u << 20; /* 8 chunks of 128 KiB */
    struct spool *sp = spool_open(max, err, sizeof err);
    int64_t first = put(sp, 7, 1, 1000);
    uint64_t seq = 2;
    for (; seq < 5000; seq++) /* ~5 MB through a 1 MiB spool */
        put(sp, 7, seq, 1000);
    ck_assert_uint_le(spool_stats(sp)->bytes, max);
    ck_assert_uint_gt(spool_stats(sp)->bytes_dropped, 3u << 20);
    ck_assert_int_gt(spool_begin(sp), first);
    /* a range reaching back into dropped chunks: what is left, and how much was gone */
    struct spool_reader *r = spool_snapshot(sp, first, spool_end(sp), err, sizeof err);
    struct spool_record rec;
    ck_assert(spool_reader_next(r, &rec));
    ck_assert_int_eq(rec.offset, spool_begin(sp));
    ck_assert_int_eq(spool_reader_missing(r), spool_begin(sp) - first);
    uint64_t n = 1;
    while (spool_reader_next(r, &rec))
        n++;
    ck_assert_uint_eq(rec.seq, seq - 1);
    ck_assert_uint_lt(n, 1200);
    spool_reader_close(r);
    /* the index finds a packet still held */
    int64_t at = spool_offset_of(sp, seq - 100);
    ck_assert_int_ge(at, spool_begin(sp));
    r = spool_snapshot(sp, at, spool_end(sp), err, sizeof err);
    bool found = false;
    while (spool_reader_next(r, &rec))
        found |= rec.seq == seq - 100;
    ck_assert(found);
    spool_reader_close(r);
    ck_assert_int_eq(files_in(tmpdir), 0);
    spool_close(sp);
}
END_TEST

START_TEST(snapshot_outlives_drops)
{
    /* a reader keeps its own descriptors: the chunks it reads may be dropped meanwhile */
    char err[256];
    struct spool *sp = spool_open(1u << 20, err, sizeof err);
    for (uint64_t seq = 1; seq <= 100; seq++)
        put(sp, 1, seq, 1000);
    struct spool_reader *r = spool_snapshot(sp, 0, spool_end(sp), err, sizeof err);
    for (uint64_t seq = 101; seq <= 3000; seq++)
        put(sp, 1, seq, 1000);
    ck_assert_int_gt(spool_begin(sp), 0);
    struct spool_record rec;
    uint64_t n = 0;
    while (spool_reader_next(r, &rec))
        ck_assert_uint_eq(rec.seq, ++n);
    ck_assert_uint_eq(n, 100);
    spool_reader_close(r);
    spool_close(sp);
}
END_TEST

START_TEST(idset_basics)
{
    struct idset s = { 0 };
    for (uint64_t i = 1; i <= 10000; i++)
        ck_assert(idset_add(&s, i * 7));
    ck_assert_uint_eq(s.n, 10000);
    for (uint64_t i = 1; i <= 10000; i++)
        ck_assert(idset_has(&s, i * 7));
    ck_assert(!idset_has(&s, 3));
    for (uint64_t i = 1; i <= 10000; i += 2)
        idset_del(&s, i * 7);
    for (uint64_t i = 1; i <= 10000; i++)
        ck_assert_int_eq(idset_has(&s, i * 7), i % 2 == 0);
    ck_assert_uint_eq(s.n, 5000);
    idset_free(&s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spool");
    TCase *tc = tcase_create("spool");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, append_and_read_back);
    tcase_add_test(tc, bounded_oldest_dropped);
    tcase_add_test(tc, snapshot_outlives_drops);
    tcase_add_test(tc, idset_basics);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
