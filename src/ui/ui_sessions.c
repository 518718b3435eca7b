/* ui_sessions: the session list — one row per session, filters, sort, selection, and saving
 * the selected sessions' packets or reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dissector.h"
#include "idset.h"
#include "report_json.h"
#include "report_text.h"
#include "ui_columns.h"
#include "ui_internal.h"
#include "ui_text.h"

/* What a row shows, copied out of a session. */
struct row {
    uint64_t id;
    uint64_t stamp;              /* the session's ui_stamp when the row was made */
    ts_us_t start;
    char client[64], server[64], ndpi[48];
    uint8_t transition, outcome;
    int status;
    uint32_t errors, warnings, infos;
    uint64_t frames;             /* frames or records, as the protocols count them */
    uint64_t bytes;              /* stream bytes, both ways */
    bool has_frames;             /* some protocol counted frames (else the cell shows -) */
    uint8_t lock;                /* enum lock_state */
    bool over_h2;                /* carried by an HTTP/2 stream (RFC 8441) */
    bool open;
    unsigned char width[COL_COUNT]; /* each cell's display width, for the layout */
    char haystack[640];          /* everything the / filter searches, lower case */
};

enum quick { QUICK_ALL, QUICK_WS, QUICK_H2C, QUICK_TLS, QUICK_FINDINGS, QUICK_SWITCHED,
             QUICK_COUNT };
static const char *const quick_names[QUICK_COUNT] = {
    "all", "WebSocket", "h2c", "TLS", "with findings", "switched",
};

struct sessions {
    struct row **rows;           /* in session-id order (the store's) */
    size_t n, cap;
    struct row **shown;          /* filtered and sorted */
    size_t nshown;
    bool dirty;                  /* rows changed since the view was made */
    struct ui_scroll scroll;
    uint64_t cursor_id;          /* the cursor follows a session, not a line */
    enum column sort;
    bool reverse;
    enum quick quick;
    char filter[128];
    struct idset selected;       /* session ids */
    struct column_set columns;   /* chosen with --columns or the chooser (c) */
    int need[COL_COUNT];         /* the widest cell of the shown rows, per column */
};

static void row_measure(bool ascii, struct row *r);
static void measure_columns(struct sessions *ss);

/* ---- selection ---- */

static bool is_selected(const struct sessions *ss, uint64_t id)
{
    return idset_has(&ss->selected, id);
}

static void toggle(struct sessions *ss, uint64_t id)
{
    if (idset_has(&ss->selected, id))
        idset_del(&ss->selected, id);
    else
        idset_add(&ss->selected, id);
}

/* ---- rows ---- */

/* Frames or records, as each protocol's part counts them. */
static uint64_t frames_of(const struct session *s)
{
    uint64_t v = 0;
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *m = dissector_get((enum proto)p);
        const void *part = session_part_get(s, (enum proto)p);
        if (m && m->volume && part)
            v += m->volume(part);
    }
    return v;
}

/* Could upscope see inside? Closed if any protocol of the session kept its bytes hidden. */
static enum lock_state lock_of(const struct session *s)
{
    enum lock_state lock = LOCK_NONE;
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *m = dissector_get((enum proto)p);
        const void *part = session_part_get(s, (enum proto)p);
        if (m && m->lock && part && m->lock(part) > lock)
            lock = m->lock(part);
    }
    return lock;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static void fill_haystack(const struct ui *ui, struct row *r, const struct session *s)
{
    char target[160] = "", host[160] = "";
    if (s->request) {
        ui_wire(ui, target, sizeof target, s->request->target);
        const struct http_field *h = http_field_get(s->request, "Host");
        if (!h) /* HTTP/2 (RFC 8441) */
            h = http_field_get(s->request, ":authority");
        if (h)
            ui_wire(ui, host, sizeof host, h->value);
    }
    int n = snprintf(r->haystack, sizeof r->haystack, "%llu %s %s %s %s %d %s %s %s",
                     (unsigned long long)r->id, r->client, r->server,
                     transition_name(s->transition), outcome_name(s->outcome), r->status,
                     r->ndpi, target, host);
    for (uint32_t i = 0; i < s->nfindings && n > 0 && (size_t)n < sizeof r->haystack; i++)
        n += snprintf(r->haystack + n, sizeof r->haystack - (size_t)n, " %s",
                      finding_info(s->findings[i].id)->id);
    lower(r->haystack);
}

