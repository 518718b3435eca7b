/* app: opening the input, the packet loop, finishing (see app.h). */
#include "app.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "stats.h"

#define EXPIRE_EVERY_US 1000000u   /* how often idle flows are looked for (packet time) */
#define LIVE_READ_TIMEOUT_MS 100

static ts_us_t wall_clock_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (ts_us_t)tv.tv_sec * 1000000u + (ts_us_t)tv.tv_usec;
}

static bool open_input(struct app *a)
{
    const struct options *o = a->opt;
    bool ok;
    if (o->read_file) {
        ok = capture_open_file(&a->cap, o->read_file);
    } else {
        struct capture_live_opts lo = {
            .iface = o->iface, .snaplen = o->snaplen, .promisc = o->promisc,
            .buffer_kib = o->buffer_kib, .timeout_ms = LIVE_READ_TIMEOUT_MS,
        };
        char warning[CAPTURE_ERR_LEN];
        ok = capture_open_live(&a->cap, &lo, warning);
        if (ok && warning[0])
            fprintf(stderr, "upscope: warning: %s\n", warning);
    }
    if (ok && o->filter && !capture_set_filter(&a->cap, o->filter)) {
        fprintf(stderr, "upscope: %s\n", a->cap.err);
        capture_close(&a->cap);
        return false;
    }
    if (!ok)
        fprintf(stderr, "upscope: %s\n", a->cap.err);
    return ok;
}

/* Reads until the end, a stop request, -c COUNT, or an unreadable record. */
static void packet_loop(struct app *a)
{
    struct packet pkt;
    ts_us_t next_expire = 0;
    uint64_t seen = 0;
    while (!a->stop) {
        enum capture_status st = capture_next(&a->cap, &pkt);
        if (st == CAPTURE_PACKET) {
            worker_packet(&a->worker, &pkt);
            if (pkt.ts >= next_expire) {
                worker_expire(&a->worker, pkt.ts);
                next_expire = pkt.ts + EXPIRE_EVERY_US;
            }
            if (a->opt->count && ++seen >= a->opt->count)
                break;
        } else if (st == CAPTURE_TIMEOUT) {
            worker_expire(&a->worker, wall_clock_us());
        } else if (st == CAPTURE_ERROR) {
            fprintf(stderr, "upscope: %s; the %llu records before it were processed\n",
                    a->cap.err, (unsigned long long)a->cap.records);
            a->status = EXIT_INPUT_DAMAGED;
            break;
        } else {
            break; /* end of file, or stopped */
        }
    }
}

static void on_session(void *app, struct session *s)
{
    struct app *a = app;
    output_session(&a->output, s);
}

static uint64_t next_session_id(void *app)
{
    struct app *a = app;
    return ++a->last_session_id;
}

int app_run(struct app *a, const struct options *o)
{
    memset(a, 0, sizeof *a);
    a->opt = o;
    a->status = EXIT_OK;
    if (!output_open(&a->output, o))
        return EXIT_FATAL;
    if (!open_input(a)) {
        output_close(&a->output);
        return EXIT_FATAL;
    }
    struct worker_sink sink = { a, on_session, next_session_id };
    if (!worker_init(&a->worker, &o->worker, a->cap.dlt, &sink)) {
        fprintf(stderr, "upscope: cannot set up the flow table or nDPI (out of memory?)\n");
        worker_free(&a->worker);
        capture_close(&a->cap);
        output_close(&a->output);
        return EXIT_FATAL;
    }
    packet_loop(a);
    worker_finish(&a->worker);
    if (o->stats)
        stats_print(stderr, &a->worker, &a->cap);
    worker_free(&a->worker);
    capture_close(&a->cap);
    if (!output_close(&a->output) && a->status == EXIT_OK)
        a->status = EXIT_FATAL;
    if (a->status == EXIT_OK && o->fail_on >= 0 && a->output.worst >= o->fail_on)
        a->status = EXIT_FINDINGS;
    return a->status;
}

void app_request_stop(struct app *a)
{
    a->stop = 1;
    capture_stop(&a->cap);
}
