/* ui_columns: the session list's columns — their names, headings and importance — which of
 * them are shown and in what order (--columns=LIST, or the chooser screen, key c). The list
 * sizes the shown columns to the terminal and their content, dropping the least important
 * first (ui_sessions.c). */
#ifndef UPSCOPE_UI_COLUMNS_H
#define UPSCOPE_UI_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>

enum column { COL_ID, COL_START, COL_CLIENT, COL_SERVER, COL_PROTO, COL_OUTCOME, COL_STATUS,
              COL_VERDICT, COL_FRAMES, COL_BYTES, COL_NDPI, COL_COUNT };

struct column_info {
    const char *name;            /* in --columns and the chooser: "client" */
    const char *head;            /* the heading: "Client" */
    const char *what;            /* for the chooser */
    int max;                     /* widest it grows, in display columns */
};

const struct column_info *column_info(enum column c);

/* Which columns are shown, in what order: order is every column once, the chosen first. */
struct column_set {
    unsigned char order[COL_COUNT];
    bool on[COL_COUNT];
};

/* Every column, in the table's order. */
void columns_default(struct column_set *set);

/* "client,server,proto": those columns, in that order (# is always first). False with a
 * message in err naming the unknown column. list NULL: the default. */
bool columns_parse(const char *list, struct column_set *set, char *err, size_t errlen);

struct ui;
struct screen;
/* The chooser: Space or Enter turns the column under the cursor on or off. set must outlive
 * it (it is the session list's, which stays below it on the stack). */
struct screen *ui_columns_new(struct ui *ui, struct column_set *set);

#endif