static void fill_row(const struct ui *ui, struct row *r, const struct session *s, bool open)
{
    memset(r, 0, sizeof *r);
    r->id = s->id;
    r->start = s->start;
    report_endpoint(s->family, &s->client_ip, s->client_port, r->client, sizeof r->client);
    report_endpoint(s->family, &s->server_ip, s->server_port, r->server, sizeof r->server);
    ui_wire(ui, r->ndpi, sizeof r->ndpi, s->ndpi.present ? s->ndpi.protocol : NULL);
    r->transition = (uint8_t)s->transition;
    r->outcome = (uint8_t)s->outcome;
    r->status = s->response ? s->response->status : 0;
    r->errors = s->severity_count[SEV_ERROR];
    r->warnings = s->severity_count[SEV_WARNING];
    r->infos = s->severity_count[SEV_INFO];
    r->frames = frames_of(s);
    r->has_frames = r->frames > 0;
    r->bytes = s->stats.stream_bytes[0] + s->stats.stream_bytes[1];
    r->lock = (uint8_t)lock_of(s);
    r->over_h2 = s->ncarriers && s->carried_by[s->ncarriers - 1].proto == PROTO_HTTP2;
    r->open = open;
    fill_haystack(ui, r, s);
    row_measure(ui->ascii, r);
    static const char *const lock_word[] = { "", " decrypted", " encrypted" };
    size_t used = strlen(r->haystack);
    snprintf(r->haystack + used, sizeof r->haystack - used, "%s", lock_word[r->lock]);
    for (uint8_t i = 0; i < s->ncarriers; i++) { /* what carried it: "tls", "http2" */
        used = strlen(r->haystack);
        snprintf(r->haystack + used, sizeof r->haystack - used, " %s",
                 proto_name((enum proto)s->carried_by[i].proto));
    }
}

static bool quick_match(enum quick q, const struct row *r)
{
    switch (q) {
    case QUICK_WS: return r->transition == TRANSITION_WEBSOCKET;
    case QUICK_H2C: return r->transition == TRANSITION_H2C;
    case QUICK_TLS: return r->transition == TRANSITION_TLS;
    case QUICK_FINDINGS: return r->errors + r->warnings + r->infos > 0;
    case QUICK_SWITCHED: return r->outcome == OUTCOME_SWITCHED;
    default: return true;
    }
}

static int compare(const struct row *a, const struct row *b, enum column c)
{
    int v = 0;
    switch (c) {
    case COL_START: v = (a->start > b->start) - (a->start < b->start); break;
    case COL_CLIENT: v = strcmp(a->client, b->client); break;
    case COL_SERVER: v = strcmp(a->server, b->server); break;
    case COL_PROTO: v = a->transition - b->transition; break;
    case COL_OUTCOME: v = strcmp(outcome_name(a->outcome), outcome_name(b->outcome)); break;
    case COL_STATUS: v = a->status - b->status; break;
    case COL_VERDICT:
        v = (int)(a->errors * 1000 + a->warnings) - (int)(b->errors * 1000 + b->warnings);
        break;
    case COL_FRAMES: v = (a->frames > b->frames) - (a->frames < b->frames); break;
    case COL_BYTES: v = (a->bytes > b->bytes) - (a->bytes < b->bytes); break;
    case COL_NDPI: v = strcmp(a->ndpi, b->ndpi); break;
    default: break;
    }
    return v ? v : (a->id > b->id) - (a->id < b->id);
}

struct sort_key {
    enum column column;
    bool reverse;
};

static int compare_shown(const void *a, const void *b, void *arg)
{
    const struct sort_key *k = arg;
    int c = compare(*(struct row *const *)a, *(struct row *const *)b, k->column);
    return k->reverse ? -c : c;
}

/* Rows of the list: the content area less the headings and, when shown, the filter line. */
static bool footer_shown(const struct sessions *ss)
{
    return ss->filter[0] || ss->quick != QUICK_ALL || ss->selected.n;
}

