/* json_arena: the nodes of one report's jansson tree from a few large blocks, dropped at once.
 *
 * A session's NDJSON line is built as a jansson tree of a few hundred nodes (objects, their
 * hash tables, strings, integers), each its own malloc, then freed node by node: a fifth of a
 * default run's instructions went to building and freeing trees, most of it in malloc and free.
 * Between json_arena_begin and json_arena_end every jansson allocation of the calling thread
 * comes from blocks of 64 KiB; json_arena_drop frees the blocks, and with them the tree, which
 * must not be json_decref'd nor outlive the drop.
 *
 * jansson's allocator hooks are process-wide and take no context, so the arena in use is the
 * thread's (thread-local: with --workers, any worker may write reports). Outside a begin/end
 * pair, and for memory that is not the arena's, the hooks are plain malloc and free: memory
 * jansson returns (json_dumps' text) is still freed with free(), anywhere. */
#ifndef UPSCOPE_JSON_ARENA_H
#define UPSCOPE_JSON_ARENA_H

/* From here until json_arena_end, this thread's jansson nodes come from its arena (installing
 * the hooks on first use). Not nested. */
void json_arena_begin(void);

/* Back to malloc for new nodes; the arena's nodes stay valid (to be written) until the drop. */
void json_arena_end(void);

/* Frees everything the arena handed out since json_arena_begin. */
void json_arena_drop(void);

#endif
