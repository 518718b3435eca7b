/* check_json_text: json_text() against jansson's own json_dumps(JSON_COMPACT |
 * JSON_ENSURE_ASCII) — the oracle — on hand-picked values (every escape, code points at the
 * UTF-8 and UTF-16 boundaries, NUL inside strings and keys, integer extremes, doubles, empty
 * and nested containers) and on thousands of random trees; and trees built in json_arena's
 * blocks against the same trees built on the heap. */
#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "json_arena.h"
#include "json_text.h"

static void same_as_jansson(json_t *v)
{
    char *want = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);
    char *got = json_text(v);
    ck_assert_ptr_nonnull(want);
    ck_assert_ptr_nonnull(got);
    ck_assert_str_eq(got, want);
    free(want);
    free(got);
}

/* A code point as UTF-8 at p; its length. */
static size_t utf8(uint32_t cp, char *p)
{
    if (cp < 0x80) {
        p[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (char)(0xC0 | cp >> 6);
        p[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (char)(0xE0 | cp >> 12);
        p[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        p[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    p[0] = (char)(0xF0 | cp >> 18);
    p[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    p[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    p[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

START_TEST(every_kind_of_value)
{
    static const uint32_t cps[] = { 0, 1, '\b', '\t', '\n', '\f', '\r', 0x1F, ' ', '"', '/',
                                    '\\', 0x7E, 0x7F, 0x80, 0xFF, 0x7FF, 0x800, 0xD7FF,
                                    0xE000, 0xFEFF, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF };
    json_t *arr = json_array();
    char s[8];
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        size_t n = utf8(cps[i], s);
        json_array_append_new(arr, json_stringn(s, n));
        json_t *o = json_object();
        json_object_setn_new(o, s, n, json_stringn(s, n)); /* the same in a key */
        json_array_append_new(arr, o);
    }
    json_array_append_new(arr, json_stringn("a\0b", 3));
    json_array_append_new(arr, json_string(""));
    json_array_append_new(arr, json_integer(0));
    json_array_append_new(arr, json_integer(-1));
    json_array_append_new(arr, json_integer(INT64_MAX));
    json_array_append_new(arr, json_integer(INT64_MIN));
    json_array_append_new(arr, json_real(0.1));
    json_array_append_new(arr, json_real(1.0));
    json_array_append_new(arr, json_real(-2.5e-300));
    json_array_append_new(arr, json_real(1e22));
    json_array_append_new(arr, json_true());
    json_array_append_new(arr, json_false());
    json_array_append_new(arr, json_null());
    json_array_append_new(arr, json_object());
    json_array_append_new(arr, json_array());
    json_t *top = json_pack("{s:o, s:{s:[[],{}]}}", "all", arr, "nested", "x");
    same_as_jansson(top);
    same_as_jansson(arr);
    json_decref(top);
}
END_TEST

static uint32_t rnd(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*state >> 33);
}

static json_t *random_string(uint64_t *st)
{
    char buf[64];
    size_t n = 0, len = rnd(st) % 12;
    for (size_t i = 0; i < len; i++) {
        uint32_t cp;
        switch (rnd(st) % 4) {
        case 0: cp = rnd(st) % 0x20; break;             /* controls */
        case 1: cp = 0x20 + rnd(st) % 0x60; break;      /* ASCII */
        case 2: cp = 0x80 + rnd(st) % 0xD780; break;    /* the BMP below the surrogates */
        default: cp = 0x10000 + rnd(st) % 0x100000; break;
        }
        n += utf8(cp, buf + n);
    }
    return json_stringn(buf, n);
}

static json_t *random_value(uint64_t *st, int depth)
{
    switch (rnd(st) % (depth < 4 ? 8 : 6)) {
    case 0: return random_string(st);
    case 1: return json_integer((json_int_t)(((uint64_t)rnd(st) << 32 | rnd(st))) >>
                                (rnd(st) % 64));
    case 2: return json_real((double)(int32_t)rnd(st) / (double)(1 + rnd(st) % 1000));
    case 3: return rnd(st) % 2 ? json_true() : json_false();
    case 4: return json_null();
    case 5: return random_string(st);
    case 6: {
        json_t *a = json_array();
        for (unsigned i = rnd(st) % 5; i > 0; i--)
            json_array_append_new(a, random_value(st, depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (unsigned i = rnd(st) % 5; i > 0; i--) {
            json_t *k = random_string(st);
            json_object_setn_new(o, json_string_value(k), json_string_length(k),
                                 random_value(st, depth + 1));
            json_decref(k);
        }
        return o;
    }
    }
}

START_TEST(random_trees)
{
    uint64_t st = 12;
    for (int i = 0; i < 5000; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "v", random_value(&st, 0));
        json_object_set_new(o, "w", random_value(&st, 0));
        same_as_jansson(o);
        json_decref(o);
    }
}
END_TEST

/* The same random trees built in an arena (json_arena.h) give the text json_dumps gives for
 * them built on the heap; the arena is dropped without json_decref, so ASan and valgrind see
 * any node left behind or used after the drop. Two threads at once, each with its own arena. */
static void *arena_trees(void *seed)
{
    uint64_t heap_st = (uint64_t)(uintptr_t)seed, arena_st = heap_st;
    for (int i = 0; i < 2000; i++) {
        json_t *want_tree = json_object();
        json_object_set_new(want_tree, "v", random_value(&heap_st, 0));
        char *want = json_dumps(want_tree, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(want_tree);
        json_arena_begin();
        json_t *o = json_object();
        json_object_set_new(o, "v", random_value(&arena_st, 0));
        json_arena_end();
        char *got = json_text(o);
        json_arena_drop();
        ck_assert_ptr_nonnull(want);
        ck_assert_ptr_nonnull(got);
        ck_assert_str_eq(got, want);
        free(want); /* json_dumps' text, made outside an arena: free() as always */
        free(got);
    }
    return NULL;
}

START_TEST(arena_trees_match)
{
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, arena_trees, (void *)(uintptr_t)7), 0);
    arena_trees((void *)(uintptr_t)12);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
}
END_TEST

/* Nodes made on the heap before the arena began and released while it is in use go back to
 * the heap (LSan and valgrind would see a leak otherwise); a string longer than a block gets
 * a block of its own. */
START_TEST(arena_heap_nodes_and_large_strings)
{
    json_t *heap = json_pack("{s:[i,s]}", "a", 1, "two");
    json_arena_begin();
    json_decref(heap);
    size_t n = 200 * 1024;
    char *big = malloc(n + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, 'x', n);
    big[n] = '\0';
    json_t *o = json_pack("{s:s, s:i}", "big", big, "after", 5);
    json_arena_end();
    char *got = json_text(o);
    json_arena_drop();
    ck_assert_ptr_nonnull(got);
    ck_assert_uint_eq(strlen(got), n + strlen("{\"big\":\"\",\"after\":5}"));
    ck_assert(strncmp(got + n + 8, "\",\"after\":5}", 12) == 0);
    free(got);
    free(big);
}
END_TEST

START_TEST(refuses_what_jansson_refuses)
{
    ck_assert_ptr_null(json_text(NULL));
    json_t *s = json_string("x"); /* a bare string: NDJSON lines are objects */
    ck_assert_ptr_null(json_text(s));
    json_decref(s);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("json_text");
    TCase *tc = tcase_create("json_text");
    tcase_add_test(tc, every_kind_of_value);
    tcase_add_test(tc, random_trees);
    tcase_add_test(tc, refuses_what_jansson_refuses);
    tcase_add_test(tc, arena_trees_match);
    tcase_add_test(tc, arena_heap_nodes_and_large_strings);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(suite());
}
