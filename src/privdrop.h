/* privdrop: giving up root once the capture is open (-Z USER), as tcpdump does: supplementary
 * groups, group and user all become the target user's, and must stay so. */
#ifndef UPSCOPE_PRIVDROP_H
#define UPSCOPE_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>

/* False with err set (unknown user, not root, a call failed). */
bool privdrop_to(const char *user, char *err, size_t errlen);

#endif
