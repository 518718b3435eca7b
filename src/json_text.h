/* json_text: a jansson tree as compact, ASCII-only JSON text — byte for byte what
 * json_dumps(JSON_COMPACT | JSON_ENSURE_ASCII) writes for it, faster.
 *
 * jansson (2.13 and later) checks every object and array it dumps for a reference loop by
 * formatting the node's address with snprintf and inserting it into a hash table, and grows
 * its output through a callback per piece: writing a session's NDJSON line took longer than
 * building its tree, a tenth of a default run and most of an --all run. The trees upscope
 * builds are fresh and acyclic, so this writer walks them without the check, into one growing
 * buffer. Numbers that are not integers are still written by jansson (they are rare, and its
 * formatting of doubles is the contract). tests/check_json_text.c holds it to json_dumps on
 * random trees. */
#ifndef UPSCOPE_JSON_TEXT_H
#define UPSCOPE_JSON_TEXT_H

#include <jansson.h>

/* The text of v (an object or an array), NUL-terminated, to free(); NULL if out of memory or
 * v holds what json_dumps would refuse (a string that is not UTF-8). */
char *json_text(const json_t *v);

#endif
