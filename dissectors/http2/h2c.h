/* h2c: the checks of an HTTP/1.1 upgrade to HTTP/2 over cleartext (RFC 7540 §3.2) — the
 * HTTP2-Settings header, its connection option, the tokens offered. Upgrade hooks of the http2
 * dissector; they fill the settings of the session's HTTP/2 part. */
#ifndef UPSCOPE_H2C_H
#define UPSCOPE_H2C_H

#include "http_head.h"
#include "session.h"

void h2c_check_request(struct session *s, const struct http_head *req);
void h2c_check_response(struct session *s, const struct http_head *req,
                        const struct http_head *resp);

#endif
