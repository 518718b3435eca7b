/* connect: HTTP CONNECT tunnels (RFC 9110 §9.3.6). A CONNECT answered 2xx turns the
 * connection into a tunnel: http1.c opens the session (transition "connect") and hands both
 * directions here; this module carries the bytes into a layer above, where they are probed
 * and dissected as if a connection started there (TLS with its SNI and ALPN, a WebSocket
 * upgrade, h2c, HTTP/2 with prior knowledge). Sessions begun up there say the tunnel carries
 * them; what the layer's TLS shows, when it is a session of nothing else, is the tunnel's. */
#ifndef UPSCOPE_CONNECT_H
#define UPSCOPE_CONNECT_H

#include "dissector.h"

/* A tunnel's part of its session. */
struct connect_info {
    uint64_t bytes[2];            /* tunnelled bytes, by direction */
    uint8_t carries;              /* enum proto the layer found (PROTO_UNKNOWN: nothing yet) */
    uint32_t sessions;            /* sessions begun inside */
};

struct connect_info *connect_info_of(struct session *s);
const struct connect_info *connect_info_get(const struct session *s);

/* Checks of a CONNECT request, and of the response to it (http1.c calls them). */
void connect_check_request(struct session *s, const struct http_head *req);
void connect_check_response(struct session *s, const struct http_head *resp);

extern const struct dissector connect_dissector;

#endif
