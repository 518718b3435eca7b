/* escape: the one way untrusted bytes (headers, payloads, anything from the wire) become text.
 *
 * ESCAPE_TERMINAL keeps printable ASCII and printable UTF-8 and makes everything else visible:
 * C0/C1 controls and DEL as \xNN (\t \r \n \e by name), invalid UTF-8 bytes as \xNN, and
 * characters that can reorder or hide text (bidi overrides and isolates, zero-width and other
 * format characters) as \u{XXXX}. Nothing it returns can move the cursor, change colours or
 * set a terminal title.
 * ESCAPE_JSON keeps every valid UTF-8 character (jansson escapes controls itself) and writes
 * only invalid bytes as \xNN, so the result is always a valid JSON string. */
#ifndef UPSCOPE_ESCAPE_H
#define UPSCOPE_ESCAPE_H

#include <stddef.h>

enum escape_mode { ESCAPE_TERMINAL, ESCAPE_JSON };

/* Writes the escaped form of in[0..len) to out (always NUL-terminated when cap > 0). If it does
 * not fit, it is cut at a character boundary and ends with "...". Returns the length written:
 * in ESCAPE_JSON mode a NUL byte of the input is kept, so pass that length on (json_stringn),
 * not strlen(out). */
size_t escape_buf(char *out, size_t cap, const void *in, size_t len, enum escape_mode mode);

#endif
