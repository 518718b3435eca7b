/* fuzz_tls: the TLS record layer after an RFC 2817 upgrade, and the ClientHello / ServerHello
 * parser on its own.
 * Input: byte 0 bit 0 = 0: the rest is a handshake message body, parsed as both hellos;
 * 1: an upgrade to TLS, then a script (fuzz_common.h); bit 1 = record the UI's history. */
#include "fuzz_common.h"
#include "tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (!(data[0] & 1)) {
        struct tls_hello h;
        char buf[16];
        if (tls_hello_parse(TLS_HS_CLIENT_HELLO, data + 1, size - 1, &h))
            for (unsigned i = 0; i < h.nversions; i++)
                tls_version_name(h.versions[i], buf);
        tls_hello_parse(TLS_HS_SERVER_HELLO, data + 1, size - 1, &h);
        return 0;
    }
    static const char req[] = "OPTIONS * HTTP/1.1\r\nHost: upscope.test\r\nUpgrade: TLS/1.2\r\n"
                              "Connection: Upgrade\r\n\r\n";
    static const char resp[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: TLS/1.2, HTTP/1.1\r\n"
                               "Connection: Upgrade\r\n\r\n";
    struct fuzz_conn c;
    fuzz_conn_init(&c, false, data[0] & 2);
    fuzz_conn_send(&c, DIR_C2S, req, sizeof req - 1);
    fuzz_conn_send(&c, DIR_S2C, resp, sizeof resp - 1);
    fuzz_conn_script(&c, data + 1, size - 1);
    fuzz_conn_close(&c);
    return 0;
}
