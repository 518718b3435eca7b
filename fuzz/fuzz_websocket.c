/* fuzz_websocket: WebSocket frames after a valid handshake, with permessage-deflate in every
 * configuration the handshake can agree (window bits 8-15 each way, context takeover or not).
 * Input: byte 0 = client window bits (low 3 bits + 8) and server window bits (bits 3-5 + 8),
 * bit 6 = deflate on, bit 7 = record the UI's history; byte 1 bit 0 = client no context
 * takeover, bit 1 = server no context takeover; then a script (fuzz_common.h). */
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
    char req[512], resp[512];
    snprintf(req, sizeof req, "GET /chat HTTP/1.1\r\nHost: server.example.com\r\n"
             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
             "%s\r\n", ext[0] ? "Sec-WebSocket-Extensions: permessage-deflate; "
                                "client_max_window_bits\r\n" : "");
    snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
             "%s\r\n", ext);
    struct fuzz_conn c;
    fuzz_conn_init(&c, false, data[0] & 0x80);
    fuzz_conn_send(&c, DIR_C2S, req, strlen(req));
    fuzz_conn_send(&c, DIR_S2C, resp, strlen(resp));
    fuzz_conn_script(&c, data + 2, size - 2);
    fuzz_conn_close(&c);
    return 0;
}
