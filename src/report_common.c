/* report_common: formatting shared by the text and JSON reports (times, addresses). */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "report_text.h"

void report_time(ts_us_t ts, char *buf, size_t len, bool rfc3339)
{
    time_t sec = (time_t)(ts / 1000000u);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char base[32];
    strftime(base, sizeof base, rfc3339 ? "%Y-%m-%dT%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06u%s", base, (unsigned)(ts % 1000000u), rfc3339 ? "Z" : "");
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
