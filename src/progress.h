/* progress: the line on standard error that says how far a long offline run has got —
 * "upscope: 42% of 1.2 GiB read, 153000 pkt/s, about 12 s left" — rewritten in place about
 * twice a second once the run has lasted a second, and erased at the end. Only when standard
 * error is a terminal and the input is files whose size is known; never live, never with the
 * UI, never into a pipe or a log. */
#ifndef UPSCOPE_PROGRESS_H
#define UPSCOPE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct capture;

struct progress {
    FILE *out;                   /* NULL: off */
    uint64_t start_ms, last_ms;
    bool shown;                  /* a line is on the terminal now */
};

/* on: whether the run may show one (files, no UI); it is shown only if out is a terminal. */
void progress_start(struct progress *p, bool on, FILE *out);

/* After each packet; cheap (looks at the clock every 1024 packets). */
void progress_update(struct progress *p, struct capture *c, uint64_t packets);

/* Erases the line, before anything else is printed at the end. */
void progress_end(struct progress *p);

#endif
