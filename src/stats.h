/* stats: the --stats report — every counter the pipeline keeps, printed once at the end. */
#ifndef UPSCOPE_STATS_H
#define UPSCOPE_STATS_H

#include <stdio.h>

#include "capture.h"
#include "store.h"
#include "worker.h"

struct tls_keylog;

/* One "name  value" line per counter; names are stable (tests and scripts read them). w: the
 * worker, or a pool's totals (pool.h); ndpi: nDPI's counters (NULL: nDPI off). The store (the
 * UI's) and the key log may be NULL. */
void stats_print(FILE *out, const struct worker *w, const struct classify_stats *ndpi,
                 struct capture *cap, const struct store *st, const struct tls_keylog *kl);

#endif
