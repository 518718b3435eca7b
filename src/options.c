/* options: getopt_long parsing of the command line (see options.h and upscope.1). */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "decode.h"
#include "findings.h"
#include "tls_session.h"

enum {
    OPT_STATS = 256,
    OPT_COLOR,
    OPT_FLOW_TIMEOUT,
    OPT_MAX_FLOWS,
    OPT_MEMCAP,
    OPT_MAX_HEAD,
    OPT_REASM_QUEUE,
    OPT_FAIL_ON,
    OPT_LIST_FINDINGS,
    OPT_ALL,
    OPT_ONLY,
    OPT_UI,
    OPT_MAX_SESSIONS,
    OPT_REASM_SEGMENTS,
    OPT_REORDER_PACKETS,
    OPT_REORDER_TIME,
    OPT_SPOOL_MAX,
    OPT_KEYLOG,
    OPT_FANOUT,
    OPT_WORKERS,
    OPT_TUNNEL_PORT,
    OPT_HTML,
    OPT_COLUMNS,
    OPT_HTML_MAX_SESSIONS,
};

static const char usage_text[] =
    "Usage: upscope [options] -r FILE [filter]\n"
    "       upscope [options] -i IFACE [filter]\n"
    "       upscope -D\n"
    "Watches HTTP/1.1 protocol upgrades (WebSocket, h2c, TLS) and checks them against the RFCs.\n"
    "\n"
    "Input:\n"
    "  -r FILE              read a pcap or pcapng file ('-' for standard input); a\n"
    "                       directory, -r again, or more files after it (a shell glob):\n"
    "                       several files read as one capture, merged by time stamp\n"
    "  -i IFACE             capture live on an interface\n"
    "  -D                   list the interfaces that can be captured on\n"
    "  -p                   do not put the interface in promiscuous mode\n"
    "  -s SNAPLEN           bytes captured per packet (default 262144)\n"
    "  -B KIB               kernel capture buffer size in KiB (default 16384)\n"
    "  -c COUNT             stop after COUNT packets\n"
    "  -Z USER              drop root privileges to USER once the capture is open\n"
    "      --fanout=GROUP   join Linux AF_PACKET fanout group GROUP (0-65535): processes in\n"
    "                       one group on one interface split its connections between them\n"
    "      --workers=N      N threads (1-64) share the connections, the first also reads\n"
    "                       (default 1; not with -w or the UI)\n"
    "      --keylog=FILE    decrypt TLS with the secrets of an NSS key log (what SSLKEYLOGFILE\n"
    "                       writes); may be repeated; re-read as it grows\n"
    "      --tunnel-port=KIND:PORT  also decapsulate KIND (vxlan, geneve, gtp-u) on UDP\n"
    "                       port PORT; 'none' forgets the standard ports; may be repeated\n"
    "  filter               a BPF filter expression, as with tcpdump\n"
    "\n"
    "Output:\n"
    "      --ui             the interactive UI (the default for -i on a terminal)\n"
    "  -N, --no-ui          no UI: print each session's summary as it completes\n"
    "      --columns=LIST   the UI's session-list columns, in order (id,start,client,server,\n"
    "                       proto,outcome,status,verdict,frames,bytes,ndpi); key c in the UI\n"
    "  -j FILE              write NDJSON reports, one line per session ('-' for stdout)\n"
    "  -w FILE              write the packets of the reported sessions' connections (pcap)\n"
    "      --html=FILE      write a self-contained HTML report at the end (overview,\n"
    "                       timeline, session table, each session's checklist and ladder)\n"
    "      --only=LIST      report only these sessions: websocket, h2c, tls, h2, connect\n"
    "                       (any of), and findings, errors, switched, decrypted (all of),\n"
    "                       comma-separated\n"
    "  -q, --quiet          no per-session summary\n"
    "      --all            report every TCP connection that carried data, not only\n"
    "                       upgrade attempts (with nDPI's protocol, TLS SNI/ALPN)\n"
    "      --stats          print counters at the end (to standard error)\n"
    "      --color=WHEN     colour the summary: auto (on a terminal), always, never\n"
    "      --fail-on=SEV    exit with status 3 if a finding of severity SEV (error,\n"
    "                       warning or info) or worse was seen\n"
    "      --list-findings  print the findings catalogue (tab-separated) and exit\n"
    "\n"
    "Limits:\n"
    "      --flow-timeout=SEC   idle time after which a connection ends (default 300)\n"
    "      --max-flows=N        connections tracked at once; the least recently seen is\n"
    "                           evicted beyond this (default 500000)\n"
    "      --memcap=MIB         heap in use before the least recently seen connections are\n"
    "                           evicted (default 384; 0: no cap)\n"
    "      --max-head=BYTES     largest HTTP/1.1 message head inspected; larger ones are\n"
    "                           reported and skipped (default 65536)\n"
    "      --reasm-queue=KIB    out-of-order bytes held per direction (default 1024)\n"
    "      --reasm-segments=N   out-of-order segments held per direction (default 4096)\n"
    "      --reorder-packets=N  a hole the peer acknowledged is waited for this many\n"
    "                           packets (default 64) ...\n"
    "      --reorder-time=MS    ... and this long in capture time (default 1000)\n"
    "      --max-sessions=N     sessions the UI keeps; the oldest ended go first (default 10000)\n"
    "      --spool-max=MIB      packets kept on disk for the UI's save and --only; the oldest\n"
    "                           go first (default 512)\n"
    "      --html-max-sessions=N  sessions shown in the HTML report; later ones are counted\n"
    "                           in its overview only (default 2000)\n"
    "\n"
    "  -h, --help           this help\n"
    "  -V, --version        the version\n"
    "\n"
    "See upscope(1) for the report format, the findings and examples.\n";

