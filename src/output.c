/* output: the session sink (see output.h). */
#include "output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_json.h"
#include "report_text.h"

static bool want_color(const struct options *opt, FILE *f)
{
    if (opt->color == COLOR_ALWAYS)
        return true;
    if (opt->color == COLOR_NEVER)
        return false;
    const char *no = getenv("NO_COLOR"); /* https://no-color.org */
    return (!no || !no[0]) && isatty(fileno(f));
}

bool output_open(struct output *o, const struct options *opt, bool text)
{
    memset(o, 0, sizeof *o);
    o->worst = -1;
    bool json_stdout = opt->json_file && strcmp(opt->json_file, "-") == 0;
    o->json_name = json_stdout ? "standard output" : opt->json_file;
    if (json_stdout) {
        o->json = stdout;
    } else if (opt->json_file) {
        o->json = fopen(opt->json_file, "w");
        if (!o->json) {
            fprintf(stderr, "upscope: %s: %s\n", opt->json_file, strerror(errno));
            return false;
        }
        o->json_owned = true;
    }
    if (opt->html_file) {
        char err[600];
        o->html = html_report_open(opt->html_file, opt->html_max_sessions, err, sizeof err);
        if (!o->html) {
            fprintf(stderr, "upscope: %s\n", err);
            if (o->json_owned)
                fclose(o->json);
            return false;
        }
    }
    /* the summary never shares standard output with the NDJSON stream */
    o->text = !text || opt->quiet || json_stdout ? NULL : stdout;
    /* a pipe (-r -) may be tcpdump live: streamed as they end, like live capture */
    o->ordered = opt->read_file && strcmp(opt->read_file, "-") != 0;
    o->next_id = 1;
    o->color = o->text && want_color(opt, o->text);
    return true;
}

/* A write failed: said once; a pipe whose reader went away (EPIPE: head, a pager quit) is not
 * an error but the end of that output. */
static void write_failed(bool *failed, bool *gone, const char *what, const char *name)
{
    if (*failed)
        return;
    *failed = true;
    if (errno == EPIPE)
        *gone = true;
    else
        fprintf(stderr, "upscope: writing the %s failed: %s: %s\n", what, name,
                strerror(errno));
}

static void summary_write_failed(struct output *o)
{
    write_failed(&o->text_failed, &o->text_gone, "summary", "standard output");
}

static void json_write_failed(struct output *o)
{
    write_failed(&o->json_failed, &o->json_gone, "NDJSON report", o->json_name);
}

bool output_all_failed(const struct output *o)
{
    return (o->json || o->text) && !o->html && (!o->json || o->json_failed) &&
           (!o->text || o->text_failed);
}

/* ---- the summary in session-id order ---- */

struct output_wait {
    uint64_t id;
    char *text;                  /* NULL: nothing to print (not reported) */
};

/* Prints the first waiting session and forgets it. */
static void wait_print_first(struct output *o)
{
    struct output_wait *w = &o->waiting[0];
    if (w->text && !o->text_failed && (fputs(w->text, o->text) == EOF || fflush(o->text) != 0))
        summary_write_failed(o);
    o->next_id = w->id + 1;
    free(w->text);
    memmove(o->waiting, o->waiting + 1, --o->nwaiting * sizeof *o->waiting);
}

/* Prints what no earlier session holds back any more. */
static void wait_release(struct output *o)
{
    while (o->nwaiting && o->waiting[0].id <= o->next_id)
        wait_print_first(o);
    while (o->nwaiting > OUTPUT_ORDER_MAX) { /* the cap: the oldest goes, out of order */
        wait_print_first(o);
        o->out_of_order++;
    }
    if (o->text)
        fflush(o->text);
}