static int list_rows(const struct sessions *ss)
{
    int n = ui_rows() - 1 - footer_shown(ss);
    return n > 0 ? n : 1;
}

/* Filters and sorts the rows, measures the columns; runs with no lock held. */
static void apply_view(struct sessions *ss)
{
    char needle[128];
    snprintf(needle, sizeof needle, "%s", ss->filter);
    lower(needle);
    ss->nshown = 0;
    for (size_t i = 0; i < ss->n; i++) {
        struct row *r = ss->rows[i];
        if (quick_match(ss->quick, r) && (!needle[0] || strstr(r->haystack, needle)))
            ss->shown[ss->nshown++] = r;
    }
    struct sort_key k = { ss->sort, ss->reverse };
    qsort_r(ss->shown, ss->nshown, sizeof *ss->shown, compare_shown, &k);
    for (size_t i = 0; i < ss->nshown; i++)
        if (ss->shown[i]->id == ss->cursor_id)
            ss->scroll.cursor = (long)i;
    ui_scroll_fit(&ss->scroll, (long)ss->nshown, list_rows(ss));
    measure_columns(ss);
    ss->dirty = false;
}

static bool rows_reserve(struct sessions *ss, size_t n)
{
    if (n <= ss->cap)
        return true;
    struct row **nr = realloc(ss->rows, n * sizeof *nr);
    if (nr)
        ss->rows = nr;
    struct row **ns = nr ? realloc(ss->shown, n * sizeof *ns) : NULL;
    if (!ns)
        return false;
    ss->shown = ns;
    ss->cap = n;
    return true;
}

/* Under the store lock: only the sessions that changed since the last refresh (their ui_stamp
 * moved) are formatted again; the rest keep their rows. The store and the rows are both in
 * session-id order, so one merge pass pairs them up; rows of evicted sessions are freed.
 * Filtering and sorting wait for apply_view, after the lock. */
static void sessions_refresh(struct screen *sc, struct ui *ui)
{
    struct sessions *ss = sc->state;
    struct store *st = &ui->app->store;
    struct row **fresh = malloc((st->n ? st->n : 1) * sizeof *fresh);
    if (!fresh || !rows_reserve(ss, st->n)) {
        free(fresh);
        return;
    }
    size_t j = 0, n = 0;
    for (uint32_t i = 0; i < st->n; i++) {
        const struct session *s = st->v[i].s;
        bool open = !st->v[i].ended;
        while (j < ss->n && ss->rows[j]->id < s->id) { /* evicted */
            free(ss->rows[j++]);
            ss->dirty = true;
        }
        struct row *r = j < ss->n && ss->rows[j]->id == s->id ? ss->rows[j++]
                                                             : calloc(1, sizeof *r);
        if (!r)
            continue;
        if (r->id != s->id || r->stamp != s->ui_stamp || r->open != open) {
            fill_row(ui, r, s, open);
            r->stamp = s->ui_stamp;
            ss->dirty = true;
        }
        fresh[n++] = r;
    }
    while (j < ss->n) {
        free(ss->rows[j++]);
        ss->dirty = true;
    }
    if (n)   /* rows is NULL before the first session: memcpy must not see it */
        memcpy(ss->rows, fresh, n * sizeof *fresh);
    ss->n = n;
    free(fresh);
}

/* ---- drawing ---- */

/* The widths the layout settled on: 0 for a column left out. */
struct widths {
    int w[COL_COUNT];
};

/* The order in which columns are left out when the terminal is too narrow: the least
 * important first. The number is never left out. */
static const enum column drop_order[] = { COL_BYTES, COL_START, COL_NDPI, COL_FRAMES,
                                          COL_STATUS, COL_VERDICT, COL_OUTCOME, COL_PROTO,
                                          COL_SERVER, COL_CLIENT };
/* Left out before any address is shortened: the first this many of drop_order. */
#define DROP_BEFORE_SQUEEZE 4
#define ENDPOINT_MIN 14          /* room for ":port" and a few characters of the address */
#define NDPI_MIN 8

