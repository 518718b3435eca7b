/* report_common: formatting shared by the text and JSON reports (times, addresses). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "report_text.h"

/* The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's days_from_civil
 * inverse: eras of 400 years, March-based years so that leap days come last). */
static void civil_from_days(uint64_t days, uint64_t *y, unsigned *m, unsigned *d)
{
    uint64_t z = days + 719468;              /* days since 0000-03-01 */
    uint64_t era = z / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                       /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                 /* March = 0 */
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (uint64_t)yoe + era * 400 + (*m <= 2);
}

static char *put_digits(char *p, uint64_t v, int width)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        t[n++] = '0';
    while (n)
        *p++ = t[--n];
    return p;
}

/* What gmtime_r and strftime("%Y-%m-%d %H:%M:%S") would write, without either: they took a
 * lock and a printf per session field (tests/check_report_time.c holds the two together). */
void report_time(ts_us_t ts, char *buf, size_t len, bool rfc3339)
{
    uint64_t sec = ts / 1000000u, y;
    unsigned m, d, sod = (unsigned)(sec % 86400);
    civil_from_days(sec / 86400, &y, &m, &d);
    char t[48], *p = put_digits(t, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = rfc3339 ? 'T' : ' ';
    p = put_digits(p, sod / 3600, 2);
    *p++ = ':';
    p = put_digits(p, sod / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, sod % 60, 2);
    *p++ = '.';
    p = put_digits(p, ts % 1000000u, 6);
    if (rfc3339)
        *p++ = 'Z';
    size_t n = (size_t)(p - t);
    if (len == 0)
        return;
    if (n >= len)
        n = len - 1;
    memcpy(buf, t, n);
    buf[n] = '\0';
}

void report_ip(int family, const struct ip_addr *a, char *buf, size_t len)
{
    if (!inet_ntop(family == 6 ? AF_INET6 : AF_INET, a->b, buf, (socklen_t)len))
        snprintf(buf, len, "?");
}

void report_endpoint(int family, const struct ip_addr *a, uint16_t port, char *buf,
                     size_t len)
{
    char ip[INET6_ADDRSTRLEN];
    report_ip(family, a, ip, sizeof ip);
    snprintf(buf, len, family == 6 ? "[%s]:%u" : "%s:%u", ip, port);
}
