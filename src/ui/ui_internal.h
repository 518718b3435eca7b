/* ui_internal: what the UI's screens share — the UI context, the screen interface and the
 * panel stack, colours, the prompt and the message line.
 *
 * A screen is a small object (sngrep's idea): update() copies what it will draw out of the
 * sessions while the store lock is held, draw() draws from that copy with no lock held, key()
 * answers a key with handled or not (not: the global keys get it). Open screens are a stack of
 * ncurses panels; the top one is drawn and gets the keys. */
#ifndef UPSCOPE_UI_INTERNAL_H
#define UPSCOPE_UI_INTERNAL_H

#include <ncurses.h>
#include <panel.h>
#include <stdbool.h>
#include <stdint.h>

#include "app.h"
#include "keymap.h"

enum ui_pair { PAIR_NONE, PAIR_BAR, PAIR_CURSOR, PAIR_ERROR, PAIR_WARNING, PAIR_INFO, PAIR_OK,
               PAIR_DIM, PAIR_MARK, PAIR_COUNT };

enum key_result { KEY_UNHANDLED, KEY_HANDLED };

struct ui;
struct screen;

struct screen_ops {
    const char *name;
    void (*update)(struct screen *sc, struct ui *ui);      /* store lock held */
    void (*draw)(struct screen *sc, struct ui *ui);
    enum key_result (*key)(struct screen *sc, struct ui *ui, enum ui_action act);
    void (*destroy)(void *state);
};

struct screen {
    const struct screen_ops *ops;
    WINDOW *win;                 /* LINES - 2 rows, between the title and status bars */
    PANEL *panel;
    void *state;
    bool stale;                  /* needs a refresh before the next draw */
};

#define UI_MAX_SCREENS 8

struct ui {
    struct app *app;
    SCREEN *screen;              /* on the terminal: output to stdout, keys from keys_in */
    FILE *keys_in;               /* /dev/tty */
    bool ascii;                  /* the terminal is not UTF-8 */
    bool color;
    WINDOW *title, *status;
    struct screen *stack[UI_MAX_SCREENS];
    int depth;
    bool quit, paused;
    char message[256];           /* shown on the status bar for a while */
    uint64_t message_until_ms;
    struct app_status counts;    /* copied with the last refresh */
    uint32_t sessions, sessions_evicted;
    uint64_t rate_packets, rate_ms;
    double rate;                 /* packets per second */
};

/* The content area's size. */
int ui_rows(void);
int ui_cols(void);

/* Screens: created with their state, pushed on the stack, popped (and destroyed). */
struct screen *ui_screen_new(const struct screen_ops *ops, void *state);
void ui_push(struct ui *ui, struct screen *sc);
void ui_pop(struct ui *ui);

/* Asks a question on the status line; false if the user pressed Esc. buf holds the default. */
bool ui_prompt(struct ui *ui, const char *question, char *buf, size_t cap);

/* Asks a yes/no question on the status line: true only for y. */
bool ui_confirm(struct ui *ui, const char *question);

/* Asks for the file to write to, starting from buf: false if the user gave none, pressed Esc,
 * or would not overwrite the file that exists there. */
bool ui_ask_file(struct ui *ui, const char *question, char *buf, size_t cap);

void ui_message(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The attribute for a colour pair (bold/reverse when colours are off). */
attr_t ui_attr(const struct ui *ui, enum ui_pair pair);

/* A wire string, escaped for this terminal, into buf. */
void ui_wire(const struct ui *ui, char *buf, size_t cap, const char *s);

/* Marks used by the checklist and the ladder: tick, cross, n/a, arrows, in UTF-8 or ASCII. */
const char *ui_glyph(const struct ui *ui, int which);
enum { GLYPH_OK, GLYPH_FAIL, GLYPH_NA, GLYPH_RIGHT, GLYPH_LEFT, GLYPH_LINE };

/* The screens. */
struct column_set;
struct screen *ui_sessions_new(struct ui *ui, const struct column_set *columns);
struct screen *ui_detail_new(struct ui *ui, uint64_t session_id);
struct screen *ui_ladder_new(struct ui *ui, uint64_t session_id);
struct screen *ui_payload_new(struct ui *ui, uint64_t session_id, int event);
struct screen *ui_help_new(struct ui *ui);

/* Cursor and scrolling shared by every list-like screen. */
struct ui_scroll {
    long cursor, top;
};
bool ui_scroll_key(struct ui_scroll *sc, enum ui_action act, long count, int rows);
void ui_scroll_fit(struct ui_scroll *sc, long count, int rows);

#endif