/* Sessions end in any order; they wait sorted by id (mostly appended: ids grow). */
static void wait_add(struct output *o, uint64_t id, char *text)
{
    if (o->nwaiting == o->waiting_cap) {
        size_t cap = o->waiting_cap ? 2 * o->waiting_cap : 64;
        struct output_wait *nw = realloc(o->waiting, cap * sizeof *nw);
        if (!nw) { /* print what waits, in order, and this one after it */
            while (o->nwaiting)
                wait_print_first(o);
            if (text)
                fputs(text, o->text);
            free(text);
            o->out_of_order++;
            return;
        }
        o->waiting = nw;
        o->waiting_cap = cap;
    }
    size_t at = o->nwaiting;
    while (at > 0 && o->waiting[at - 1].id > id)
        at--;
    memmove(o->waiting + at + 1, o->waiting + at, (o->nwaiting - at) * sizeof *o->waiting);
    o->waiting[at] = (struct output_wait){ id, text };
    o->nwaiting++;
    wait_release(o);
}

void output_session_skip(struct output *o, uint64_t id)
{
    if (o->text && o->ordered)
        wait_add(o, id, NULL);
}

void output_session(struct output *o, struct session *s)
{
    o->sessions++;
    o->by_outcome[s->outcome]++;
    for (int sev = 0; sev < SEV_COUNT; sev++)
        o->findings[sev] += s->severity_count[sev];
    int w = session_worst(s);
    if (w > o->worst)
        o->worst = w;
    if (o->text && !o->ordered) {
        report_text_session(o->text, s, o->color);
        if (fflush(o->text) != 0 || ferror(o->text)) /* live: each session as it completes */
            summary_write_failed(o);
    } else if (o->text) {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (m) {
            report_text_session(m, s, o->color);
            if (fclose(m) != 0) {
                free(text);
                text = NULL;
            }
        }
        if (!text) { /* no memory to wait with: print it now */
            report_text_session(o->text, s, o->color);
            o->out_of_order++;
        }
        wait_add(o, s->id, text);
    }
    if (o->json && !o->json_failed && !report_json_write(o->json, s))
        json_write_failed(o);
    html_report_add(o->html, s);
}

static void print_tally(const struct output *o)
{
    fprintf(o->text, "%llu upgrade session%s", (unsigned long long)o->sessions,
            o->sessions == 1 ? "" : "s");
    const char *sep = " (";
    for (int i = 0; i < OUTCOME_COUNT; i++) {
        if (!o->by_outcome[i])
            continue;
        fprintf(o->text, "%s%llu %s", sep, (unsigned long long)o->by_outcome[i],
                outcome_name((enum outcome)i));
        sep = ", ";
    }
    fprintf(o->text, "%s; findings: %llu error(s), %llu warning(s), %llu info\n",
            o->sessions ? ")" : "", (unsigned long long)o->findings[SEV_ERROR],
            (unsigned long long)o->findings[SEV_WARNING],
            (unsigned long long)o->findings[SEV_INFO]);
}

bool output_close(struct output *o, bool tally, const struct html_run *run)
{
    bool html_ok = true;
    char err[600];
    if (o->html && run && !(html_ok = html_report_close(o->html, run, err, sizeof err)))
        fprintf(stderr, "upscope: writing the HTML report failed: %s\n", err);
    else if (o->html && !run)
        html_report_abort(o->html);
    o->html = NULL;
    while (o->nwaiting) /* sessions whose predecessors never ended: in order */
        wait_print_first(o);
    free(o->waiting);
    o->waiting = NULL;
    if (o->out_of_order)
        fprintf(stderr, "upscope: warning: %llu session(s) of the summary printed out of "
                "session-id order (more than %d waited for an earlier one)\n",
                (unsigned long long)o->out_of_order, OUTPUT_ORDER_MAX);
    if (o->text && tally && !o->text_gone)
        print_tally(o);
    if (o->text && !o->text_failed && (fflush(o->text) != 0 || ferror(o->text)))
        summary_write_failed(o);
    if (o->json && run && run->live && !o->json_failed && !report_json_write_run(o->json, run))
        json_write_failed(o);
    if (o->json_owned && fclose(o->json) != 0 && !o->json_failed) {
        fprintf(stderr, "upscope: closing the NDJSON report failed: %s: %s\n", o->json_name,
                strerror(errno));
        o->json_failed = true;
    }
    o->json = NULL;
    return (!o->json_failed || o->json_gone) && (!o->text_failed || o->text_gone) && html_ok;
}
