/* keymap: the key table (see keymap.h). */
#include "keymap.h"

#include <ncurses.h>

static const struct ui_key_binding bindings[] = {
    { ACT_UP, "Up, k", "previous line" },
    { ACT_DOWN, "Down, j", "next line" },
    { ACT_PAGE_UP, "PgUp", "previous page" },
    { ACT_PAGE_DOWN, "PgDn", "next page" },
    { ACT_HOME, "Home, g", "first line" },
    { ACT_END, "End, G", "last line" },
    { ACT_OPEN, "Enter", "open: session detail, then ladder, then a message's payload" },
    { ACT_LADDER, "l", "the session's ladder (sequence diagram)" },
    { ACT_BACK, "Esc, Left, h", "back to the screen below" },
    { ACT_FILTER, "/", "filter sessions: text anywhere in a row (empty: no filter)" },
    { ACT_QUICK_FILTER, "f", "quick filter: all, WebSocket, h2c, TLS, with findings, switched" },
    { ACT_SORT, "o", "sort by the next column" },
    { ACT_SORT_REVERSE, "O", "reverse the sort" },
    { ACT_COLUMNS, "c", "choose the columns of the session list (also --columns)" },
    { ACT_SELECT, "Space", "select or unselect the session, and move to the next" },
    { ACT_SELECT_ALL, "a", "select all sessions shown, or none" },
    { ACT_SAVE_PCAP, "s", "save the selected (or all shown) sessions' packets to a pcap file" },
    { ACT_EXPORT_JSON, "e", "export the selected (or all shown) sessions' NDJSON reports" },
    { ACT_PAUSE, "p", "pause or resume the display (capture goes on)" },
    { ACT_HELP, "?, F1", "this help" },
    { ACT_QUIT, "q", "quit" },
};

enum ui_action keymap_action(int ch)
{
    switch (ch) {
    case KEY_UP: case 'k': return ACT_UP;
    case KEY_DOWN: case 'j': return ACT_DOWN;
    case KEY_PPAGE: return ACT_PAGE_UP;
    case KEY_NPAGE: return ACT_PAGE_DOWN;
    case KEY_HOME: case 'g': return ACT_HOME;
    case KEY_END: case 'G': return ACT_END;
    case '\n': case '\r': case KEY_ENTER: case KEY_RIGHT: return ACT_OPEN;
    case 'l': return ACT_LADDER;
    case 27: case KEY_LEFT: case KEY_BACKSPACE: case 127: case 'h': return ACT_BACK;
    case '/': return ACT_FILTER;
    case 'f': return ACT_QUICK_FILTER;
    case 'o': return ACT_SORT;
    case 'O': return ACT_SORT_REVERSE;
    case 'c': return ACT_COLUMNS;
    case ' ': return ACT_SELECT;
    case 'a': return ACT_SELECT_ALL;
    case 's': return ACT_SAVE_PCAP;
    case 'e': return ACT_EXPORT_JSON;
    case 'p': return ACT_PAUSE;
    case '?': case KEY_F(1): return ACT_HELP;
    case 'q': return ACT_QUIT;
    default: return ACT_NONE;
    }
}

const struct ui_key_binding *keymap_bindings(int *n)
{
    *n = (int)(sizeof bindings / sizeof bindings[0]);
    return bindings;
}
