/* store: the bounded, locked list of sessions the UI reads (see store.h). */
#include "store.h"

#include <stdlib.h>
#include <string.h>

bool store_init(struct store *st, uint32_t max_sessions)
{
    memset(st, 0, sizeof *st);
    st->cap = max_sessions ? max_sessions : 1;
    st->v = calloc(st->cap, sizeof *st->v);
    if (!st->v)
        return false;
    pthread_mutex_init(&st->lock, NULL);
    return true;
}

void store_destroy(struct store *st)
{
    for (uint32_t i = 0; i < st->n; i++)
        session_free(st->v[i].s);
    free(st->v);
    st->v = NULL;
    st->n = 0;
    pthread_mutex_destroy(&st->lock);
}

void store_lock(struct store *st)
{
    pthread_mutex_lock(&st->lock);
}

void store_unlock(struct store *st)
{
    pthread_mutex_unlock(&st->lock);
}

void store_touch(struct store *st)
{
    __atomic_add_fetch(&st->version, 1, __ATOMIC_RELAXED);
}

void store_changed(struct store *st, struct session *s)
{
    s->ui_stamp = __atomic_add_fetch(&st->version, 1, __ATOMIC_RELAXED);
}

uint64_t store_version(struct store *st)
{
    return __atomic_load_n(&st->version, __ATOMIC_RELAXED);
}

/* Frees the oldest ended session; false if every session is still open. */
static bool evict_oldest_ended(struct store *st)
{
    for (uint32_t i = 0; i < st->n; i++) {
        if (!st->v[i].ended)
            continue;
        session_free(st->v[i].s);
        memmove(&st->v[i], &st->v[i + 1], (st->n - i - 1) * sizeof *st->v);
        st->n--;
        st->evicted++;
        return true;
    }
    return false;
}

void store_begin(struct store *st, struct session *s)
{
    if (st->n == st->cap && !evict_oldest_ended(st)) {
        st->untracked++;
        return;
    }
    st->v[st->n++] = (struct store_entry){ s, false };
    store_changed(st, s);
}

bool store_end(struct store *st, struct session *s)
{
    for (uint32_t i = st->n; i-- > 0;) {
        if (st->v[i].s == s) {
            st->v[i].ended = true;
            store_changed(st, s);
            return true;
        }
    }
    return false;
}

struct session *store_find(struct store *st, uint64_t id)
{
    for (uint32_t i = 0; i < st->n; i++)
        if (st->v[i].s->id == id)
            return st->v[i].s;
    return NULL;
}
