/* pcapng_secrets: Decryption Secrets Blocks of a pcapng file (see pcapng_secrets.h). */
#include "pcapng_secrets.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BLOCK_SHB 0x0A0D0D0Au
#define BLOCK_DSB 0x0000000Au
#define SECRETS_TLS 0x544c534bu      /* "TLSK": an NSS key log */
#define BLOCK_MAX (64u << 20)        /* a larger block is not believed */

static uint32_t u32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

bool pcapng_secrets(const char *path, void (*fn)(void *user, const char *text, size_t n),
                    void *user, size_t *count, char *err, size_t errlen)
{
    *count = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    /* a pipe or a terminal cannot be read twice: its packets would be gone for libpcap */
    struct stat st;
    bool ok = fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) ||
              pcapng_secrets_read(f, path, fn, user, count, err, errlen);
    fclose(f);
    return ok;
}

bool pcapng_secrets_read(FILE *f, const char *name,
                         void (*fn)(void *user, const char *text, size_t n), void *user,
                         size_t *count, char *err, size_t errlen)
{
    *count = 0;
    bool swap = false, ok = true, first = true;
    uint8_t head[12];
    while (fread(head, 1, 8, f) == 8) {
        uint32_t type = u32(head, false);
        if (type == BLOCK_SHB) { /* a section: its byte-order magic follows the length */
            if (fread(head + 8, 1, 4, f) != 4)
                break;
            swap = u32(head + 8, false) != 0x1A2B3C4Du;
            if (fseek(f, -4, SEEK_CUR) != 0)
                break;
        } else if (first) {
            break; /* not pcapng */
        }
        first = false;
        type = u32(head, swap);
        uint32_t len = u32(head + 4, swap);
        if (len < 12 || len > BLOCK_MAX || len % 4) {
            snprintf(err, errlen, "%s: a pcapng block of impossible length %u", name, len);
            ok = false;
            break;
        }
        /* a Decryption Secrets Block holds at least its secrets type and length, and the
         * block's trailing length (20 bytes in all); a shorter one is skipped like another */
        if (type != BLOCK_DSB || len < 20) {
            if (fseek(f, (long)len - 8, SEEK_CUR) != 0)
                break;
            continue;
        }
        uint8_t *body = malloc(len - 8);
        if (!body || fread(body, 1, len - 8, f) != len - 8) {
            free(body);
            break; /* a cut file: libpcap will say so for the packets */
        }
        uint32_t kind = u32(body, swap), n = u32(body + 4, swap);
        if (kind == SECRETS_TLS && n <= len - 8 - 8 - 4) {
            fn(user, (const char *)body + 8, n);
            (*count)++;
        }
        free(body);
    }
    return ok;
}
