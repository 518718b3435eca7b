/* http_fields: the syntax of HTTP field values (RFC 9110 §5.6): comma-separated lists with
 * optional whitespace and quoted strings, tokens, and name=value parameters.
 *
 * Everything works on spans into someone else's bytes; nothing allocates. */
#ifndef UPSCOPE_HTTP_FIELDS_H
#define UPSCOPE_HTTP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "http_head.h"

/* RFC 9110 §5.6.2 tchar. */
bool http_is_tchar(unsigned char c);

/* True if s is a non-empty token. */
bool http_is_token(struct span s);

/* Case-insensitive comparison of a span with a C string. */
bool span_eq_ci(struct span s, const char *lit);

struct span span_trim(struct span s);

/* Takes the next element of a #list from *rest: OWS trimmed, empty elements skipped, commas
 * inside quoted strings kept. False when the list is exhausted. */
bool list_next(struct span *rest, struct span *elem);

/* Splits "name *( ; param )" (RFC 6455 §9.1, RFC 9110 §5.6.6): *rest starts after the first
 * ";"-separated part. param_next takes the next parameter; value is empty when there is none
 * (has_value false); a quoted value has its quotes removed (escapes left as sent). */
struct span param_first(struct span elem, struct span *rest);
bool param_next(struct span *rest, struct span *name, struct span *value, bool *has_value,
                bool *quoted);

#endif
