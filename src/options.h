/* options: everything the command line can set, with its defaults.
 *
 * Filled by options_parse() (main.c calls it); read by the app. No behaviour lives here. */
#ifndef UPSCOPE_OPTIONS_H
#define UPSCOPE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "session.h"
#include "worker.h"

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

/* --only: which sessions the outputs report. A session is chosen when it has one of the listed
 * transitions (if any are listed) and every listed property. */
struct only {
    bool any;                    /* --only was given */
    bool transition[TRANSITION_COUNT];
    bool transitions_listed;
    bool findings, errors, switched, decrypted;
};

#define OPTIONS_MAX_KEYLOGS 16

struct options {
    const char *read_file;       /* -r: the first one */
    const char **read_files;     /* -r, repeatable: files or directories, read as one
                                  * capture (heap; the strings are argv's) */
    unsigned nread_files;
    const char *iface;           /* -i */
    bool list_ifaces;            /* -D */
    bool promisc;                /* on unless -p */
    int snaplen;                 /* -s */
    int buffer_kib;              /* -B */
    int fanout;                  /* --fanout: AF_PACKET fanout group, -1 none */
    unsigned workers;            /* --workers: worker threads (1: the reader's thread works) */
    uint64_t count;              /* -c: stop after this many packets (0: no limit) */
    bool stats;                  /* --stats */
    const char *json_file;       /* -j: NDJSON reports ("-" for stdout) */
    const char *pcap_file;       /* -w: the packets of the reported sessions */
    const char *html_file;       /* --html: the HTML report, written at the end */
    uint32_t html_max_sessions;  /* --html-max-sessions: sessions the HTML report shows */
    struct only only;            /* --only */
    bool ui;                     /* --ui */
    bool no_ui;                  /* -N, --no-ui */
    const char *ui_columns;      /* --columns: the session list's columns (NULL: default) */
    const char *user;            /* -Z: drop root privileges to this user */
    const char *keylog[OPTIONS_MAX_KEYLOGS];  /* --keylog: NSS key log files */
    unsigned nkeylogs;
    uint32_t max_sessions;       /* --max-sessions: sessions the UI keeps */
    uint64_t spool_max;          /* --spool-max: bytes of packets kept for the UI and --only */
    int fail_on;                 /* --fail-on: exit 3 at this severity or worse; -1 off */
    bool quiet;                  /* -q: no text summary */
    enum color_mode color;       /* --color */
    char *filter;                /* trailing arguments joined (heap) */
    struct worker_config worker; /* --max-flows, --flow-timeout, ... */
};

enum options_result {
    OPTIONS_RUN,                 /* go on */
    OPTIONS_EXIT_OK,             /* --help or --version printed */
    OPTIONS_EXIT_USAGE,          /* bad command line, message printed */
};

enum options_result options_parse(struct options *o, int argc, char **argv);
void options_free(struct options *o);

/* Does --only choose this session? (true when --only was not given) */
bool options_chosen(const struct options *o, const struct session *s);

#endif
