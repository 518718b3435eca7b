/* json_arena: a bump allocator under jansson for one report tree at a time (see json_arena.h). */
#include "json_arena.h"

#include <jansson.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define BLOCK_SIZE (64u * 1024u)
#define ALIGN alignof(max_align_t)

struct block {
    struct block *next;
    char *end;                 /* one past the last usable byte */
    alignas(max_align_t) char data[];
};

/* The calling thread's arena: the hooks have no context argument (see the header). */
static _Thread_local struct block *blocks;    /* newest first */
static _Thread_local char *cursor;            /* free space in blocks' newest block */
static _Thread_local bool active;

static bool owned(const void *p)
{
    for (const struct block *b = blocks; b; b = b->next)
        if ((const char *)p >= b->data && (const char *)p < b->end)
            return true;
    return false;
}

static void *arena_malloc(size_t n)
{
    if (!active)
        return malloc(n);
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need < n)
        return NULL;
    if (!blocks || (size_t)(blocks->end - cursor) < need) {
        size_t size = need > BLOCK_SIZE ? need : BLOCK_SIZE; /* a large string: its own block */
        struct block *b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->end = b->data + size;
        b->next = blocks;
        blocks = b;
        cursor = b->data;
    }
    void *p = cursor;
    cursor += need;
    return p;
}

static void arena_free(void *p)
{
    if (p && !owned(p)) /* the arena's nodes go all at once, in json_arena_drop */
        free(p);
}

static void install(void)
{
    json_set_alloc_funcs(arena_malloc, arena_free);
}

void json_arena_begin(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install);
    active = true;
}

void json_arena_end(void)
{
    active = false;
}

void json_arena_drop(void)
{
    active = false;
    while (blocks) {
        struct block *next = blocks->next;
        free(blocks);
        blocks = next;
    }
    cursor = NULL;
}
