/* registry: the table of protocol modules (built from protocols.h), and the order in which
 * their probes run. */
#include "dissector.h"

#include <stddef.h>

#define UPSCOPE_PROTO_EXTERN(id, name) extern const struct dissector name##_dissector;
UPSCOPE_PROTOCOLS(UPSCOPE_PROTO_EXTERN)
#undef UPSCOPE_PROTO_EXTERN

static const struct dissector *const table[PROTO_COUNT] = {
    [PROTO_UNKNOWN] = NULL,
    [PROTO_NONE] = NULL,
#define UPSCOPE_PROTO_ROW(id, name) [PROTO_##id] = &name##_dissector,
    UPSCOPE_PROTOCOLS(UPSCOPE_PROTO_ROW)
#undef UPSCOPE_PROTO_ROW
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
    if (p == PROTO_UNKNOWN)
        return "unknown";
    if (p == PROTO_NONE)
        return "none";
    return p < PROTO_COUNT ? table[p]->name : "?";
}

/* Exact signatures first (HTTP/1.1 start lines, the HTTP/2 preface), heuristics (the mid-stream
 * WebSocket frame shapes) after them, each in table order. */
enum proto dissector_probe(const uint8_t *p, size_t n, bool midstream, enum dir *sender)
{
    bool want_more = false;
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < PROTO_COUNT; i++) {
            const struct dissector *d = table[i];
            if (!d || !d->probe || d->probe_heuristic != (pass == 1))
                continue;
            enum probe_result r = d->probe(p, n, midstream, sender);
            if (r == PROBE_YES)
                return d->proto;
            if (r == PROBE_MORE)
                want_more = true;
        }
    }
    return want_more ? PROTO_UNKNOWN : PROTO_NONE;
}
