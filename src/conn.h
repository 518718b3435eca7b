/* conn: what a flow carries once it has payload — its dissection state and nDPI state.
 *
 * Kept apart from struct flow so that flows that never carry data (a SYN flood, port scans)
 * cost only their small table entry. Allocated and freed by the worker. */
#ifndef UPSCOPE_CONN_H
#define UPSCOPE_CONN_H

#include "classify.h"
#include "dispatch.h"

struct conn {
    struct dissect dx;
    struct classify_flow cf;
};

#endif
