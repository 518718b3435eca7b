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
#include "ui_internal.h"
#include "ui_text.h"

enum column { COL_ID, COL_START, COL_CLIENT, COL_SERVER, COL_PROTO, COL_OUTCOME, COL_STATUS,
              COL_VERDICT, COL_FRAMES, COL_NDPI, COL_COUNT };

static const char *const column_names[COL_COUNT] = {
    "#", "Start", "Client", "Server", "Proto", "Outcome", "St", "Verdict", "Frames", "nDPI",
};

/* What a row shows, copied out of a session. */
struct row {
    uint64_t id;
    uint64_t stamp;              /* the session's ui_stamp when the row was made */
    ts_us_t start;
    char client[64], server[64], ndpi[48];
    uint8_t transition, outcome;
    int status;
    uint32_t errors, warnings, infos;
    uint64_t volume;             /* frames, or stream bytes when there are none */
    bool frames;
    uint8_t lock;                /* enum lock_state */
    bool over_h2;                /* carried by an HTTP/2 stream (RFC 8441) */
    bool open;
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
};

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

/* Frames or records, as each protocol's part counts them (stream bytes if none). */
static uint64_t volume_of(const struct session *s, bool *frames)
{
    uint64_t v = 0;
    for (int p = 0; p < PROTO_COUNT; p++) {
        const struct dissector *m = dissector_get((enum proto)p);
        const void *part = session_part_get(s, (enum proto)p);
        if (m && m->volume && part)
            v += m->volume(part);
    }
    *frames = v > 0;
    return v ? v : s->stats.stream_bytes[0] + s->stats.stream_bytes[1];
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
    r->volume = volume_of(s, &r->frames);
    r->lock = (uint8_t)lock_of(s);
    r->over_h2 = s->ncarriers && s->carried_by[s->ncarriers - 1].proto == PROTO_HTTP2;
    r->open = open;
    fill_haystack(ui, r, s);
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
    case COL_FRAMES: v = (a->volume > b->volume) - (a->volume < b->volume); break;
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

/* Filters and sorts the rows; runs with no lock held. */
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
    ui_scroll_fit(&ss->scroll, (long)ss->nshown, ui_rows() - 1);
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

struct widths {
    int w[COL_COUNT];
};

/* Fixed columns first; client and server share what is left, nDPI gets the rest. */
static struct widths layout(int cols)
{
    struct widths l = { { 5, 8, 0, 0, 7, 11, 3, 8, 8, 0 } };
    int fixed = COL_COUNT - 1; /* separators */
    for (int i = 0; i < COL_COUNT; i++)
        fixed += l.w[i];
    int left = cols - fixed - 2;
    int ep = left / 2 > 22 ? 22 : left / 2;
    if (ep < 9)
        ep = 9;
    l.w[COL_CLIENT] = l.w[COL_SERVER] = ep;
    l.w[COL_NDPI] = left - 2 * ep > 0 ? left - 2 * ep : 0;
    return l;
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

static void draw_row(struct ui *ui, WINDOW *w, int y, const struct row *r, bool cursor,
                     bool selected, const struct widths *l)
{
    char cell[COL_COUNT][96];
    static const char *const proto[TRANSITION_COUNT] = { "-", "WS", "h2c", "TLS", "h2" };
    enum ui_pair vpair;
    snprintf(cell[COL_ID], sizeof cell[0], "%llu", (unsigned long long)r->id);
    report_time(r->start, cell[COL_START], sizeof cell[0], false);
    memmove(cell[COL_START], cell[COL_START] + 11, 9); /* HH:MM:SS */
    snprintf(cell[COL_CLIENT], sizeof cell[0], "%s", r->client);
    snprintf(cell[COL_SERVER], sizeof cell[0], "%s", r->server);
    /* the lock after the protocol: open, decrypted (WS🔓); closed, not readable (TLS🔒) */
    static const char *const lock[2][3] = { { "", "\U0001F513", "\U0001F512" },
                                            { "", "+", "-" } };
    const char *name = r->transition == TRANSITION_NONE && r->lock ? "TLS" : proto[r->transition];
    snprintf(cell[COL_PROTO], sizeof cell[0], "%s%s%s", name, r->over_h2 ? "/h2" : "",
             lock[ui->ascii][r->lock]);
    snprintf(cell[COL_OUTCOME], sizeof cell[0], "%s%s", outcome_name(r->outcome),
             r->open ? "*" : "");
    snprintf(cell[COL_STATUS], sizeof cell[0], r->status ? "%d" : "-", r->status);
    verdict(r, cell[COL_VERDICT], sizeof cell[0], &vpair);
    snprintf(cell[COL_FRAMES], sizeof cell[0], r->frames ? "%llu" : "%lluB",
             (unsigned long long)r->volume);
    snprintf(cell[COL_NDPI], sizeof cell[0], "%s", r->ndpi);
    attr_t base = cursor ? ui_attr(ui, PAIR_CURSOR) : A_NORMAL;
    wattrset(w, base);
    mvwaddch(w, y, 0, selected ? '*' : ' ');
    int x = 1;
    for (int c = 0; c < COL_COUNT; c++) {
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

static void sessions_draw(struct screen *sc, struct ui *ui)
{
    struct sessions *ss = sc->state;
    WINDOW *w = sc->win;
    if (ss->dirty)
        apply_view(ss);
    struct widths l = layout(COLS);
    wattrset(w, A_BOLD);
    int x = 1;
    for (int c = 0; c < COL_COUNT; c++) {
        if (l.w[c] <= 0)
            continue;
        char head[32];
        snprintf(head, sizeof head, "%s%s", column_names[c],
                 (enum column)c == ss->sort ? (ss->reverse ? "v" : "^") : "");
        ui_put(w, 0, x, l.w[c], head, true);
        x += l.w[c] + 1;
    }
    wattrset(w, A_NORMAL);
    int rows = ui_rows() - 1;
    for (int i = 0; i < rows && ss->scroll.top + i < (long)ss->nshown; i++) {
        const struct row *r = ss->shown[ss->scroll.top + i];
        draw_row(ui, w, 1 + i, r, ss->scroll.top + i == ss->scroll.cursor,
                 is_selected(ss, r->id), &l);
    }
    if (ss->nshown == 0) {
        ui_put(w, 2, 2, COLS - 4, ss->n ? "No session matches the filter."
                                        : "No upgrade session yet.", false);
    }
    if (ss->filter[0] || ss->quick != QUICK_ALL || ss->selected.n) {
        char f[256], safe[200];
        ui_escape(safe, sizeof safe, ss->filter, strlen(ss->filter), ui->ascii);
        snprintf(f, sizeof f, " filter: %s  quick: %s  selected: %zu  shown: %zu ",
                 safe[0] ? safe : "-", quick_names[ss->quick], ss->selected.n, ss->nshown);
        wattrset(w, ui_attr(ui, PAIR_DIM));
        ui_put(w, ui_rows() - 1, 0, COLS, f, false);
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
    if (!ui_prompt(ui, "Save packets to:", path, sizeof path) || !path[0])
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
    if (!ui_prompt(ui, "Export reports to:", path, sizeof path) || !path[0])
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

static enum key_result sessions_key(struct screen *sc, struct ui *ui, enum ui_action act)
{
    struct sessions *ss = sc->state;
    const struct row *cur = ss->nshown ? ss->shown[ss->scroll.cursor] : NULL;
    if (ui_scroll_key(&ss->scroll, act, (long)ss->nshown, ui_rows() - 1)) {
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
        ss->sort = (enum column)((ss->sort + 1) % COL_COUNT);
        ui_message(ui, "Sorted by %s", column_names[ss->sort]);
        break;
    case ACT_SORT_REVERSE:
        ss->reverse = !ss->reverse;
        break;
    case ACT_SELECT:
        if (cur) {
            toggle(ss, cur->id);
            ui_scroll_key(&ss->scroll, ACT_DOWN, (long)ss->nshown, ui_rows() - 1);
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

struct screen *ui_sessions_new(struct ui *ui)
{
    (void)ui;
    struct sessions *ss = calloc(1, sizeof *ss);
    if (!ss)
        return NULL;
    ss->sort = COL_ID;
    return ui_screen_new(&sessions_ops, ss);
}