/* How narrow a column may be squeezed when there are not enough columns to show it whole. */
static int squeezed_min(enum column c, int need, int dropped)
{
    int min = need;
    if (c == COL_NDPI)
        min = NDPI_MIN;
    else if ((c == COL_CLIENT || c == COL_SERVER) && dropped >= DROP_BEFORE_SQUEEZE)
        min = ENDPOINT_MIN;
    return min < need ? min : need;
}

/* Each chosen column as wide as its widest cell (and heading), up to its maximum; when that
 * is wider than the terminal, columns are left out in drop_order, and the addresses and nDPI's
 * label shortened, whichever fits first. */
static struct widths layout(const struct sessions *ss, int cols)
{
    struct widths l;
    bool on[COL_COUNT];
    for (int c = 0; c < COL_COUNT; c++)
        on[c] = ss->columns.on[c] || c == COL_ID;
    int ndrop = (int)(sizeof drop_order / sizeof drop_order[0]);
    for (int dropped = 0; dropped <= ndrop; dropped++) {
        int total = 1, slack = 0; /* the selection mark */
        for (int c = 0; c < COL_COUNT; c++) {
            l.w[c] = on[c] ? ss->need[c] : 0;
            if (on[c]) {
                total += l.w[c] + 1;
                slack += l.w[c] - squeezed_min((enum column)c, l.w[c], dropped);
            }
        }
        if (total - slack <= cols || dropped == ndrop) {
            /* squeeze the widest squeezable column, a column at a time */
            while (total > cols) {
                int best = -1, room = 0;
                for (int c = 0; c < COL_COUNT; c++) {
                    int r = l.w[c] - squeezed_min((enum column)c, ss->need[c], dropped);
                    if (on[c] && r > room) {
                        room = r;
                        best = c;
                    }
                }
                if (best < 0)
                    break;
                l.w[best]--;
                total--;
            }
            return l;
        }
        on[drop_order[dropped]] = false;
    }
    return l;
}

/* An address and port cut to width, the port kept: the middle of the address gives way. */
static void fit_endpoint(const struct ui *ui, char *out, size_t cap, const char *ep, int width)
{
    int len = (int)strlen(ep); /* report_endpoint() writes ASCII */
    const char *colon = strrchr(ep, ':');
    if (len <= width || !colon || width < 4) {
        snprintf(out, cap, "%s", ep);
        return;
    }
    int port = (int)strlen(colon), addr = width - port - 1; /* 1: the ellipsis */
    if (addr < 2) {
        snprintf(out, cap, "%s", ep);
        return;
    }
    int head = (addr + 1) / 2, tail = addr - head;
    snprintf(out, cap, "%.*s%s%.*s%s", head, ep, ui->ascii ? "~" : "\u2026", tail,
             colon - tail, colon);
}

static void verdict(const struct row *r, char *buf, size_t n, enum ui_pair *pair)
{
    if (r->errors) {
        snprintf(buf, n, "%u err", r->errors);
        *pair = PAIR_ERROR;
    } else if (r->warnings) {
        snprintf(buf, n, "%u warn", r->warnings);
        *pair = PAIR_WARNING;
    } else {
        snprintf(buf, n, "OK");
        *pair = PAIR_OK;
    }
}

#define CELL 96

/* A row's cells, as drawn (before any shortening). */
static void row_cells(bool ascii, const struct row *r, char cell[COL_COUNT][CELL],
                      enum ui_pair *vpair)
{
    static const char *const proto[TRANSITION_COUNT] = { "-", "WS", "h2c", "TLS", "h2", "CONN" };
    snprintf(cell[COL_ID], CELL, "%llu", (unsigned long long)r->id);
    report_time(r->start, cell[COL_START], CELL, false);
    memmove(cell[COL_START], cell[COL_START] + 11, 9); /* HH:MM:SS */
    snprintf(cell[COL_CLIENT], CELL, "%s", r->client);
    snprintf(cell[COL_SERVER], CELL, "%s", r->server);
    /* the lock after the protocol: open, decrypted (WS🔓); closed, not readable (TLS🔒) */
    static const char *const lock[2][3] = { { "", "\U0001F513", "\U0001F512" },
                                            { "", "+", "-" } };
    const char *name = r->transition == TRANSITION_NONE && r->lock ? "TLS" : proto[r->transition];
    snprintf(cell[COL_PROTO], CELL, "%s%s%s", name, r->over_h2 ? "/h2" : "", lock[ascii][r->lock]);
    snprintf(cell[COL_OUTCOME], CELL, "%s%s", outcome_name(r->outcome), r->open ? "*" : "");
    snprintf(cell[COL_STATUS], CELL, r->status ? "%d" : "-", r->status);
    verdict(r, cell[COL_VERDICT], CELL, vpair);
    snprintf(cell[COL_FRAMES], CELL, r->has_frames ? "%llu" : "-",
             (unsigned long long)r->frames);
    snprintf(cell[COL_BYTES], CELL, "%llu", (unsigned long long)r->bytes);
    snprintf(cell[COL_NDPI], CELL, "%s", r->ndpi);
}

