/* ui: terminal setup, the panel stack, the main loop, title and status bars, the prompt. */
#include "ui.h"

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "options.h"
#include "ui_columns.h"
#include "ui_internal.h"
#include "ui_text.h"

#define TICK_MS 100                  /* at most ten refreshes a second */
#define MESSAGE_MS 5000

static uint64_t now_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

int ui_rows(void)
{
    return LINES > 2 ? LINES - 2 : 1;
}

int ui_cols(void)
{
    return COLS;
}

attr_t ui_attr(const struct ui *ui, enum ui_pair pair)
{
    if (ui->color)
        return COLOR_PAIR(pair) | (pair == PAIR_BAR || pair == PAIR_ERROR ? A_BOLD : 0);
    switch (pair) {
    case PAIR_BAR: case PAIR_CURSOR: return A_REVERSE;
    case PAIR_ERROR: case PAIR_MARK: return A_BOLD;
    case PAIR_DIM: return A_DIM;
    default: return A_NORMAL;
    }
}

void ui_wire(const struct ui *ui, char *buf, size_t cap, const char *s)
{
    if (!s) {
        snprintf(buf, cap, "-");
        return;
    }
    ui_escape(buf, cap, s, strlen(s), ui->ascii);
}

const char *ui_glyph(const struct ui *ui, int which)
{
    static const char *const utf8[] = { "\u2713", "\u2717", "\u2013", "\u25b6", "\u25c0",
                                        "\u2500" };
    static const char *const ascii[] = { "+", "x", "-", ">", "<", "-" };
    return ui->ascii ? ascii[which] : utf8[which];
}

void ui_message(struct ui *ui, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->message, sizeof ui->message, fmt, ap);
    va_end(ap);
    ui->message_until_ms = now_ms() + MESSAGE_MS;
}

/* ---- scrolling lists ---- */

void ui_scroll_fit(struct ui_scroll *sc, long count, int rows)
{
    if (sc->cursor >= count)
        sc->cursor = count - 1;
    if (sc->cursor < 0)
        sc->cursor = 0;
    if (sc->top > sc->cursor)
        sc->top = sc->cursor;
    if (rows > 0 && sc->cursor >= sc->top + rows)
        sc->top = sc->cursor - rows + 1;
    if (sc->top < 0)
        sc->top = 0;
}

bool ui_scroll_key(struct ui_scroll *sc, enum ui_action act, long count, int rows)
{
    switch (act) {
    case ACT_UP: sc->cursor--; break;
    case ACT_DOWN: sc->cursor++; break;
    case ACT_PAGE_UP: sc->cursor -= rows; break;
    case ACT_PAGE_DOWN: sc->cursor += rows; break;
    case ACT_HOME: sc->cursor = 0; break;
    case ACT_END: sc->cursor = count - 1; break;
    default: return false;
    }
    ui_scroll_fit(sc, count, rows);
    return true;
}

/* ---- the screen stack ---- */

struct screen *ui_screen_new(const struct screen_ops *ops, void *state)
{
    struct screen *sc = calloc(1, sizeof *sc);
    if (!sc) {
        ops->destroy(state);
        return NULL;
    }
    sc->ops = ops;
    sc->state = state;
    sc->win = newwin(ui_rows(), ui_cols(), 1, 0);
    sc->panel = sc->win ? new_panel(sc->win) : NULL;
    if (!sc->panel) {
        if (sc->win)
            delwin(sc->win);
        ops->destroy(state);
        free(sc);
        return NULL;
    }
    keypad(sc->win, TRUE);
    sc->stale = true;
    return sc;
}

static void screen_free(struct screen *sc)
{
    del_panel(sc->panel);
    delwin(sc->win);
    sc->ops->destroy(sc->state);
    free(sc);
}

void ui_push(struct ui *ui, struct screen *sc)
{
    if (!sc)
        return;
    if (ui->depth == UI_MAX_SCREENS) {
        screen_free(sc);
        return;
    }
    ui->stack[ui->depth++] = sc;
    top_panel(sc->panel);
}

void ui_pop(struct ui *ui)
{
    if (ui->depth <= 1)
        return; /* the session list stays */
    screen_free(ui->stack[--ui->depth]);
    ui->stack[ui->depth - 1]->stale = true;
}

static struct screen *top(struct ui *ui)
{
    return ui->stack[ui->depth - 1];
}

/* ---- bars ---- */

static void draw_title(struct ui *ui)
{
    WINDOW *w = ui->title;
    wbkgd(w, ui_attr(ui, PAIR_BAR));
    werase(w);
    char line[512];
    snprintf(line, sizeof line, " upscope  %s%s", top(ui)->ops->name,
             ui->paused ? "  [PAUSED]" : "");
    ui_put(w, 0, 0, COLS, line, false);
    const char *keys = "?: help  q: quit ";
    if (COLS > ui_width(line) + (int)strlen(keys))
        ui_put(w, 0, COLS - (int)strlen(keys), (int)strlen(keys), keys, false);
    wnoutrefresh(w);
}

