/* lifecycle: how a session lived and ended, for the outputs — the TCP handshake's round trip
 * as the capture point saw it, the upgrade's latency, the duration, and how it ended: by its
 * protocol (a WebSocket close handshake, an HTTP/2 stream's END_STREAM or RST_STREAM: the
 * modules' `ended_by` hooks say) or by the connection (a FIN and who sent it first, a RST and
 * the data it threw away, an idle timeout, the end of the capture). The protocol modules add
 * their own figures (a WebSocket's pings and traffic) through their lifecycle hooks. */
#ifndef UPSCOPE_LIFECYCLE_H
#define UPSCOPE_LIFECYCLE_H

#include "session.h"

struct json_t;
struct text_out;
struct detail_out;

/* How the session ended ("close_handshake", "tcp_fin", ...) and by which side (-1: neither). */
struct life_end {
    const char *how;
    int by;
};

struct life_end lifecycle_end(const struct session *s);

/* How the connection under it ended, in the same words ("tcp_rst", "idle_timeout", ...). */
struct life_end lifecycle_tcp_end(const struct session *s);

/* When it died: the first FIN or the RST when the connection ended it, else its end. */
ts_us_t lifecycle_end_time(const struct session *s);

/* A phrase for an end: "TCP FIN from the client first", "RST_STREAM from the server". */
void lifecycle_end_words(struct life_end e, char *buf, size_t cap);

/* The NDJSON "lifecycle" object. */
struct json_t *lifecycle_json(const struct session *s);

/* The summary's "lifecycle" line; the UI detail's section. */
void lifecycle_text(const struct text_out *o, const struct session *s);
void lifecycle_detail(struct detail_out *o, const struct session *s);

/* "1.25 s", "3.4 ms", "120 µs" (ascii: "us"). */
void lifecycle_duration(uint64_t us, char *buf, size_t cap);

#endif