/* Remembers how wide each of the row's cells is (the layout reads it, not the cells). */
static void row_measure(bool ascii, struct row *r)
{
    char cell[COL_COUNT][CELL];
    enum ui_pair vpair;
    row_cells(ascii, r, cell, &vpair);
    for (int c = 0; c < COL_COUNT; c++) {
        int w = ui_width(cell[c]);
        r->width[c] = (unsigned char)(w > 255 ? 255 : w);
    }
}

/* The widest cell of each column over the shown rows, with room for the heading and the sort
 * mark, up to the column's maximum. */
static void measure_columns(struct sessions *ss)
{
    for (int c = 0; c < COL_COUNT; c++)
        ss->need[c] = ui_width(column_info((enum column)c)->head) + 1;
    for (size_t i = 0; i < ss->nshown; i++)
        for (int c = 0; c < COL_COUNT; c++)
            if (ss->shown[i]->width[c] > ss->need[c])
                ss->need[c] = ss->shown[i]->width[c];
    for (int c = 0; c < COL_COUNT; c++)
        if (ss->need[c] > column_info((enum column)c)->max)
            ss->need[c] = column_info((enum column)c)->max;
}

static void draw_row(struct ui *ui, WINDOW *w, int y, const struct row *r, bool cursor,
                     bool selected, const struct sessions *ss, const struct widths *l)
{
    char cell[COL_COUNT][CELL];
    enum ui_pair vpair;
    row_cells(ui->ascii, r, cell, &vpair);
    for (int c = COL_CLIENT; c <= COL_SERVER; c++) {
        char cut[CELL];
        fit_endpoint(ui, cut, sizeof cut, cell[c], l->w[c]);
        memcpy(cell[c], cut, sizeof cut);
    }
    attr_t base = cursor ? ui_attr(ui, PAIR_CURSOR) : A_NORMAL;
    wattrset(w, base);
    mvwaddch(w, y, 0, selected ? '*' : ' ');
    int x = 1;
    for (int i = 0; i < COL_COUNT; i++) {
        int c = ss->columns.order[i];
        if (l->w[c] <= 0)
            continue;
        if (c == COL_VERDICT && !cursor)
            wattrset(w, ui_attr(ui, vpair));
        ui_put(w, y, x, l->w[c], cell[c], true);
        wattrset(w, base);
        x += l->w[c];
        if (x < COLS)
            ui_put(w, y, x++, 1, " ", true);
    }
    if (x < COLS)
        ui_put(w, y, x, COLS - x, "", true);
    wattrset(w, A_NORMAL);
}

static void draw_headings(const struct sessions *ss, WINDOW *w, const struct widths *l)
{
    wattrset(w, A_BOLD);
    int x = 1;
    for (int i = 0; i < COL_COUNT; i++) {
        int c = ss->columns.order[i];
        if (l->w[c] <= 0)
            continue;
        char head[32];
        snprintf(head, sizeof head, "%s%s", column_info((enum column)c)->head,
                 (enum column)c == ss->sort ? (ss->reverse ? "v" : "^") : "");
        ui_put(w, 0, x, l->w[c], head, true);
        x += l->w[c] + 1;
    }
    wattrset(w, A_NORMAL);
}

