/* ui_text: width-aware drawing of escaped text (see ui_text.h). */
#include "ui_text.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "escape.h"

void ui_escape(char *out, size_t cap, const void *p, size_t n, bool ascii)
{
    escape_buf(out, cap, p, n, ESCAPE_TERMINAL);
    if (!ascii)
        return;
    /* a terminal that is not UTF-8: the escaped text's non-ASCII characters become \u{..} */
    char *tmp = strdup(out);
    if (!tmp)
        return;
    size_t o = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    for (const char *q = tmp; *q && o + 12 < cap;) {
        if ((unsigned char)*q < 0x80) {
            out[o++] = *q++;
            continue;
        }
        wchar_t wc;
        size_t k = mbrtowc(&wc, q, strlen(q), &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", (unsigned char)*q);
            q++;
            memset(&st, 0, sizeof st);
            continue;
        }
        o += (size_t)snprintf(out + o, cap - o, "\\u{%04X}", (unsigned)wc);
        q += k;
    }
    out[o] = '\0';
    free(tmp);
}

int ui_width(const char *text)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    int cols = 0;
    for (const char *q = text; *q;) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, q, strlen(q), &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
            return cols + (int)strlen(q); /* not UTF-8 here: one column a byte */
        int w = wcwidth(wc);
        cols += w > 0 ? w : 0;
        q += k;
    }
    return cols;
}

int ui_put(WINDOW *w, int y, int x, int width, const char *text, bool pad)
{
    if (width <= 0)
        return 0;
    wmove(w, y, x);
    int cols = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    for (const char *q = text; *q;) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, q, strlen(q), &st);
        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            wc = L'?'; /* cannot happen with escaped text; never print a raw byte */
            k = 1;
            memset(&st, 0, sizeof st);
        }
        int cw = wcwidth(wc);
        if (cw < 0)
            cw = 1;
        if (cols + cw > width)
            break;
        wchar_t one[2] = { wc, 0 };
        waddnwstr(w, one, 1);
        cols += cw;
        q += k;
    }
    while (pad && cols < width) {
        waddch(w, ' ');
        cols++;
    }
    return cols;
}
