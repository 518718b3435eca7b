/* fuzz_http2: HTTP/2 frames both ways with HPACK, and HTTP2-Settings (base64url).
 * Input: byte 0 low 2 bits = how HTTP/2 starts: 0 prior knowledge (the script carries the
 * preface, or not), 1 an h2c upgrade with a valid HTTP2-Settings, 2 an h2c upgrade whose
 * HTTP2-Settings value is the input up to the first newline, 3 picked up mid-connection
 * (frames recognised by their shape); bit 2 = record the UI's history;
 * then a script (fuzz_common.h). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void upgrade(struct fuzz_conn *c, const uint8_t *settings, size_t n)
{
    static const char head[] = "GET /index.html HTTP/1.1\r\nHost: server.example\r\n"
                               "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                               "HTTP2-Settings: ";
    static const char resp[] = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                               "Upgrade: h2c\r\n\r\n";
    uint8_t req[1 << 16];
    if (n > sizeof req - sizeof head - 8)
        n = sizeof req - sizeof head - 8;
    memcpy(req, head, sizeof head - 1);
    memcpy(req + sizeof head - 1, settings, n);
    memcpy(req + sizeof head - 1 + n, "\r\n\r\n", 4);
    fuzz_conn_send(c, DIR_C2S, req, sizeof head - 1 + n + 4);
    fuzz_conn_send(c, DIR_S2C, resp, sizeof resp - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct fuzz_conn c;
    fuzz_conn_init(&c, (data[0] & 3) == 3, data[0] & 4);
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] & 3) {
    case 1: {
        static const char valid[] = "AAMAAABkAARAAAAAAAIAAAAA";
        upgrade(&c, (const uint8_t *)valid, sizeof valid - 1);
        break;
    }
    case 2: {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        upgrade(&c, p, len);
        p += len;
        n -= len;
        break;
    }
    default:
        break;
    }
    fuzz_conn_script(&c, p, n);
    fuzz_conn_close(&c);
    return 0;
}
