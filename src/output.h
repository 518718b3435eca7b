/* output: where sessions go when they end — the text summary, the NDJSON file, and the tally
 * behind the closing line and --fail-on. It reads the sessions it is given; their owner frees
 * them. */
#ifndef UPSCOPE_OUTPUT_H
#define UPSCOPE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "options.h"
#include "report_html.h"
#include "session.h"

struct output {
    FILE *json;                  /* -j, or NULL */
    bool json_owned;             /* fclose it at the end */
    bool json_failed;
    FILE *text;                  /* the summary, or NULL (-q, or JSON on stdout) */
    bool text_failed;
    struct html_report *html;    /* --html, or NULL */
    bool color;
    uint64_t sessions;
    uint64_t by_outcome[OUTCOME_COUNT];
    uint64_t findings[SEV_COUNT];
    int worst;                   /* worst severity seen, -1 if none */
};

/* Opens -j FILE and --html FILE and decides on colour; text: whether the summary may use standard output
 * (not while the UI owns the terminal). False with a message printed on failure. */
bool output_open(struct output *o, const struct options *opt, bool text);

void output_session(struct output *o, struct session *s);

/* Prints the closing tally (text summary only, and only if the run started), writes the HTML
 * report (run: what it says of the run; NULL if the run did not start: nothing is written)
 * and closes files. False if writing the JSON file, the HTML report or the summary failed at
 * any point. */
bool output_close(struct output *o, bool tally, const struct html_run *run);

#endif
