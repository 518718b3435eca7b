/* tunnel_report: how the outputs show what carried a session — the NDJSON "encapsulation"
 * list and the summary's "tunnel" line (docs/report-schema.md). The client's side of the
 * connection is shown; a GTP-U TEID is given per direction, as each side sent it. */
#ifndef UPSCOPE_TUNNEL_REPORT_H
#define UPSCOPE_TUNNEL_REPORT_H

#include <jansson.h>

#include "report_text.h"
#include "tunnel.h"

/* The "encapsulation" array, outermost first; [] for NULL (a session straight on IP). */
json_t *tunnel_report_json(const struct tunnel_pair *p);

/* "    tunnel      vxlan vni 42 192.0.2.1 -> 192.0.2.2" per layer; nothing for NULL. */
void tunnel_report_text(const struct text_out *o, const struct tunnel_pair *p);

#endif
