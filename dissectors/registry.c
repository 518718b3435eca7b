/* registry: the table of dissectors, and the order in which their probes run. */
#include "dissector.h"

#include <stddef.h>

#include "http1.h"
#include "http2.h"
#include "tls.h"
#include "websocket.h"

static const struct dissector *const table[PROTO_COUNT] = {
    [PROTO_UNKNOWN] = NULL,
    [PROTO_NONE] = NULL,
    [PROTO_HTTP1] = &http1_dissector,
    [PROTO_WEBSOCKET] = &websocket_dissector,
    [PROTO_HTTP2] = &http2_dissector,
    [PROTO_TLS] = &tls_dissector,
};

static const char *const names[PROTO_COUNT] = {
    [PROTO_UNKNOWN] = "unknown",
    [PROTO_NONE] = "none",
    [PROTO_HTTP1] = "http1",
    [PROTO_WEBSOCKET] = "websocket",
    [PROTO_HTTP2] = "http2",
    [PROTO_TLS] = "tls",
};

const struct dissector *dissector_get(enum proto p)
{
    return p < PROTO_COUNT ? table[p] : NULL;
}

enum proto dissector_for_upgrade_token(struct span token)
{
    for (int i = 0; i < PROTO_COUNT; i++)
        if (table[i] && table[i]->upgrade_token && table[i]->upgrade_token(token))
            return (enum proto)i;
    return PROTO_NONE;
}

const char *proto_name(enum proto p)
{
    return p < PROTO_COUNT ? names[p] : "?";
}

/* Exact signatures first (HTTP/1.1 start lines, the HTTP/2 preface), the mid-stream WebSocket
 * frame heuristic last. TLS has no probe: plain TLS is no upgrade. */
static const enum proto probe_order[] = { PROTO_HTTP1, PROTO_HTTP2, PROTO_WEBSOCKET };

enum proto dissector_probe(const uint8_t *p, size_t n, bool midstream, enum dir *sender)
{
    bool want_more = false;
    for (size_t i = 0; i < sizeof probe_order / sizeof probe_order[0]; i++) {
        const struct dissector *d = table[probe_order[i]];
        if (!d || !d->probe)
            continue;
        enum probe_result r = d->probe(p, n, midstream, sender);
        if (r == PROBE_YES)
            return d->proto;
        if (r == PROBE_MORE)
            want_more = true;
    }
    return want_more ? PROTO_UNKNOWN : PROTO_NONE;
}
