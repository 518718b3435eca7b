/* idle_pattern: sessions to one server that keep dying after the same silence. A proxy, load
 * balancer or firewall that cuts idle connections (haproxy's `timeout tunnel`, nginx's
 * `proxy_read_timeout`, a NAT's idle timer) leaves this mark in a capture: sessions to the same
 * server end by TCP, without their protocol's own close, after the same idle time. When a
 * session ends that way and at least two earlier ones to its server did after the same silence
 * (within 2 % or 50 ms), it gets the finding CONNECTION_IDLE_TIMEOUT_PATTERN naming the
 * duration. Bounded: IDLE_SERVERS servers, the last IDLE_KEEP silences each; the least recently
 * seen server is forgotten. */
#ifndef UPSCOPE_IDLE_PATTERN_H
#define UPSCOPE_IDLE_PATTERN_H

#include <stdint.h>

#include "session.h"

#define IDLE_SERVERS 256
#define IDLE_KEEP 8

struct idle_server {
    uint8_t family;
    struct ip_addr ip;
    uint16_t port;
    uint64_t last_seen;                /* a counter, for forgetting */
    uint64_t idle[IDLE_KEEP];          /* silences before the end, µs, newest last */
    uint8_t n;
};

struct idle_pattern {
    struct idle_server servers[IDLE_SERVERS];
    uint32_t used;
    uint64_t clock;
};

/* A session ended (before it is reported): note its silence, and say so if it repeats. */
void idle_pattern_note(struct idle_pattern *ip, struct session *s);

#endif
