/* http_fields: lists, tokens and parameters of HTTP field values (RFC 9110 §5.6). */
#include "http_fields.h"

#include <string.h>
#include <strings.h>

bool http_is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool http_is_token(struct span s)
{
    if (s.n == 0)
        return false;
    for (size_t i = 0; i < s.n; i++)
        if (!http_is_tchar((unsigned char)s.p[i]))
            return false;
    return true;
}

bool span_eq_ci(struct span s, const char *lit)
{
    size_t n = strlen(lit);
    return s.n == n && strncasecmp(s.p, lit, n) == 0;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

struct span span_trim(struct span s)
{
    while (s.n && is_ows(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n && is_ows(s.p[s.n - 1]))
        s.n--;
    return s;
}

/* Length up to the next `stop` character outside a quoted string (RFC 9110 §5.6.4). */
static size_t scan_to(struct span s, char stop)
{
    bool quoted = false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (quoted && c == '\\') {
            i++; /* quoted-pair: the next byte is literal */
        } else if (c == '"') {
            quoted = !quoted;
        } else if (c == stop && !quoted) {
            return i;
        }
    }
    return s.n;
}

bool list_next(struct span *rest, struct span *elem)
{
    while (rest->n) {
        size_t k = scan_to(*rest, ',');
        struct span e = { rest->p, k };
        size_t used = k < rest->n ? k + 1 : k;
        rest->p += used;
        rest->n -= used;
        e = span_trim(e);
        if (e.n) { /* RFC 9110 §5.6.1: empty elements do not count */
            *elem = e;
            return true;
        }
    }
    return false;
}

struct span param_first(struct span elem, struct span *rest)
{
    size_t k = scan_to(elem, ';');
    struct span first = span_trim((struct span){ elem.p, k });
    size_t used = k < elem.n ? k + 1 : k;
    rest->p = elem.p + used;
    rest->n = elem.n - used;
    return first;
}

bool param_next(struct span *rest, struct span *name, struct span *value, bool *has_value,
                bool *quoted)
{
    while (rest->n) {
        size_t k = scan_to(*rest, ';');
        struct span p = span_trim((struct span){ rest->p, k });
        size_t used = k < rest->n ? k + 1 : k;
        rest->p += used;
        rest->n -= used;
        if (p.n == 0)
            continue;
        const char *eq = memchr(p.p, '=', p.n);
        *quoted = false;
        if (!eq) {
            *name = p;
            value->p = p.p + p.n;
            value->n = 0;
            *has_value = false;
            return true;
        }
        *name = span_trim((struct span){ p.p, (size_t)(eq - p.p) });
        struct span v = span_trim((struct span){ eq + 1, (size_t)(p.p + p.n - eq - 1) });
        if (v.n >= 2 && v.p[0] == '"' && v.p[v.n - 1] == '"') {
            v.p++;
            v.n -= 2;
            *quoted = true;
        }
        *value = v;
        *has_value = true;
        return true;
    }
    return false;
}
