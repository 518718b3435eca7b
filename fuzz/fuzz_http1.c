/* fuzz_http1: the HTTP/1.1 head parser and the upgrade state machine, both directions, with
 * pipelining, bodies, gaps and whatever protocol a 101 hands the connection to.
 * Input: byte 0 bit 0 = picked up mid-stream, bit 1 = record the UI's history; then a script
 * (fuzz_common.h). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct fuzz_conn c;
    fuzz_conn_init(&c, data[0] & 1, data[0] & 2);
    fuzz_conn_script(&c, data + 1, size - 1);
    fuzz_conn_close(&c);
    return 0;
}
