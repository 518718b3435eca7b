/* ui_text: putting text on the screen — wire strings escaped, UTF-8 measured in display
 * columns, cut to a width without splitting a character. */
#ifndef UPSCOPE_UI_TEXT_H
#define UPSCOPE_UI_TEXT_H

#include <ncurses.h>
#include <stdbool.h>
#include <stddef.h>

/* Escapes wire bytes for the screen into out (see escape.h); ascii: the terminal is not UTF-8,
 * so every non-ASCII character is escaped too. */
void ui_escape(char *out, size_t cap, const void *p, size_t n, bool ascii);

/* Draws UTF-8 text (already safe) at y, x in at most width columns, padding with spaces when
 * pad is set. Returns the columns used. */
int ui_put(WINDOW *w, int y, int x, int width, const char *text, bool pad);

/* Display columns of UTF-8 text. */
int ui_width(const char *text);

#endif
