/* websocket: the WebSocket dissector (RFC 6455, RFC 7692): handshake checks as upgrade hooks,
 * frames in both directions after the switch, mid-stream pickup. */
#ifndef UPSCOPE_WEBSOCKET_H
#define UPSCOPE_WEBSOCKET_H

#include "dissector.h"

extern const struct dissector websocket_dissector;

#endif
