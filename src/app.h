/* app: the run — owns the capture, the worker and the outputs for one invocation, and drives
 * the packet loop from first packet to final counters. main.c only parses the command line and
 * calls app_run(). */
#ifndef UPSCOPE_APP_H
#define UPSCOPE_APP_H

#include <signal.h>

#include "capture.h"
#include "options.h"
#include "output.h"
#include "worker.h"

/* Exit statuses (documented in upscope.1). */
enum {
    EXIT_OK = 0,
    EXIT_FATAL = 1,          /* could not start: bad usage, missing file, bad filter, ... */
    EXIT_INPUT_DAMAGED = 2,  /* a damaged record stopped reading; what came before was used */
    EXIT_FINDINGS = 3,       /* --fail-on: a finding of that severity or worse was seen */
};

struct app {
    const struct options *opt;
    struct capture cap;
    struct worker worker;
    struct output output;
    uint64_t last_session_id;
    volatile sig_atomic_t stop;   /* set from a signal handler */
    int status;
};

/* Runs to the end of the input (or a stop request); returns the exit status. */
int app_run(struct app *a, const struct options *o);

/* Asks a running app to finish cleanly (async-signal-safe). */
void app_request_stop(struct app *a);

#endif
