/* app: opening the input, the packet loop, the UI thread split, finishing (see app.h). */
#include "app.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "pcapng_secrets.h"
#include "progress.h"
#include "privdrop.h"
#include "tls_keylog.h"
#include "stats.h"
#include "ui/ui.h"

_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "the stop flag must be lock-free (signal-safe)");

#define EXPIRE_EVERY_US 1000000u   /* how often idle flows are looked for (packet time) */
#define STATUS_EVERY_US 200000u   /* how often the status bar's counters are published */
#define LIVE_READ_TIMEOUT_MS 100   /* the longest a quiet link holds up the clock */

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
        ok = capture_open_files(&a->cap, o->read_files, o->nread_files);
    } else {
        struct capture_live_opts lo = {
            .iface = o->iface, .snaplen = o->snaplen, .promisc = o->promisc,
            .buffer_kib = o->buffer_kib, .timeout_ms = LIVE_READ_TIMEOUT_MS,
            .fanout = o->fanout,
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
    if (!ok) {
        fprintf(stderr, "upscope: %s\n", a->cap.err);
        capture_close(&a->cap);
    }
    return ok;
}

/* ---- TLS key logs: opened with the input, before -Z drops privileges ---- */

struct secrets_of {
    struct app *a;
    const char *file;
};

static void add_secrets(void *user, const char *text, size_t n)
{
    struct secrets_of *so = user;
    char name[600];
    snprintf(name, sizeof name, "%s: decryption secrets", so->file);
    tls_keylog_add_text(so->a->keylog, name, text, n);
}

static bool open_keylogs(struct app *a)
{
    const struct options *o = a->opt;
    char err[600];
    size_t blocks = 0;
    a->keylog = tls_keylog_new(stderr);
    if (!a->keylog) {
        fprintf(stderr, "upscope: out of memory\n");
        return false;
    }
    for (unsigned i = 0; i < o->nkeylogs; i++) {
        if (!tls_keylog_add_file(a->keylog, o->keylog[i], err, sizeof err)) {
            fprintf(stderr, "upscope: --keylog: %s\n", err);
            return false;
        }
    }
    /* a pcapng file may carry its own keys (Decryption Secrets Blocks); standard input
     * cannot be read twice */
    for (unsigned i = 0; o->read_file && i < capture_file_count(&a->cap); i++) {
        struct secrets_of so = { a, capture_file_path(&a->cap, i) };
        size_t k = 0;
        if (strcmp(so.file, "-") != 0 &&
            !pcapng_secrets(so.file, add_secrets, &so, &k, err, sizeof err))
            fprintf(stderr, "upscope: warning: %s\n", err);
        blocks += k;
    }
    if (!o->nkeylogs && !blocks) {
        tls_keylog_free(a->keylog); /* nothing to decrypt with */
        a->keylog = NULL;
    }
    return true;
}

/* ---- where sessions go ---- */

#define DROPS_EVERY_US 100000u /* live: how often the kernel's drop count is read ... */
#define DROPS_AT_END_US 1000u   /* ... and at a session's end, at most this often */

/* Live: the kernel's drop count (libpcap's, kept across its reads); when it has risen, the
 * sessions open now will say packets were lost while they were (on_session). */
static void check_drops(struct app *a)
{
    uint64_t recv, drop, ifdrop;
    if (!capture_drops(&a->cap, &recv, &drop, &ifdrop) || drop + ifdrop <= a->drops_seen)
        return;
    a->drops_seen = drop + ifdrop;
    a->drop_epoch++;
}

static void on_session_begin(void *app, struct session *s)
{
    struct app *a = app;
    s->drop_epoch = a->drop_epoch;
    if (a->ui)
        store_begin(&a->store, s); /* the capture thread holds the store lock */
}

static void on_session(void *app, struct session *s)
{
    struct app *a = app;
    idle_pattern_note(&a->idle, s);
    /* (with workers, a worker thread is here: the reader's tick reads the drops instead) */
    if (a->cap.live && !a->pool && s->end >= a->drops_checked + DROPS_AT_END_US) {
        a->drops_checked = s->end;   /* a burst can fit between two ticks: look now too */
        check_drops(a);
    }
    s->capture_drops = s->drop_epoch != a->drop_epoch; /* drops while it was open */
    bool chosen = options_chosen(a->opt, s);
    if (a->export)
        export_session_end(a->export, s, chosen);
    if (chosen)
        output_session(&a->output, s);
    else
        output_session_skip(&a->output, s->id);
    if (!a->ui && !a->export && output_all_failed(&a->output))
        app_request_stop(a); /* `upscope -j - | head`, a full disk: nothing to write to */
    if (!a->ui || !store_end(&a->store, s))
        session_free(s);
}

static uint64_t next_session_id(void *app)
{
    struct app *a = app;
    return ++a->last_session_id;
}

/* ---- the packet loop ---- */

static void lock(struct app *a)
{
    if (a->ui)
        store_lock(&a->store);
}

static void unlock(struct app *a)
{
    if (a->ui) {
        store_touch(&a->store);
        store_unlock(&a->store);
    }
}

/* What the status bar shows (the caller holds the lock). */
static void publish_status(struct app *a)
{
    struct app_status *st = &a->status_bar;
    st->packets = a->worker.count.packets;
    st->bytes = a->worker.count.bytes;
    st->flows = a->worker.flows.stats.active;
    st->memory = worker_memory(&a->worker);
    uint64_t ifdrop;
    st->pcap_stats = capture_drops(&a->cap, &st->pcap_received, &st->pcap_dropped, &ifdrop);
}

/* The clock: idle flows end and the status bar moves with it, whether packets arrive or not
 * (packet time offline; live, packet time or, when the link is quiet, the wall clock). The
 * caller holds the lock. */
struct ticks {
    ts_us_t next_expire, next_status, next_drops;
};


static void tick(struct app *a, struct ticks *t, ts_us_t now)
{
    if (now >= t->next_expire) {
        if (a->pool)
            pool_expire(a->pool, now);
        else
            worker_expire(&a->worker, now);
        t->next_expire = now + EXPIRE_EVERY_US;
    }
    if (a->cap.live && now >= t->next_drops) {
        if (a->pool)
            pool_lock(a->pool); /* the workers' sessions read the drop epoch */
        check_drops(a);
        if (a->pool)
            pool_unlock(a->pool);
        t->next_drops = now + DROPS_EVERY_US;
    }
    if (a->ui && now >= t->next_status) {
        publish_status(a);
        t->next_status = now + STATUS_EVERY_US;
    }
}

/* What a session's "capture.source" says: the -r arguments as given, joined by ", " (with
 * several, frame numbers count in the merged, time-ordered capture, as mergecap writes it),
 * or the interface. */
static void name_source(const struct options *o, char *buf, size_t len)
{
    if (!o->read_file) {
        snprintf(buf, len, "%s", o->iface ? o->iface : "");
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < o->nread_files && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", o->read_files[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (used >= len && len > 4)
        memcpy(buf + len - 4, "...", 4);   /* cut: say so */
}

/* Reads until the end, a stop request, -c COUNT, or an unreadable record. */
static void packet_loop(struct app *a)
{
    struct packet pkt;
    struct ticks t = { 0, 0, 0 };
    uint64_t seen = 0, packets = 0;
    struct progress prog;
    /* not when the summary goes to the same terminal: its lines would run into the progress
     * line, and they show the progress themselves */
    bool summary_on_tty = a->output.text && isatty(fileno(a->output.text));
    progress_start(&prog, !a->cap.live && !a->ui && !summary_on_tty, stderr);
    while (!app_stopping(a)) {
        enum capture_status st = capture_next(&a->cap, &pkt);
        if (st == CAPTURE_PACKET) {
            progress_update(&prog, &a->cap, ++packets);
            lock(a);
            if (a->pool)
                pool_packet(a->pool, &pkt); /* never under a lock: it may wait for a worker */
            else
                worker_packet(&a->worker, &pkt);
            if (a->ui && a->worker.touched)
                store_changed(&a->store, a->worker.touched);
            tick(a, &t, pkt.ts);
            if (a->ui && !a->cap.live && (pkt.number & 255) == 0) /* a file is read faster */
                publish_status(a);                                /* than its packet time */
            unlock(a);
            if (a->opt->count && ++seen >= a->opt->count) {
                a->input_end = "stopped after the -c count of packets";
                break;
            }
        } else if (st == CAPTURE_TIMEOUT) {
            lock(a);
            tick(a, &t, wall_clock_us());
            if (a->pool)
                pool_poll(a->pool); /* a session that ended is reported now, not later */
            unlock(a);
        } else if (st == CAPTURE_ERROR && !app_stopping(a)) { /* not a read a signal broke */
            progress_end(&prog);
            fprintf(stderr, "upscope: %s; the %llu records before it were processed\n",
                    a->cap.err, (unsigned long long)a->cap.records);
            a->status = EXIT_INPUT_DAMAGED;
            a->input_end = "a damaged record stopped reading";
            break;
        } else {
            break; /* end of file, or stopped */
        }
    }
    progress_end(&prog);
    uint64_t skipped = capture_other_linktype(&a->cap);
    if (skipped)
        fprintf(stderr, "upscope: warning: %s: %llu packets of interfaces whose link type "
                "upscope does not read were skipped\n", a->cap.source,
                (unsigned long long)skipped);
    if (!a->input_end)
        a->input_end = !app_stopping(a) ? "read to the end"
                     : a->cap.live ? "capture stopped" : "stopped before the end of the file";
    if (a->pool) {
        pool_lock(a->pool);
        if (a->cap.live)
            check_drops(a);
        pool_unlock(a->pool);
        pool_finish(a->pool);  /* open sessions end here, marked incomplete */
        return;
    }
    lock(a);
    publish_status(a);
    if (a->cap.live)
        check_drops(a);        /* drops up to here count for the sessions still open */
    worker_finish(&a->worker); /* open sessions end here, marked incomplete */
    a->status_bar.input_done = true;
    unlock(a);
}

static void *capture_thread_main(void *arg)
{
    packet_loop(arg);
    return NULL;
}

/* ---- setting up and tearing down ---- */

static bool want_ui(const struct options *o)
{
    if (o->ui)
        return true;
    bool json_stdout = o->json_file && strcmp(o->json_file, "-") == 0;
    return o->iface && !o->no_ui && !json_stdout && isatty(STDIN_FILENO) &&
           isatty(STDOUT_FILENO);
}

static bool open_export(struct app *a)
{
    const struct options *o = a->opt;
    if (!o->pcap_file && !a->ui)
        return true;
    struct export_config cfg;
    export_config_defaults(&cfg);
    cfg.dlt = a->cap.dlt;
    cfg.snaplen = o->snaplen;
    cfg.out_path = o->pcap_file;
    cfg.only = o->pcap_file && o->only.any;
    cfg.spool = a->ui;
    cfg.spool_max = o->spool_max;
    char err[512];
    a->export = export_open(&cfg, err, sizeof err);
    if (!a->export)
        fprintf(stderr, "upscope: %s\n", err);
    return a->export != NULL;
}

/* Everything after the capture is open; false if something could not start. */
static bool start(struct app *a)
{
    const struct options *o = a->opt;
    char err[256];
    /* tcpdump's order: drop root once the capture is open, before any output file exists */
    if (o->user && !privdrop_to(o->user, err, sizeof err)) {
        fprintf(stderr, "upscope: %s\n", err);
        return false;
    }
    a->ui = want_ui(o);
    if (a->ui && o->workers > 1) {
        fprintf(stderr, "upscope: --workers does not drive the UI yet: add -N (or -j FILE) to "
                        "report without it\n");
        a->ui = false;
        return false;
    }
    if (a->ui && !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "upscope: --ui needs a terminal on standard output (use -N, -j or -w "
                        "to write reports elsewhere)\n");
        a->ui = false;
        return false;
    }
    if (!output_open(&a->output, o, !a->ui))
        return false;
    if (a->ui && !store_init(&a->store, o->max_sessions)) {
        fprintf(stderr, "upscope: out of memory\n");
        a->ui = false;
        return false;
    }
    if (!open_export(a))
        return false;
    struct worker_config wc = o->worker;
    wc.record_events = a->ui || o->html_file; /* the ladder: the UI's, the HTML report's */
    wc.module_ctx[PROTO_TLS] = a->keylog;
    name_source(o, a->source, sizeof a->source);
    wc.source = a->source;
    struct worker_sink sink = { a, on_session_begin, on_session, next_session_id, NULL, NULL };
    if (o->workers > 1) {
        a->cap.shared_frames = true; /* frames go to other threads, mapped ones uncopied */
        a->pool = pool_start(o->workers, &wc, &sink, err, sizeof err);
        if (!a->pool)
            fprintf(stderr, "upscope: %s\n", err);
        return a->pool != NULL;
    }
    if (!worker_init(&a->worker, &wc, &sink)) {
        fprintf(stderr, "upscope: cannot set up the flow table or nDPI (out of memory?)\n");
        return false;
    }
    a->worker.export = a->export;
    return true;
}

static uint64_t packets_read(const struct app *a)
{
    return a->pool ? pool_packets(a->pool) : a->worker.count.packets;
}

static void print_live_counts(struct app *a)
{
    uint64_t recv, drop, ifdrop;
    if (capture_drops(&a->cap, &recv, &drop, &ifdrop))
        fprintf(stderr, "upscope: %llu packets captured, %llu received by filter, %llu dropped "
                "by kernel, %llu dropped by interface\n",
                (unsigned long long)packets_read(a), (unsigned long long)recv,
                (unsigned long long)drop, (unsigned long long)ifdrop);
}

static void run(struct app *a)
{
    if (!a->ui) {
        if (a->cap.live) /* as tcpdump says it: the moment capture really starts */
            fprintf(stderr, "upscope: listening on %s, link-type %s, snapshot length %d bytes\n",
                    a->cap.source, capture_linktype_name(&a->cap), a->opt->snaplen);
        packet_loop(a);
        return;
    }
    if (pthread_create(&a->capture_thread, NULL, capture_thread_main, a) != 0) {
        fprintf(stderr, "upscope: cannot start the capture thread\n");
        a->status = EXIT_FATAL;
        return;
    }
    if (!ui_run(a))
        a->status = EXIT_FATAL;
    app_request_stop(a);
    pthread_join(a->capture_thread, NULL);
}

/* Without the summary (-q, -j -, the UI) nothing else says why the status is 3: one line. */
static void explain_fail_on(const struct app *a)
{
    if (a->output.text)
        return; /* the tally on standard output counts the findings */
    enum severity sev = (enum severity)a->opt->fail_on;
    uint64_t n = 0;
    for (int s = sev; s < SEV_COUNT; s++)
        n += a->output.findings[s];
    fprintf(stderr, "upscope: exit status %d (--fail-on %s): %llu finding(s) of severity %s%s\n",
            EXIT_FINDINGS, severity_name(sev), (unsigned long long)n, severity_name(sev),
            sev == SEV_ERROR ? "" : " or worse");
}

int app_run(struct app *a, const struct options *o)
{
    memset(a, 0, sizeof *a);
    atomic_init(&a->stop, false);
    a->opt = o;
    a->status = EXIT_OK;
    if (!open_input(a))
        return EXIT_FATAL;
    if (!open_keylogs(a)) {
        capture_close(&a->cap);
        tls_keylog_free(a->keylog);
        return EXIT_FATAL;
    }
    bool started = start(a);
    if (started)
        run(a);
    else
        a->status = EXIT_FATAL;
    char err[512];
    if (started && a->export && !export_finish(a->export, err, sizeof err)) {
        fprintf(stderr, "upscope: writing the packets failed: %s\n", err);
        a->status = EXIT_FATAL;
    }
    if (started && o->stats) {
        const struct worker *w = a->pool ? pool_totals(a->pool) : &a->worker;
        const struct classify_stats *ndpi = a->pool ? pool_ndpi_totals(a->pool)
                                          : w->classify ? classify_stats(w->classify) : NULL;
        stats_print(stderr, w, ndpi, &a->cap, a->ui ? &a->store : NULL, a->keylog);
    }
    if (started && a->cap.live)
        print_live_counts(a);
    /* a->source, not a->cap.source: capture_close() frees the file names */
    struct html_run run = { a->source, a->cap.live, packets_read(a), a->input_end,
                            false, 0, 0, 0 };
    if (started && a->cap.live)
        run.have_drops = capture_drops(&a->cap, &run.received, &run.dropped, &run.if_dropped);
    if (a->pool)
        pool_free(a->pool);
    else
        worker_free(&a->worker);
    capture_close(&a->cap);
    export_free(a->export);
    tls_keylog_free(a->keylog);
    if (a->ui)
        store_destroy(&a->store);
    if (!output_close(&a->output, started, started ? &run : NULL) && a->status == EXIT_OK)
        a->status = EXIT_FATAL;
    if (a->status == EXIT_OK && o->fail_on >= 0 && a->output.worst >= o->fail_on) {
        a->status = EXIT_FINDINGS;
        explain_fail_on(a);
    }
    return a->status;
}

void app_request_stop(struct app *a)
{
    atomic_store(&a->stop, true);
    capture_stop(&a->cap);
}

bool app_stopping(struct app *a)
{
    return atomic_load(&a->stop);
}