static void human_bytes(uint64_t b, char *buf, size_t n)
{
    if (b >= 10u << 20)
        snprintf(buf, n, "%llu MiB", (unsigned long long)(b >> 20));
    else
        snprintf(buf, n, "%llu KiB", (unsigned long long)(b >> 10));
}

static void draw_status(struct ui *ui)
{
    WINDOW *w = ui->status;
    const struct app_status *c = &ui->counts;
    wbkgd(w, ui_attr(ui, PAIR_BAR));
    werase(w);
    char line[512], mem[32], src[160], drops[48] = "";
    if (ui->message[0] && now_ms() < ui->message_until_ms) {
        ui_put(w, 0, 1, COLS - 1, ui->message, false);
        wnoutrefresh(w);
        return;
    }
    human_bytes(c->memory, mem, sizeof mem);
    const char *slash = strrchr(ui->app->cap.source, '/'); /* the file's name is enough */
    ui_wire(ui, src, sizeof src, slash ? slash + 1 : ui->app->cap.source);
    if (c->pcap_stats)
        snprintf(drops, sizeof drops, "  drops %llu", (unsigned long long)c->pcap_dropped);
    snprintf(line, sizeof line, "%s%s  pkts %llu%s  flows %llu  sessions %u%s  mem %s  "
             "%.0f pkt/s%s", ui->app->cap.live ? "live: " : "file: ", src,
             (unsigned long long)c->packets, drops, (unsigned long long)c->flows, ui->sessions,
             ui->sessions_evicted ? " (+evicted)" : "", mem, ui->rate,
             c->input_done ? (ui->app->cap.live ? "  [stopped]" : "  [end of file]") : "");
    ui_put(w, 0, 1, COLS - 1, line, false);
    wnoutrefresh(w);
}

/* ---- the prompt ---- */

bool ui_prompt(struct ui *ui, const char *question, char *buf, size_t cap)
{
    WINDOW *w = ui->status;
    size_t len = strlen(buf);
    curs_set(1);
    for (;;) {
        wbkgd(w, ui_attr(ui, PAIR_BAR));
        werase(w);
        char shown[600], safe[520];
        ui_escape(safe, sizeof safe, buf, len, ui->ascii);
        snprintf(shown, sizeof shown, " %s %s", question, safe);
        ui_put(w, 0, 0, COLS, shown, false);
        wrefresh(w);
        wtimeout(w, -1);
        int ch = wgetch(w);
        wtimeout(w, TICK_MS);
        if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
            break;
        if (ch == 27) {
            curs_set(0);
            return false;
        }
        if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && len > 0)
            buf[--len] = '\0';
        else if (ch == 21) /* Ctrl-U: clear the line, as in a shell */
            buf[len = 0] = '\0';
        else if (ch >= 32 && ch < 127 && len + 1 < cap) {
            buf[len++] = (char)ch;
            buf[len] = '\0';
        }
    }
    curs_set(0);
    return true;
}

bool ui_confirm(struct ui *ui, const char *question)
{
    WINDOW *w = ui->status;
    wbkgd(w, ui_attr(ui, PAIR_BAR));
    werase(w);
    char shown[600];
    snprintf(shown, sizeof shown, " %s (y/N) ", question);
    ui_put(w, 0, 0, COLS, shown, false);
    wrefresh(w);
    wtimeout(w, -1);
    int ch;
    while ((ch = wgetch(w)) == KEY_RESIZE)
        ;
    wtimeout(w, TICK_MS);
    return ch == 'y' || ch == 'Y';
}

bool ui_ask_file(struct ui *ui, const char *question, char *buf, size_t cap)
{
    if (!ui_prompt(ui, question, buf, cap) || !buf[0])
        return false;
    if (access(buf, F_OK) != 0)
        return true;
    char safe[520], q[600];
    ui_escape(safe, sizeof safe, buf, strlen(buf), ui->ascii);
    snprintf(q, sizeof q, "%s exists: overwrite it?", safe);
    if (ui_confirm(ui, q))
        return true;
    ui_message(ui, "Not written: %s is left as it was", safe);
    return false;
}

/* ---- set-up ---- */

static void init_colors(struct ui *ui)
{
    const char *no = getenv("NO_COLOR"); /* https://no-color.org */
    ui->color = has_colors() && !(no && no[0]);
    if (!ui->color)
        return;
    start_color();
    use_default_colors();
    init_pair(PAIR_BAR, COLOR_WHITE, COLOR_BLUE);
    init_pair(PAIR_CURSOR, COLOR_BLACK, COLOR_CYAN);
    init_pair(PAIR_ERROR, COLOR_RED, -1);
    init_pair(PAIR_WARNING, COLOR_YELLOW, -1);
    init_pair(PAIR_INFO, COLOR_CYAN, -1);
    init_pair(PAIR_OK, COLOR_GREEN, -1);
    init_pair(PAIR_DIM, COLOR_BLUE, -1);
    init_pair(PAIR_MARK, COLOR_MAGENTA, -1);
}

/* Keys come from the terminal itself, never from standard input: with `-r -` standard input
 * is the capture, and its bytes must not act as keystrokes (less and sngrep do the same). */
