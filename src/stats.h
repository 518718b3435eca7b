/* stats: the --stats report — every counter the pipeline keeps, printed once at the end. */
#ifndef UPSCOPE_STATS_H
#define UPSCOPE_STATS_H

#include <stdio.h>

#include "capture.h"
#include "store.h"
#include "worker.h"

struct tls_keylog;

/* One "name  value" line per counter; names are stable (tests and scripts read them). The
 * store (the UI's) and the key log may be NULL. */
void stats_print(FILE *out, const struct worker *w, struct capture *cap,
                 const struct store *st, const struct tls_keylog *kl);

#endif
