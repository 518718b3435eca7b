/* html_out: HTML text built in memory, where every string is escaped on its way in.
 *
 * Markup upscope writes goes in with html_raw/html_rawf (their arguments: numbers, class names,
 * catalogue strings — never wire bytes). Text goes in with html_text (escaped for element text
 * and for quoted attribute values alike: & < > " ' become entities) and bytes from the wire
 * with html_wire, which first makes controls, escape sequences, invalid UTF-8 and characters
 * that reorder or hide text visible (escape.h, ESCAPE_TERMINAL), then escapes for HTML. A
 * buffer that cannot grow (memory, or its cap) keeps what it has and says so in `failed`. */
#ifndef UPSCOPE_HTML_OUT_H
#define UPSCOPE_HTML_OUT_H

#include <stdbool.h>
#include <stddef.h>

struct html_out {
    char *p;                     /* NUL-terminated once anything was added */
    size_t n, cap;
    size_t max;                  /* grows no further than this (0: 256 MiB) */
    bool failed;                 /* something was not added */
};

void html_out_free(struct html_out *h);
/* The text (caller frees), leaving h empty; NULL if nothing was added. */
char *html_out_take(struct html_out *h);

void html_raw(struct html_out *h, const char *markup);
void html_rawf(struct html_out *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* upscope's own text (or text already escaped for the terminal) */
void html_text(struct html_out *h, const char *s);
void html_textn(struct html_out *h, const char *s, size_t n);
/* bytes from the wire; a NULL string shows as "-" */
void html_wire(struct html_out *h, const void *p, size_t n);
void html_wire_str(struct html_out *h, const char *s);
/* wire text of several lines (an HTTP head): each line escaped, line ends kept as line ends,
 * up to the first empty line */
void html_wire_lines(struct html_out *h, const char *p, size_t n);

/* An RFC reference from the findings catalogue ("RFC 6455 §4.2.2, RFC 9110 §7.8") with a link
 * to each section on rfc-editor.org. */
void html_rfc(struct html_out *h, const char *ref);

#endif