static bool init_terminal(struct ui *ui)
{
    setlocale(LC_ALL, "");
    const char *cs = nl_langinfo(CODESET);
    ui->ascii = !cs || strcmp(cs, "UTF-8") != 0;
    ui->keys_in = fopen("/dev/tty", "r");
    if (!ui->keys_in) {
        fprintf(stderr, "upscope: the UI reads keys from /dev/tty: %s\n", strerror(errno));
        return false;
    }
    ui->screen = newterm(NULL, stdout, ui->keys_in);
    if (!ui->screen) {
        fprintf(stderr, "upscope: cannot start the terminal UI (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "");
        fclose(ui->keys_in);
        return false;
    }
    set_term(ui->screen);
    cbreak();
    noecho();
    nonl();
    curs_set(0);
    set_escdelay(25);
    init_colors(ui);
    ui->title = newwin(1, COLS, 0, 0);
    ui->status = newwin(1, COLS, LINES - 1, 0);
    keypad(ui->status, TRUE);
    wtimeout(ui->status, TICK_MS);
    return ui->title && ui->status;
}

static void on_resize(struct ui *ui)
{
    wresize(ui->title, 1, COLS);
    wresize(ui->status, 1, COLS);
    mvwin(ui->status, LINES - 1, 0);
    for (int i = 0; i < ui->depth; i++) {
        struct screen *sc = ui->stack[i];
        wresize(sc->win, ui_rows(), ui_cols());
        replace_panel(sc->panel, sc->win);
        sc->stale = true;
    }
    clearok(curscr, TRUE);
}

/* ---- the loop ---- */

/* Copies what the top screen and the bars show, under the store lock, briefly. */
static void refresh_model(struct ui *ui)
{
    struct app *a = ui->app;
    store_lock(&a->store);
    ui->counts = a->status_bar;
    ui->sessions = a->store.n;
    ui->sessions_evicted = (uint32_t)a->store.evicted;
    top(ui)->ops->update(top(ui), ui);
    top(ui)->stale = false;
    store_unlock(&a->store);
    uint64_t ms = now_ms();
    if (ms > ui->rate_ms + 900) {
        if (ui->rate_ms)
            ui->rate = (double)(ui->counts.packets - ui->rate_packets) * 1000.0 /
                       (double)(ms - ui->rate_ms);
        ui->rate_packets = ui->counts.packets;
        ui->rate_ms = ms;
    }
}

static void draw(struct ui *ui)
{
    struct screen *sc = top(ui);
    werase(sc->win);
    sc->ops->draw(sc, ui);
    draw_title(ui);
    update_panels();
    draw_status(ui);
    doupdate(); /* one update of the physical screen: no flicker */
}

static void handle_global(struct ui *ui, enum ui_action act)
{
    switch (act) {
    case ACT_QUIT:
        ui->quit = true;
        break;
    case ACT_HELP:
        if (strcmp(top(ui)->ops->name, "help") != 0)
            ui_push(ui, ui_help_new(ui));
        break;
    case ACT_PAUSE:
        ui->paused = !ui->paused;
        break;
    case ACT_BACK:
        ui_pop(ui);
        break;
    default:
        break;
    }
}

bool ui_run(struct app *a)
{
    struct ui ui;
    memset(&ui, 0, sizeof ui);
    ui.app = a;
    struct column_set columns;
    char err[200];
    if (!columns_parse(a->opt->ui_columns, &columns, err, sizeof err)) {
        fprintf(stderr, "upscope: --columns: %s\n", err);
        return false;
    }
    if (!init_terminal(&ui))
        return false;
    ui_push(&ui, ui_sessions_new(&ui, &columns));
    uint64_t last_version = (uint64_t)-1, last_tick = 0;
    while (!ui.quit && !app_stopping(a) && ui.depth > 0) {
        uint64_t ms = now_ms();
        bool changed = store_version(&a->store) != last_version || top(&ui)->stale;
        if (ms >= last_tick + TICK_MS && (!ui.paused || top(&ui)->stale)) {
            last_version = store_version(&a->store);
            refresh_model(&ui);
            last_tick = ms;
            changed = true;
        }
        if (changed || ms < ui.message_until_ms + TICK_MS)
            draw(&ui);
        int ch = wgetch(ui.status);
        if (ch == ERR)
            continue;
        if (ch == KEY_RESIZE) {
            on_resize(&ui);
            continue;
        }
        enum ui_action act = keymap_action(ch);
        struct screen *sc = top(&ui);
        if (act != ACT_NONE && sc->ops->key(sc, &ui, act) == KEY_UNHANDLED)
            handle_global(&ui, act);
        top(&ui)->stale = true;
    }
    while (ui.depth > 0)
        screen_free(ui.stack[--ui.depth]);
    delwin(ui.title);
    delwin(ui.status);
    endwin();
    /* No delscreen(): the panel library's pseudo panel for stdscr hangs off the SCREEN and
     * delscreen() does not free it (ncurses 6.4), so it would orphan it, a leak LeakSanitizer
     * reports. The process ends soon after; the SCREEN stays reachable until then. */
    fclose(ui.keys_in);
    return true;
}
