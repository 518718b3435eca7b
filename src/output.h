/* output: where sessions go when they end — the text summary, the NDJSON file, and the tally
 * behind the closing line and --fail-on. It reads the sessions it is given; their owner frees
 * them.
 *
 * Reading files, the summary comes in session-id order (#1 before #2, as the sessions began),
 * not in the order they ended: a session's text waits until every session begun before it has
 * ended (at most OUTPUT_ORDER_MAX of them wait; past that the oldest is printed, out of order,
 * and counted). Live and from a pipe (-r -), a session is printed the moment it ends: waiting for a long connection
 * would hold back all the others. NDJSON and the HTML report keep the order sessions ended. */
#ifndef UPSCOPE_OUTPUT_H
#define UPSCOPE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "options.h"
#include "report_html.h"
#include "session.h"

struct output {
    FILE *json;                  /* -j, or NULL */
    const char *json_name;       /* its name in messages: the path, or "standard output" */
    bool json_owned;             /* fclose it at the end */
    bool json_failed;
    bool json_gone;              /* ... because its reader closed the pipe (EPIPE) */
    FILE *text;                  /* the summary, or NULL (-q, or JSON on stdout) */
    bool text_failed;
    bool text_gone;
    struct html_report *html;    /* --html, or NULL */
    bool color;
    uint64_t sessions;
    uint64_t by_outcome[OUTCOME_COUNT];
    uint64_t findings[SEV_COUNT];
    int worst;                   /* worst severity seen, -1 if none */
    bool ordered;                /* the summary in session-id order (reading files) */
    uint64_t next_id;            /* the next session the summary prints */
    struct output_wait *waiting; /* ended sessions' text, by id, waiting for next_id */
    size_t nwaiting, waiting_cap;
    uint64_t out_of_order;       /* printed before an earlier session: OUTPUT_ORDER_MAX hit */
};

#define OUTPUT_ORDER_MAX 4096

/* Has writing every report stream failed: its reader gone (a pipe closed: `upscope -j - |
 * head`) or an error (-j on a full disk; said once, when it happened)? Then there is no one
 * left to report to: the app stops reading, as tcpdump would (quietly for a closed pipe). */
bool output_all_failed(const struct output *o);

/* Opens -j FILE and --html FILE and decides on colour; text: whether the summary may use standard output
 * (not while the UI owns the terminal). False with a message printed on failure. */
bool output_open(struct output *o, const struct options *opt, bool text);

void output_session(struct output *o, struct session *s);

/* A session that ended but is not reported (--only): the ones after it need not wait. */
void output_session_skip(struct output *o, uint64_t id);

/* Prints the closing tally (text summary only, and only if the run started), writes the HTML
 * report (run: what it says of the run; NULL if the run did not start: nothing is written)
 * and closes files. False if writing the JSON file, the HTML report or the summary failed at
 * any point. */
bool output_close(struct output *o, bool tally, const struct html_run *run);

#endif
