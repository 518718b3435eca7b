/* fuzz_websocket: WebSocket frames after a valid handshake, with permessage-deflate in every
 * configuration the handshake can agree (window bits 8-15 each way, context takeover or not).
 * Input: byte 0 = client window bits (low 3 bits + 8) and server window bits (bits 3-5 + 8),
 * bit 6 = deflate on, bit 7 = record the UI's history; byte 1 bit 0 = client no context
 * takeover, bit 1 = server no context takeover, bits 2-5 the subprotocol agreed (or Socket.IO's
 * target), so that what rides inside (ws_app.c) is parsed as each protocol; then a script
 * (fuzz_common.h). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    char ext[160] = "";
    if (data[0] & 0x40)
        snprintf(ext, sizeof ext, "Sec-WebSocket-Extensions: permessage-deflate; "
                 "client_max_window_bits=%d; server_max_window_bits=%d%s%s\r\n",
                 (data[0] & 7) + 8, ((data[0] >> 3) & 7) + 8,
                 data[1] & 1 ? "; client_no_context_takeover" : "",
                 data[1] & 2 ? "; server_no_context_takeover" : "");
    static const char *const subprotocols[16] = { NULL, "mqtt", "v12.stomp", "sip",
        "wamp.2.json", "graphql-transport-ws", "graphql-ws", "chat", NULL /* Socket.IO */ };
    const char *sub = subprotocols[(data[1] >> 2) & 15];
    char proto[64] = "";
    if (sub)
        snprintf(proto, sizeof proto, "Sec-WebSocket-Protocol: %s\r\n", sub);
    const char *target = ((data[1] >> 2) & 15) == 8 ? "/socket.io/?EIO=4&transport=websocket"
                                                     : "/chat";
    char req[640], resp[640];
    snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: server.example.com\r\n"
             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
             "%s%s\r\n", target, proto, ext[0] ? "Sec-WebSocket-Extensions: permessage-deflate; "
                                                "client_max_window_bits\r\n" : "");
    snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
             "%s%s\r\n", proto, ext);
    struct fuzz_conn c;
    fuzz_conn_init(&c, false, data[0] & 0x80);
    fuzz_conn_send(&c, DIR_C2S, req, strlen(req));
    fuzz_conn_send(&c, DIR_S2C, resp, strlen(resp));
    fuzz_conn_script(&c, data + 2, size - 2);
    fuzz_conn_close(&c);
    return 0;
}
