/* ws_handshake: the WebSocket opening handshake checks (RFC 6455 §4, RFC 7692 §5-§7).
 *
 * ws_check_request() and ws_check_response() are the websocket dissector's upgrade hooks:
 * they fill the session's WebSocket part (key, accept, negotiated subprotocol and extensions) and record a
 * finding for every rule the request or response breaks. */
#ifndef UPSCOPE_WS_HANDSHAKE_H
#define UPSCOPE_WS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "http_head.h"
#include "session.h"
#include "ws_session.h"

#define WS_ACCEPT_LEN 28   /* base64 of a 20-byte SHA-1 */

/* base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), RFC 6455 §4.2.2 item 5.4.
 * out must hold WS_ACCEPT_LEN + 1 bytes. */
void ws_accept_compute(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1]);

/* Is key the base64 encoding of exactly 16 bytes (RFC 6455 §4.1)? */
bool ws_key_valid(const char *key, size_t len);

/* Validates the parameters of one permessage-deflate element (RFC 7692 §7.1): the part after
 * the extension name. offer: a client's offer (client_max_window_bits may lack a value);
 * otherwise a server's response, where client_max_window_bits needs a value and is allowed only
 * if the client offered it (client_offered_cmwb). Fills *out (window bits default to 15). On a
 * problem returns false and describes it in why. */
bool ws_deflate_params_parse(struct span params, bool offer, bool client_offered_cmwb,
                             struct ws_deflate_params *out, char *why, size_t whylen);

void ws_check_request(struct session *s, const struct http_head *req);
void ws_check_response(struct session *s, const struct http_head *req,
                       const struct http_head *resp);

/* RFC 8441: the extended CONNECT that opens a WebSocket on an HTTP/2 stream (its header list
 * as a head, pseudo-header fields included), and the response that accepted it (call it when
 * the stream goes on as a WebSocket: a 200, or a wrong status the peers treated as one). */
void ws_check_h2_request(struct session *s, const struct http_head *req);
void ws_check_h2_response(struct session *s, const struct http_head *resp);

#endif
