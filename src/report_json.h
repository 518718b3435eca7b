/* report_json: a session as one NDJSON object (the schema in docs/report-schema.md).
 *
 * Key names and value sets are a contract with downstream tools: add keys, never rename or
 * remove one. Wire bytes pass through escape (ESCAPE_JSON) and the whole line is written with
 * JSON_ENSURE_ASCII, so the output is valid JSON and safe to print on a terminal. */
#ifndef UPSCOPE_REPORT_JSON_H
#define UPSCOPE_REPORT_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "session.h"

/* Writes one line (the object and '\n') and flushes. False on a write error. */
bool report_json_write(FILE *out, const struct session *s);

struct html_run;
/* Live capture: the run's last line, {"run": {...}} (not a session: it has no "id"): the
 * interface, packets, the kernel's counters of received and dropped packets, how it ended. */
bool report_json_write_run(FILE *out, const struct html_run *run);

/* The object as a heap string without newline (caller frees), or NULL. */
char *report_json_string(const struct session *s);

/* ---- for the protocol modules' parts (their report_json) ---- */

/* Wire bytes as a valid UTF-8 JSON string (NUL bytes kept); null for p NULL. */
json_t *json_wire(const char *p, size_t n);
json_t *json_wire_str(const char *s);
/* {"client": c, "server": s} */
json_t *json_per_dir(uint64_t client, uint64_t server);
/* an array of wire strings */
json_t *json_strlist(const struct strlist *l);
/* RFC 3339, UTC, microseconds */
json_t *json_time(ts_us_t ts);

#endif