static void sessions_draw(struct screen *sc, struct ui *ui)
{
    struct sessions *ss = sc->state;
    WINDOW *w = sc->win;
    if (ss->dirty)
        apply_view(ss);
    int rows = list_rows(ss);
    ui_scroll_fit(&ss->scroll, (long)ss->nshown, rows); /* the filter line may have appeared */
    struct widths l = layout(ss, COLS);
    draw_headings(ss, w, &l);
    for (int i = 0; i < rows && ss->scroll.top + i < (long)ss->nshown; i++) {
        const struct row *r = ss->shown[ss->scroll.top + i];
        draw_row(ui, w, 1 + i, r, ss->scroll.top + i == ss->scroll.cursor,
                 is_selected(ss, r->id), ss, &l);
    }
    if (ss->nshown == 0) {
        ui_put(w, 2, 2, COLS - 4, ss->n ? "No session matches the filter."
                                        : "No upgrade session yet.", false);
    }
    if (footer_shown(ss)) {
        char f[256], safe[200];
        ui_escape(safe, sizeof safe, ss->filter, strlen(ss->filter), ui->ascii);
        snprintf(f, sizeof f, " filter: %s  quick: %s  selected: %zu  shown: %zu ",
                 safe[0] ? safe : "-", quick_names[ss->quick], ss->selected.n, ss->nshown);
        wattrset(w, ui_attr(ui, PAIR_DIM));
        ui_put(w, ui_rows() - 1, 0, COLS, f, true);
        wattrset(w, A_NORMAL);
    }
}

/* ---- saving ---- */

/* The ids to act on: the selection, or every session shown. */
static size_t target_ids(const struct sessions *ss, uint64_t **out)
{
    size_t n = ss->selected.n ? ss->n : ss->nshown, got = 0;
    *out = malloc((n ? n : 1) * sizeof **out);
    if (!*out)
        return 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t id = ss->selected.n ? ss->rows[i]->id : ss->shown[i]->id;
        if (!ss->selected.n || is_selected(ss, id))
            (*out)[got++] = id;
    }
    return got;
}

/* The packets of the chosen sessions: a snapshot of the spool under the store lock, the file
 * written with no lock held (a slow disk never stalls capture). */
static void save_pcap(struct sessions *ss, struct ui *ui)
{
    char path[512] = "upscope-sessions.pcap", err[512] = "out of memory";
    if (!ui_ask_file(ui, "Save packets to:", path, sizeof path))
        return;
    uint64_t *ids;
    size_t n = target_ids(ss, &ids), got = 0;
    struct session **sv = calloc(n ? n : 1, sizeof *sv);
    struct app *a = ui->app;
    struct export_job *job = NULL;
    store_lock(&a->store);
    for (size_t i = 0; sv && i < n; i++) {
        struct session *s = store_find(&a->store, ids[i]);
        if (s)
            sv[got++] = s;
    }
    if (sv)
        job = export_job_new(a->export, sv, got, err, sizeof err);
    store_unlock(&a->store);
    uint64_t lost = 0;
    if (job && export_job_run(job, path, &lost, err, sizeof err))
        ui_message(ui, "Saved the packets of %zu session(s) to %s%s", got, path,
                   lost ? " (the oldest were no longer kept: --spool-max)" : "");
    else
        ui_message(ui, "Saving failed: %s", err);
    export_job_free(job);
    free(sv);
    free(ids);
}

/* The chosen sessions' reports: made under the store lock, written after it. */
static void export_json(struct sessions *ss, struct ui *ui)
{
    char path[512] = "upscope-sessions.ndjson";
    if (!ui_ask_file(ui, "Export reports to:", path, sizeof path))
        return;
    uint64_t *ids;
    size_t n = target_ids(ss, &ids), made = 0;
    char **lines = calloc(n ? n : 1, sizeof *lines);
    store_lock(&ui->app->store);
    for (size_t i = 0; lines && i < n; i++) {
        struct session *s = store_find(&ui->app->store, ids[i]);
        if (s && (lines[made] = report_json_string(s)))
            made++;
    }
    store_unlock(&ui->app->store);
    FILE *f = lines ? fopen(path, "w") : NULL;
    bool ok = f != NULL;
    for (size_t i = 0; i < made; i++) {
        ok = ok && fputs(lines[i], f) >= 0 && fputc('\n', f) != EOF;
        free(lines[i]);
    }
    if (f && fclose(f) != 0)
        ok = false;
    if (ok)
        ui_message(ui, "Exported %zu report(s) to %s", made, path);
    else
        ui_message(ui, "Export to %s failed: %s", path, lines ? strerror(errno) : "out of memory");
    free(lines);
    free(ids);
}

