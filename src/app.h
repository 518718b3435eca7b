/* app: the run — owns the capture, the worker, the outputs, the pcap export and (with the UI)
 * the session store for one invocation, and drives the packet loop from first packet to final
 * counters. main.c only parses the command line and calls app_run().
 *
 * Without the UI everything happens in one thread, or, with --workers N, the main thread reads
 * and decodes while N worker threads do the rest (pool.h; sessions reach the outputs under the
 * pool's lock). With the UI, a capture thread runs the packet loop while the main thread runs
 * the UI; they share the store, whose lock the capture thread holds only while it processes a
 * packet. */
#ifndef UPSCOPE_APP_H
#define UPSCOPE_APP_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "capture.h"
#include "idle_pattern.h"
#include "options.h"
#include "output.h"
#include "pcap_export.h"
#include "pool.h"
#include "store.h"
#include "worker.h"

/* Exit statuses (documented in upscope.1). */
enum {
    EXIT_OK = 0,
    EXIT_FATAL = 1,          /* could not start: bad usage, missing file, bad filter, ... */
    EXIT_INPUT_DAMAGED = 2,  /* a damaged record stopped reading; what came before was used */
    EXIT_FINDINGS = 3,       /* --fail-on: a finding of that severity or worse was seen */
};

/* Counters the capture thread publishes for the UI's status bar (under the store lock). */
struct app_status {
    uint64_t packets, bytes, flows, memory;
    uint64_t pcap_received, pcap_dropped;
    bool pcap_stats;             /* live: the two above are meaningful */
    bool input_done;             /* the file was read to its end, or capture stopped */
};

struct tls_keylog;

struct app {
    const struct options *opt;
    struct capture cap;
    struct worker worker;        /* the one worker, without --workers */
    struct pool *pool;           /* --workers N: the reader's side; NULL for one worker */
    struct idle_pattern idle;    /* sessions dying after the same silence, across workers */
    struct output output;
    struct export *export;       /* NULL unless -w or the UI */
    struct tls_keylog *keylog;   /* --keylog files and pcapng secrets; NULL if none */
    bool ui;
    struct store store;          /* valid when ui */
    struct app_status status_bar;
    uint64_t last_session_id;
    uint64_t drop_epoch;         /* live: rises each time the kernel's drop count is seen to */
    uint64_t drops_seen;         /* ... the count (kernel and interface) last seen */
    uint64_t drops_checked;      /* ... when a session's end last read it (packet time) */
    char source[1024];           /* what "capture.source" says: the -r arguments or the
                                  * interface */
    pthread_t capture_thread;
    atomic_bool stop;            /* set from a signal handler or the UI thread: lock-free, so
                                  * safe in both (C11 §7.17.5, §7.14.1.1) */
    int status;
    const char *input_end;       /* how reading ended, in words (the HTML report says it) */
};

/* Runs to the end of the input (or a stop request); returns the exit status. */
int app_run(struct app *a, const struct options *o);

/* Asks a running app to finish cleanly (async-signal-safe). */
void app_request_stop(struct app *a);

/* Has a stop been asked for? */
bool app_stopping(struct app *a);

#endif
