/* store: the sessions the UI can see — open ones from the moment they begin, ended ones until
 * --max-sessions pushes the oldest out (counted).
 *
 * One mutex guards everything a session holds while the UI is running: the capture thread
 * holds it while it processes a packet (that is when sessions change), the UI thread while it
 * copies what it is about to draw. Neither holds it for long, so the UI never stalls capture. */
#ifndef UPSCOPE_STORE_H
#define UPSCOPE_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "session.h"

struct store_entry {
    struct session *s;
    bool ended;
};

struct store {
    pthread_mutex_t lock;
    struct store_entry *v;       /* in the order sessions began */
    uint32_t n, cap;
    uint64_t evicted;            /* ended sessions pushed out by the cap */
    uint64_t untracked;          /* sessions not shown: the store was full of open ones */
    uint64_t version;            /* changes whenever anything shown may have changed */
};

bool store_init(struct store *st, uint32_t max_sessions);
void store_destroy(struct store *st);     /* frees every session it holds */

void store_lock(struct store *st);
void store_unlock(struct store *st);

/* With the lock held: */
void store_begin(struct store *st, struct session *s);  /* a session began (still the
                                                         * dissector's to change) */
/* A session ended: the store owns it now. Returns false if the store does not know it (the
 * caller frees it then). */
bool store_end(struct store *st, struct session *s);
struct session *store_find(struct store *st, uint64_t id);
void store_touch(struct store *st);                     /* something changed */
void store_changed(struct store *st, struct session *s); /* s changed (stamps it) */

/* Without the lock: has anything changed since the version last seen? (a hint to redraw) */
uint64_t store_version(struct store *st);

#endif
