/* report_html: the --html report — one self-contained HTML file (inline CSS, SVG and a small
 * script; nothing fetched) to attach to a bug report or open from CI artifacts: an overview
 * (sessions by kind and outcome, findings by severity, a timeline), a sortable and filterable
 * table of the sessions, and each session in full (checklist with RFC links, what was
 * negotiated, nDPI's verdict, request and response heads, the ladder as SVG, the lifecycle
 * figures when the report has them, findings, and the whole NDJSON object).
 *
 * Each session is rendered when it ends, from the NDJSON object (report_json.h: new keys show
 * without a change here), the registry's check rows and detail lines, and its event history
 * (recorded while --html is on); the session can be freed at once. The rendered sessions wait
 * in memory for the end of the run, capped in number (max_sessions) and in bytes
 * (HTML_REPORT_MAX_BYTES); sessions past a cap are left out of the file but still counted in
 * its overview, and the page says how many and why. Every wire string is escaped (html_out.h);
 * a Content-Security-Policy allows only the page's own style and script, by hash. */
#ifndef UPSCOPE_REPORT_HTML_H
#define UPSCOPE_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "session.h"

#define HTML_REPORT_MAX_BYTES (64u << 20)   /* rendered sessions kept, all together */
#define HTML_LADDER_MAX_EVENTS 1000         /* arrows drawn per session */

struct html_report;

/* What the page says about the run. */
struct html_run {
    const char *source;          /* the capture file or the interface */
    bool live;
    uint64_t packets;
    const char *ended;           /* how reading ended, in words */
    bool have_drops;             /* live: the kernel's counters below were read */
    uint64_t received, dropped, if_dropped;
};

/* Creates (truncates) the file now, so a path that cannot be written fails at start. NULL with
 * a message in err. */
struct html_report *html_report_open(const char *path, uint32_t max_sessions, char *err,
                                     size_t errlen);

/* A session ended: count it, and render it unless a cap is reached. */
void html_report_add(struct html_report *h, const struct session *s);

/* Writes the page, closes the file and frees h. False with a message in err if any write
 * failed (the file is then incomplete). */
bool html_report_close(struct html_report *h, const struct html_run *run, char *err,
                       size_t errlen);

/* Frees h without writing (the run did not start). */
void html_report_abort(struct html_report *h);

/* ---- one session, for report_html.c (report_html_session.c) ---- */

struct html_out;

/* The session's row of the table and its section; false if memory ran out. */
bool html_session_render(const struct session *s, struct html_out *row,
                         struct html_out *section);

#endif
