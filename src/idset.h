/* idset: a set of non-zero 64-bit ids (connection ids), open addressing with linear probing
 * and backward-shift deletion. Grows as needed; every operation O(1) on average. */
#ifndef UPSCOPE_IDSET_H
#define UPSCOPE_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idset {
    uint64_t *slot;              /* 0: empty */
    size_t cap, n;               /* cap is a power of two */
};

/* False if memory runs out (the id is then not in the set). id must not be 0. */
bool idset_add(struct idset *s, uint64_t id);
bool idset_has(const struct idset *s, uint64_t id);
void idset_del(struct idset *s, uint64_t id);
void idset_free(struct idset *s);

#endif