/* ---- keys ---- */

/* The chosen column after c, in the order shown (c itself may have been hidden since). */
static enum column next_sort(const struct column_set *set, enum column c)
{
    int at = 0;
    for (int i = 0; i < COL_COUNT; i++)
        if (set->order[i] == c)
            at = i;
    for (int k = 1; k <= COL_COUNT; k++) {
        int next = set->order[(at + k) % COL_COUNT];
        if (set->on[next])
            return (enum column)next;
    }
    return COL_ID;
}

static enum key_result sessions_key(struct screen *sc, struct ui *ui, enum ui_action act)
{
    struct sessions *ss = sc->state;
    const struct row *cur = ss->nshown ? ss->shown[ss->scroll.cursor] : NULL;
    if (ui_scroll_key(&ss->scroll, act, (long)ss->nshown, list_rows(ss))) {
        if (ss->nshown)
            ss->cursor_id = ss->shown[ss->scroll.cursor]->id;
        return KEY_HANDLED;
    }
    switch (act) {
    case ACT_OPEN:
        if (cur)
            ui_push(ui, ui_detail_new(ui, cur->id));
        return KEY_HANDLED;
    case ACT_LADDER:
        if (cur)
            ui_push(ui, ui_ladder_new(ui, cur->id));
        return KEY_HANDLED;
    case ACT_FILTER:
        ui_prompt(ui, "Filter:", ss->filter, sizeof ss->filter);
        break;
    case ACT_QUICK_FILTER:
        ss->quick = (enum quick)((ss->quick + 1) % QUICK_COUNT);
        ui_message(ui, "Quick filter: %s", quick_names[ss->quick]);
        break;
    case ACT_SORT:
        ss->sort = next_sort(&ss->columns, ss->sort);
        ui_message(ui, "Sorted by %s", column_info(ss->sort)->head);
        break;
    case ACT_COLUMNS:
        ui_push(ui, ui_columns_new(ui, &ss->columns));
        return KEY_HANDLED;
    case ACT_SORT_REVERSE:
        ss->reverse = !ss->reverse;
        break;
    case ACT_SELECT:
        if (cur) {
            toggle(ss, cur->id);
            ui_scroll_key(&ss->scroll, ACT_DOWN, (long)ss->nshown, list_rows(ss));
            ss->cursor_id = ss->shown[ss->scroll.cursor]->id;
        }
        return KEY_HANDLED;
    case ACT_SELECT_ALL:
        if (ss->selected.n)
            idset_free(&ss->selected);
        else
            for (size_t i = 0; i < ss->nshown; i++)
                idset_add(&ss->selected, ss->shown[i]->id);
        return KEY_HANDLED;
    case ACT_SAVE_PCAP:
        save_pcap(ss, ui);
        return KEY_HANDLED;
    case ACT_EXPORT_JSON:
        export_json(ss, ui);
        return KEY_HANDLED;
    case ACT_BACK:
        return KEY_HANDLED; /* nothing below the list */
    default:
        return KEY_UNHANDLED;
    }
    apply_view(ss);
    return KEY_HANDLED;
}

static void sessions_destroy(void *state)
{
    struct sessions *ss = state;
    for (size_t i = 0; i < ss->n; i++)
        free(ss->rows[i]);
    free(ss->rows);
    free(ss->shown);
    idset_free(&ss->selected);
    free(ss);
}

static const struct screen_ops sessions_ops = {
    .name = "sessions",
    .update = sessions_refresh,
    .draw = sessions_draw,
    .key = sessions_key,
    .destroy = sessions_destroy,
};

struct screen *ui_sessions_new(struct ui *ui, const struct column_set *columns)
{
    (void)ui;
    struct sessions *ss = calloc(1, sizeof *ss);
    if (!ss)
        return NULL;
    ss->sort = COL_ID;
    ss->columns = *columns;
    measure_columns(ss);
    return ui_screen_new(&sessions_ops, ss);
}
