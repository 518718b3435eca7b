/* keymap: named actions and the keys that trigger them — one table, so the help screen and the
 * man page list exactly what the code does. */
#ifndef UPSCOPE_UI_KEYMAP_H
#define UPSCOPE_UI_KEYMAP_H

enum ui_action {
    ACT_NONE,
    ACT_UP, ACT_DOWN, ACT_PAGE_UP, ACT_PAGE_DOWN, ACT_HOME, ACT_END,
    ACT_OPEN,            /* Enter: detail, ladder, payload */
    ACT_LADDER,          /* l: straight to the ladder */
    ACT_BACK,            /* Esc, Backspace, h, Left: the screen below */
    ACT_FILTER,          /* / */
    ACT_QUICK_FILTER,    /* f */
    ACT_SORT,            /* o: next sort column */
    ACT_SORT_REVERSE,    /* O */
    ACT_COLUMNS,         /* c: choose the columns */
    ACT_SELECT,          /* Space */
    ACT_SELECT_ALL,      /* a */
    ACT_SAVE_PCAP,       /* s */
    ACT_EXPORT_JSON,     /* e */
    ACT_PAUSE,           /* p */
    ACT_HELP,            /* ?, F1 */
    ACT_QUIT,            /* q */
    ACT_COUNT
};

struct ui_key_binding {
    enum ui_action action;
    const char *keys;            /* as the help shows them */
    const char *what;
};

/* The action a key press means (ACT_NONE if none). */
enum ui_action keymap_action(int ch);

/* The table, for the help screen: ACT_COUNT - 1 entries, in help order. */
const struct ui_key_binding *keymap_bindings(int *n);

#endif