static const struct option long_opts[] = {
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { "quiet", no_argument, NULL, 'q' },
    { "stats", no_argument, NULL, OPT_STATS },
    { "color", required_argument, NULL, OPT_COLOR },
    { "colour", required_argument, NULL, OPT_COLOR },
    { "flow-timeout", required_argument, NULL, OPT_FLOW_TIMEOUT },
    { "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
    { "memcap", required_argument, NULL, OPT_MEMCAP },
    { "max-head", required_argument, NULL, OPT_MAX_HEAD },
    { "reasm-queue", required_argument, NULL, OPT_REASM_QUEUE },
    { "fail-on", required_argument, NULL, OPT_FAIL_ON },
    { "list-findings", no_argument, NULL, OPT_LIST_FINDINGS },
    { "all", no_argument, NULL, OPT_ALL },
    { "only", required_argument, NULL, OPT_ONLY },
    { "ui", no_argument, NULL, OPT_UI },
    { "no-ui", no_argument, NULL, 'N' },
    { "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
    { "reasm-segments", required_argument, NULL, OPT_REASM_SEGMENTS },
    { "reorder-packets", required_argument, NULL, OPT_REORDER_PACKETS },
    { "reorder-time", required_argument, NULL, OPT_REORDER_TIME },
    { "spool-max", required_argument, NULL, OPT_SPOOL_MAX },
    { "keylog", required_argument, NULL, OPT_KEYLOG },
    { "fanout", required_argument, NULL, OPT_FANOUT },
    { "workers", required_argument, NULL, OPT_WORKERS },
    { "tunnel-port", required_argument, NULL, OPT_TUNNEL_PORT },
    { "html", required_argument, NULL, OPT_HTML },
    { "columns", required_argument, NULL, OPT_COLUMNS },
    { "html-max-sessions", required_argument, NULL, OPT_HTML_MAX_SESSIONS },
    { NULL, 0, NULL, 0 },
};

/* Parses a whole decimal number in [min, max]; prints a message naming the option if not. */
static bool parse_number(const char *opt, const char *s, uint64_t min, uint64_t max,
                         uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
        fprintf(stderr, "upscope: %s: '%s' is not a number from %llu to %llu\n", opt, s,
                (unsigned long long)min, (unsigned long long)max);
        return false;
    }
    *out = v;
    return true;
}

static bool parse_only(struct only *only, const char *arg)
{
    char *copy = strdup(arg), *save = NULL;
    bool ok = copy != NULL;
    only->any = true;
    for (char *w = copy ? strtok_r(copy, ",", &save) : NULL; w && ok;
         w = strtok_r(NULL, ",", &save)) {
        int t = -1;
        for (int i = 1; i < TRANSITION_COUNT; i++)
            if (strcmp(w, transition_name((enum transition)i)) == 0)
                t = i;
        if (t > 0) {
            only->transition[t] = true;
            only->transitions_listed = true;
        } else if (strcmp(w, "findings") == 0) {
            only->findings = true;
        } else if (strcmp(w, "errors") == 0) {
            only->errors = true;
        } else if (strcmp(w, "switched") == 0) {
            only->switched = true;
        } else if (strcmp(w, "decrypted") == 0) {
            only->decrypted = true;
        } else {
            fprintf(stderr, "upscope: --only: '%s' is none of websocket, h2c, tls, h2, connect, "
                            "findings, errors, switched, decrypted\n", w);
            ok = false;
        }
    }
    free(copy);
    return ok;
}

bool options_chosen(const struct options *o, const struct session *s)
{
    const struct only *on = &o->only;
    if (!on->any)
        return true;
    if (on->transitions_listed && !on->transition[s->transition])
        return false;
    if (on->findings && s->nfindings == 0)
        return false;
    if (on->errors && s->severity_count[SEV_ERROR] == 0)
        return false;
    if (on->decrypted) {
        const struct tls_info *t = tls_info_get(s);
        if (!t || !t->decrypted)
            return false;
    }
    return !on->switched || s->outcome == OUTCOME_SWITCHED;
}

static char *join_args(int n, char **args)
{
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(args[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, args[i]);
    }
    return s;
}

static void set_defaults(struct options *o)
{
    memset(o, 0, sizeof *o);
    o->promisc = true;
    o->snaplen = DECODE_MAX_SNAPLEN;
    o->color = COLOR_AUTO;
    o->fail_on = -1;
    o->max_sessions = 10000;
    o->html_max_sessions = 2000;
    o->spool_max = 512ull << 20;
    o->fanout = -1;
    o->workers = 1;
    worker_config_defaults(&o->worker);
}

static bool add_read_file(struct options *o, const char *arg)
{
    const char **v = realloc(o->read_files, (o->nread_files + 1) * sizeof *v);
    if (!v) {
        fprintf(stderr, "upscope: out of memory\n");
        return false;
    }
    o->read_files = v;
    v[o->nread_files++] = arg;
    o->read_file = v[0];
    return true;
}

/* One option; false after printing what is wrong with it. */
static bool parse_one(struct options *o, int c, const char *arg)
{
    uint64_t v;
    switch (c) {
    case 'r': return add_read_file(o, arg);
    case 'i': o->iface = arg; return true;
    case 'D': o->list_ifaces = true; return true;
    case 'p': o->promisc = false; return true;
    case 'q': o->quiet = true; return true;
    case 'j': o->json_file = arg; return true;
    case 'w': o->pcap_file = arg; return true;
    case 'N': o->no_ui = true; return true;
    case 'Z': o->user = arg; return true;
    case OPT_UI: o->ui = true; return true;
    case OPT_ONLY: return parse_only(&o->only, arg);
    case OPT_COLUMNS:
        o->ui_columns = arg; return true;
    case OPT_HTML:
        if (!arg[0] || strcmp(arg, "-") == 0) {
            fprintf(stderr, "upscope: --html: give a file name (the report is one file)\n");
            return false;
        }
        o->html_file = arg; return true;
    case OPT_HTML_MAX_SESSIONS:
        if (!parse_number("--html-max-sessions", arg, 1, 1u << 20, &v)) return false;
        o->html_max_sessions = (uint32_t)v; return true;
    case OPT_MAX_SESSIONS:
        if (!parse_number("--max-sessions", arg, 1, 1u << 24, &v)) return false;
        o->max_sessions = (uint32_t)v; return true;
    case OPT_FAIL_ON: {
        enum severity sev;
        if (!severity_parse(arg, &sev)) {
            fprintf(stderr, "upscope: --fail-on: '%s' is not error, warning or info\n", arg);
            return false;
        }
        o->fail_on = (int)sev;
        return true;
    }
    case OPT_STATS: o->stats = true; return true;
    case OPT_ALL: o->worker.report_all = true; return true;
    case 's':
        if (!parse_number("-s", arg, 1, DECODE_MAX_SNAPLEN, &v)) return false;
        o->snaplen = (int)v; return true;
    case 'B':
        if (!parse_number("-B", arg, 1, 4u << 20, &v)) return false;
        o->buffer_kib = (int)v; return true;
    case 'c':
        return parse_number("-c", arg, 1, UINT64_MAX, &o->count);
    case OPT_COLOR:
        if (strcmp(arg, "auto") == 0) o->color = COLOR_AUTO;
        else if (strcmp(arg, "always") == 0) o->color = COLOR_ALWAYS;
        else if (strcmp(arg, "never") == 0) o->color = COLOR_NEVER;
        else {
            fprintf(stderr, "upscope: --color: '%s' is not auto, always or never\n", arg);
            return false;
        }
        return true;
    case OPT_FLOW_TIMEOUT:
        if (!parse_number("--flow-timeout", arg, 1, 86400 * 7, &v)) return false;
        o->worker.idle_timeout = v * 1000000u; return true;
    case OPT_MAX_HEAD:
        if (!parse_number("--max-head", arg, 1024, 16u << 20, &v)) return false;
        o->worker.max_head = (uint32_t)v; return true;
    case OPT_MAX_FLOWS:
        if (!parse_number("--max-flows", arg, 1, 1u << 30, &v)) return false;
        o->worker.max_flows = (uint32_t)v; return true;
    case OPT_MEMCAP:
        if (!parse_number("--memcap", arg, 0, 1u << 20, &v)) return false;
        o->worker.memcap = (uint64_t)v << 20; return true;
    case OPT_REASM_QUEUE:
        if (!parse_number("--reasm-queue", arg, 1, 1u << 20, &v)) return false;
        o->worker.reasm.dir_bytes = (uint32_t)(v * 1024); return true;
    case OPT_REASM_SEGMENTS:
        if (!parse_number("--reasm-segments", arg, 1, 1u << 20, &v)) return false;
        o->worker.reasm.dir_segments = (uint32_t)v; return true;
    case OPT_REORDER_PACKETS:
        if (!parse_number("--reorder-packets", arg, 0, 1u << 20, &v)) return false;
        o->worker.reasm.reorder_packets = (uint32_t)v; return true;
    case OPT_KEYLOG:
        if (o->nkeylogs == OPTIONS_MAX_KEYLOGS) {
            fprintf(stderr, "upscope: --keylog: at most %d files\n", OPTIONS_MAX_KEYLOGS);
            return false;
        }
        o->keylog[o->nkeylogs++] = arg;
        return true;
    case OPT_TUNNEL_PORT: {
        char err[160];
        if (tunnel_ports_add(&o->worker.decode.ports, arg, err, sizeof err))
            return true;
        fprintf(stderr, "upscope: --tunnel-port: %s\n", err);
        return false;
    }
    case OPT_SPOOL_MAX:
        if (!parse_number("--spool-max", arg, 1, 1u << 24, &v)) return false;
        o->spool_max = v << 20; return true;
    case OPT_WORKERS:
        if (!parse_number("--workers", arg, 1, 64, &v)) return false;
        o->workers = (unsigned)v; return true;
    case OPT_FANOUT:
        if (!parse_number("--fanout", arg, 0, 65535, &v)) return false;
        o->fanout = (int)v; return true;
    case OPT_REORDER_TIME:
        if (!parse_number("--reorder-time", arg, 0, 3600u * 1000, &v)) return false;
        o->worker.reasm.reorder_time = v * 1000u; return true;
    default:
        return false;
    }
}

enum options_result options_parse(struct options *o, int argc, char **argv)
{
    set_defaults(o);
    int c;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "r:i:Dps:B:c:j:w:NZ:qhV", long_opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(usage_text, stdout);
            return OPTIONS_EXIT_OK;
        }
        if (c == 'V') {
            printf("upscope %s\n", PACKAGE_VERSION);
            return OPTIONS_EXIT_OK;
        }
        if (c == OPT_LIST_FINDINGS) {
            for (int i = 0; i < FINDING_COUNT; i++) {
                const struct finding_info *fi = finding_info((enum finding_id)i);
                printf("%s\t%s\t%s\t%s\n", fi->id, severity_name(fi->severity), fi->rfc,
                       fi->title);
            }
            return OPTIONS_EXIT_OK;
        }
        if (c == '?' || !parse_one(o, c, optarg)) {
            fprintf(stderr, "Try 'upscope --help' for more information.\n");
            return OPTIONS_EXIT_USAGE;
        }
    }
    if (o->list_ifaces)
        return OPTIONS_RUN;
    if (!o->read_file == !o->iface) {
        fprintf(stderr, "upscope: give exactly one of -r FILE or -i IFACE\n"
                        "Try 'upscope --help' for more information.\n");
        return OPTIONS_EXIT_USAGE;
    }
    if (o->fanout >= 0 && !o->iface) {
        fprintf(stderr, "upscope: --fanout splits a live capture: it needs -i IFACE\n");
        return OPTIONS_EXIT_USAGE;
    }
    if (o->workers > 1 && (o->pcap_file || o->ui)) {
        fprintf(stderr, "upscope: --workers does not combine with %s yet: one worker writes "
                        "those\n", o->pcap_file ? "-w" : "--ui");
        return OPTIONS_EXIT_USAGE;
    }
    if (o->ui && o->no_ui) {
        fprintf(stderr, "upscope: --ui and --no-ui contradict each other\n");
        return OPTIONS_EXIT_USAGE;
    }
    if (o->ui && o->json_file && strcmp(o->json_file, "-") == 0) {
        fprintf(stderr, "upscope: the UI needs the terminal: write -j to a file\n");
        return OPTIONS_EXIT_USAGE;
    }
    /* -r a*.pcap: what the shell expanded the glob to are files too, up to the filter */
    struct stat st;
    while (o->read_file && optind < argc && stat(argv[optind], &st) == 0 &&
           (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
        if (!add_read_file(o, argv[optind++]))
            return OPTIONS_EXIT_USAGE;
    if (optind < argc) {
        o->filter = join_args(argc - optind, argv + optind);
        if (!o->filter) {
            fprintf(stderr, "upscope: out of memory\n");
            return OPTIONS_EXIT_USAGE;
        }
    }
    return OPTIONS_RUN;
}

void options_free(struct options *o)
{
    free(o->filter);
    o->filter = NULL;
    free(o->read_files);
    o->read_files = NULL;
}
