/* fuzz_common: what the libFuzzer targets share.
 *
 * A connection driven through the real dispatcher and dissectors by a fuzzer-chosen script of
 * chunks, and a sink that renders every session the way the outputs do: the text summary, the
 * NDJSON line (read back by jansson: it must be its own dump of the same), the HTML report's
 * row and section, and the UI's detail and payload documents (built without a terminal).
 *
 * Script: a sequence of chunks, each [h][len lo][len hi][data...]:
 *   h bit 0     direction: 0 client to server, 1 server to client
 *   h bits 1-2  0: data; 1: a gap of len bytes (no data follows); 2: FIN of that direction;
 *               3: data delivered in pieces of ((h >> 3) & 31) + 1 bytes
 *   h bit 3     with a gap: the hole is a snaplen cut (the dissectors' cut() runs)
 * A chunk shorter than announced carries what is left. Time advances 1 ms per chunk. */
#ifndef UPSCOPE_FUZZ_COMMON_H
#define UPSCOPE_FUZZ_COMMON_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "html_out.h"
#include "report_html.h"
#include "report_json.h"
#include "report_text.h"
#include "ui_doc.h"

/* Renders a session as every output does, then frees it. */
static inline void fuzz_render(struct session *s)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (devnull)
        report_text_session(devnull, s, true);
    /* the NDJSON line (json_text.c, not jansson's dumper) must be JSON that jansson reads and
     * writes back the same: valid, and in jansson's form byte for byte */
    char *line = report_json_string(s);
    if (line) {
        json_t *back = json_loads(line, JSON_ALLOW_NUL, NULL); /* wire strings may hold NUL */
        char *again = back ? json_dumps(back, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
        if (!again || strcmp(again, line) != 0)
            __builtin_trap();
        free(again);
        json_decref(back);
    }
    free(line);
    struct html_out row = { 0 }, section = { 0 };
    html_session_render(s, &row, &section);
    html_out_free(&row);
    html_out_free(&section);
    struct ui ui;
    memset(&ui, 0, sizeof ui);
    ui.ascii = s->id & 1; /* both glyph sets */
    struct doc d;
    memset(&d, 0, sizeof d);
    ui_detail_build(&ui, &d, s, false);
    for (uint32_t i = 0; s->events && i < s->events->n; i++)
        ui_payload_build(&ui, &d, s, (int)i);
    doc_free(&d);
    session_free(s);
}

struct fuzz_conn {
    struct dispatch_ctx ctx;
    struct flow flow;
    struct dissect dx;
    uint64_t ids;
    ts_us_t ts;
};

static inline void fuzz_on_session(void *app, struct dissect *dx, struct session *s)
{
    (void)app;
    (void)dx;
    fuzz_render(s);
}

static inline uint64_t fuzz_next_id(void *app)
{
    struct fuzz_conn *c = app;
    return ++c->ids;
}

/* A connection whose handshake was seen, or one picked up mid-stream; events: the UI's
 * history is recorded (the ladder's labels and payloads get built too). */
static inline void fuzz_conn_init(struct fuzz_conn *c, bool midstream, bool events)
{
    memset(c, 0, sizeof *c);
    dispatch_init(&c->ctx, 64 * 1024, 1024, c);
    c->ctx.head_limit = 16 * 1024; /* below the buffer: heads past it are reachable */
    c->ctx.on_session = fuzz_on_session;
    c->ctx.next_session_id = fuzz_next_id;
    c->ctx.record_events = events;
    c->flow.key.family = 4;
    c->flow.key.port[0] = 40000;
    c->flow.key.port[1] = 80;
    c->flow.client = 0;
    c->flow.role_source = midstream ? ROLE_GUESS_PORT : ROLE_SYN;
    c->flow.stream[0].midstream = c->flow.stream[1].midstream = midstream;
    c->ts = 1000000;
    dispatch_conn_init(&c->ctx, &c->dx, &c->flow);
}

static inline void fuzz_conn_send(struct fuzz_conn *c, enum dir dir, const void *p, size_t n)
{
    c->ts += 1000;
    dispatch_data(&c->dx, flow_side_of_dir(&c->flow, dir), p, n, c->ts);
}

/* Runs a script (see above) on the connection. */
static inline void fuzz_conn_script(struct fuzz_conn *c, const uint8_t *p, size_t n)
{
    while (n >= 3) {
        uint8_t h = p[0];
        size_t len = (size_t)p[1] | (size_t)p[2] << 8;
        p += 3;
        n -= 3;
        enum dir dir = (enum dir)(h & 1);
        int side = flow_side_of_dir(&c->flow, dir);
        int kind = (h >> 1) & 3;
        c->ts += 1000;
        if (kind == 1) { /* bit 3: the hole is a snaplen cut (dissectors' cut() runs) */
            dispatch_gap(&c->dx, side, len, c->ts, (h >> 3) & 1);
            continue;
        }
        if (kind == 2) {
            dispatch_fin(&c->dx, side, c->ts);
            continue;
        }
        if (len > n)
            len = n;
        size_t piece = kind == 3 ? ((h >> 3) & 31) + 1u : len;
        for (size_t off = 0; off < len; off += piece)
            dispatch_data(&c->dx, side, p + off, len - off < piece ? len - off : piece, c->ts);
        p += len;
        n -= len;
    }
}

static inline void fuzz_conn_close(struct fuzz_conn *c)
{
    dispatch_close(&c->dx, c->ts, true);
    dispatch_conn_release(&c->dx);
}

#endif
