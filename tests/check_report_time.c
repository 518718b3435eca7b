/* check_report_time: report_time() against glibc's gmtime_r + strftime — the oracle — at the
 * epoch, around leap days and century years (1900 is not a leap year, 2000 is), at the turn
 * of the year 9999, and at a hundred thousand random times up to the year 584,000 (where a
 * 64-bit count of microseconds ends). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "report_text.h"

static void same_as_libc(ts_us_t ts)
{
    for (int rfc3339 = 0; rfc3339 <= 1; rfc3339++) {
        time_t sec = (time_t)(ts / 1000000u);
        struct tm tm;
        ck_assert_ptr_nonnull(gmtime_r(&sec, &tm));
        char base[64], want[96], got[96];
        strftime(base, sizeof base, rfc3339 ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
        snprintf(want, sizeof want, "%s.%06u%s", base, (unsigned)(ts % 1000000u),
                 rfc3339 ? "Z" : "");
        report_time(ts, got, sizeof got, rfc3339);
        ck_assert_msg(strcmp(got, want) == 0, "ts %llu: got %s, want %s",
                      (unsigned long long)ts, got, want);
    }
}

START_TEST(chosen_times)
{
    static const uint64_t secs[] = {
        0, 59, 60, 3599, 3600, 86399, 86400,
        951782400 - 1, 951782400, 951868800,     /* 2000-02-29 and around it */
        4107456000 - 1, 4107456000, 4107542400,  /* 2100-02-28/03-01: no leap day */
        1764547200,                              /* 2025-12-01 */
        253402300799, 253402300800,              /* the last second of 9999, then 10000 */
    };
    for (size_t i = 0; i < sizeof secs / sizeof *secs; i++)
        for (uint64_t us = 0; us < 1000000; us += 999999)
            same_as_libc(secs[i] * 1000000u + us);
}
END_TEST

START_TEST(random_times)
{
    srand(12);
    for (int i = 0; i < 100000; i++) {
        uint64_t r = (uint64_t)rand() << 40 ^ (uint64_t)rand() << 20 ^ (uint64_t)rand();
        /* half within capture-like years, half anywhere a uint64_t of microseconds reaches */
        same_as_libc(i % 2 ? r % 4102444800000000u : r % (UINT64_MAX / 2));
    }
}
END_TEST

START_TEST(short_buffers)
{
    char buf[8];
    report_time(0, buf, sizeof buf, true);
    ck_assert_str_eq(buf, "1970-01");
    report_time(0, buf, 1, true);
    ck_assert_str_eq(buf, "");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("report_time");
    TCase *tc = tcase_create("report_time");
    tcase_add_test(tc, chosen_times);
    tcase_add_test(tc, random_times);
    tcase_add_test(tc, short_buffers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(suite());
}
