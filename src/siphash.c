/* siphash: SipHash-c-d (Aumasson & Bernstein, 2012), from the paper's description. */
#include "siphash.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t load_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t v; /* one unaligned load */
    memcpy(&v, p, sizeof v);
    return v;
#else
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
#endif
}

struct sip_state {
    uint64_t v0, v1, v2, v3;
};

static void sip_round(struct sip_state *s)
{
    s->v0 += s->v1; s->v1 = ROTL(s->v1, 13); s->v1 ^= s->v0; s->v0 = ROTL(s->v0, 32);
    s->v2 += s->v3; s->v3 = ROTL(s->v3, 16); s->v3 ^= s->v2;
    s->v0 += s->v3; s->v3 = ROTL(s->v3, 21); s->v3 ^= s->v0;
    s->v2 += s->v1; s->v1 = ROTL(s->v1, 17); s->v1 ^= s->v2; s->v2 = ROTL(s->v2, 32);
}

/* c compression rounds per 8-byte word, d finalization rounds */
static inline uint64_t siphash_cd(const uint8_t key[16], const void *data, size_t len, int c,
                                  int d)
{
    const uint8_t *in = data;
    uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
    struct sip_state s = {
        k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
        k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL,
    };
    size_t full = len - (len % 8);
    uint64_t last = (uint64_t)len << 56;
    for (size_t i = 0; i <= full; i += 8) {
        uint64_t m = last;
        if (i < full)
            m = load_le64(in + i);
        else
            for (size_t k = 0; k < len % 8; k++)
                m |= (uint64_t)in[full + k] << (8 * k);
        s.v3 ^= m;
        for (int r = 0; r < c; r++)
            sip_round(&s);
        s.v0 ^= m;
    }
    s.v2 ^= 0xff;
    for (int r = 0; r < d; r++)
        sip_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t siphash24(const uint8_t key[16], const void *data, size_t len)
{
    return siphash_cd(key, data, len, 2, 4);
}

uint64_t siphash13(const uint8_t key[16], const void *data, size_t len)
{
    return siphash_cd(key, data, len, 1, 3);
}

bool siphash_secret(uint8_t key[16])
{
    if (getrandom(key, 16, 0) == 16)
        return true;
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f)
        return false;
    bool ok = fread(key, 1, 16, f) == 16;
    fclose(f);
    return ok;
}
