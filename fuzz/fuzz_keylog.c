/* fuzz_keylog: the two ways secrets come in — NSS key log text (tls_keylog) and the Decryption
 * Secrets Blocks of a pcapng file (pcapng_secrets) — and lookups of what they gave.
 * Input: byte 0 bit 0 = 0: the rest is key log text, added in two parts split at byte 1's
 * position (a line may be cut between them), then every client random it names is looked up;
 * 1: the rest is a pcapng file whose secrets blocks feed a key log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcapng_secrets.h"
#include "tls_keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void add(void *user, const char *text, size_t n)
{
    tls_keylog_add_text(user, "fuzz.pcapng", text, n);
}

/* Looks up the random of every "LABEL <64 hex>" in text, and a random made of each line's
 * first 32 bytes. */
static void look_up(struct tls_keylog *kl, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 32 <= n; i += 32) {
        for (int k = 0; k < TLS_SECRET_KIND_COUNT; k++)
            tls_keylog_find(kl, p + i, (enum tls_secret_kind)k);
    }
    uint8_t random[32];
    for (size_t i = 0; i + 65 <= n; i++) {
        if (p[i] != ' ')
            continue;
        bool hex = true;
        for (size_t j = 0; j < 32 && hex; j++) {
            unsigned v;
            char two[3] = { (char)p[i + 1 + 2 * j], (char)p[i + 2 + 2 * j], 0 };
            hex = sscanf(two, "%2x", &v) == 1;
            random[j] = (uint8_t)v;
        }
        if (hex)
            tls_keylog_find(kl, random, TLS_SECRET_MASTER);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    struct tls_keylog *kl = tls_keylog_new(NULL);
    if (!kl)
        return 0;
    const uint8_t *p = data + 2;
    size_t n = size - 2;
    if (!(data[0] & 1)) {
        size_t cut = n ? data[1] % (n + 1) : 0;
        tls_keylog_add_text(kl, "fuzz.keys", (const char *)p, cut);
        tls_keylog_add_text(kl, "fuzz.keys", (const char *)p + cut, n - cut);
        look_up(kl, p, n);
    } else {
        FILE *f = fmemopen((void *)p, n ? n : 1, "rb");
        size_t count = 0;
        char err[256];
        if (f) {
            pcapng_secrets_read(f, "fuzz.pcapng", add, kl, &count, err, sizeof err);
            fclose(f);
        }
        look_up(kl, p, n);
    }
    tls_keylog_free(kl);
    return 0;
}
