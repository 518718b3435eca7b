/* bytes: copying wire bytes into C strings. Wire bytes may hold NULs, so strndup would cut
 * them short; this copies exactly n bytes and adds the terminator. */
#ifndef UPSCOPE_BYTES_H
#define UPSCOPE_BYTES_H

#include <stdlib.h>
#include <string.h>

static inline char *bytes_dup(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

#endif
