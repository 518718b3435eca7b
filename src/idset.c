/* idset: open-addressing set of 64-bit ids (see idset.h). */
#include "idset.h"

#include <stdlib.h>

static size_t home(const struct idset *s, uint64_t id)
{
    id ^= id >> 33; /* ids are counters: mix the bits before masking (murmur3's finaliser) */
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return (size_t)id & (s->cap - 1);
}

static bool grow(struct idset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    uint64_t *old = s->slot, *nv = calloc(cap, sizeof *nv);
    if (!nv)
        return false;
    size_t old_cap = s->cap;
    s->slot = nv;
    s->cap = cap;
    s->n = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i])
            idset_add(s, old[i]);
    free(old);
    return true;
}

bool idset_add(struct idset *s, uint64_t id)
{
    if ((s->n + 1) * 4 > s->cap * 3 && !grow(s))
        return false;
    for (size_t i = home(s, id);; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i] == id)
            return true;
        if (!s->slot[i]) {
            s->slot[i] = id;
            s->n++;
            return true;
        }
    }
}

bool idset_has(const struct idset *s, uint64_t id)
{
    if (!s->cap)
        return false;
    for (size_t i = home(s, id); s->slot[i]; i = (i + 1) & (s->cap - 1))
        if (s->slot[i] == id)
            return true;
    return false;
}

void idset_del(struct idset *s, uint64_t id)
{
    if (!s->cap)
        return;
    size_t mask = s->cap - 1, i = home(s, id);
    while (s->slot[i] && s->slot[i] != id)
        i = (i + 1) & mask;
    if (!s->slot[i])
        return;
    /* backward shift: move later members of the probe run into the hole when their home
     * allows it, so lookups never stop early at an emptied slot */
    for (size_t j = (i + 1) & mask; s->slot[j]; j = (j + 1) & mask) {
        size_t h = home(s, s->slot[j]);
        if (((j - h) & mask) >= ((j - i) & mask)) {
            s->slot[i] = s->slot[j];
            i = j;
        }
    }
    s->slot[i] = 0;
    s->n--;
}

void idset_free(struct idset *s)
{
    free(s->slot);
    s->slot = NULL;
    s->cap = s->n = 0;
}
