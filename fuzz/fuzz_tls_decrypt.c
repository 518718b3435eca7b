/* fuzz_tls_decrypt: TLS decryption and what runs inside. Random bytes never authenticate, so the
 * harness plays both TLS peers: it sends the hellos, keeps each direction's keys from secrets it
 * also puts in a key log, and seals the fuzzer's plaintext records with OpenSSL, so the fuzzer
 * reaches the record layer's trial decryption, phase changes, KeyUpdate and 0-RTT, and the
 * HTTP/1.1, WebSocket and HTTP/2 dissectors running on decrypted bytes.
 *
 * Input: byte 0: bits 0-2 the suite (TLS 1.3: 0x1301, 0x1302, 0x1303; TLS 1.2: 0xc02f, 0xcca8,
 * 0xc027 (CBC: its records are not sealed, garbage exercises the padding and MAC checks),
 * 0xc030, 0x009c); bit 3 record the UI's history; bit 4 ALPN h2 (else http/1.1); bit 5 0-RTT
 * offered and accepted; bit 6 encrypt_then_mac; bit 7 no key log at all.
 * Then chunks [h][len lo][len hi][data]: h bit 0 direction; bits 1-2: 0 a record, data[0] its
 * content type and the rest its content, sealed under the direction's current keys and sent in
 * pieces of ((h >> 3) & 31) + 1 bytes when h bit 3-7 are not 0; 1 raw bytes; 2 a gap of len
 * bytes; 3 the direction's next keys (TLS 1.3: handshake, then application, then a KeyUpdate
 * sent and taken; TLS 1.2: a ChangeCipherSpec). */
#include <openssl/evp.h>

#include "fuzz_common.h"
#include "tls_crypto.h"
#include "tls_keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t suites[8] = { 0x1301, 0x1302, 0x1303, 0xc02f, 0xcca8, 0xc027, 0xc030,
                                    0x009c };

enum { PLAIN, EARLY, HANDSHAKE, APPLICATION };

struct peer {
    int phase;
    uint64_t seq;
    uint8_t secret[48];
    struct tls_keys keys;
    bool keyed;
};

struct harness {
    struct fuzz_conn c;
    const struct tls_suite *suite;
    bool tls13, etm;
    size_t hash_len;
    uint8_t client_random[32], server_random[32];
    struct peer p[2];
};

/* The secret the key log holds for kind: its bytes are the kind, then a count. */
static void secret_of(int kind, size_t len, uint8_t *out)
{
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(kind << 5 | i);
}

static void put_hex(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", p[i]);
}

static struct tls_keylog *make_keylog(const struct harness *h, size_t early_len)
{
    static const char *const labels[] = { "CLIENT_EARLY_TRAFFIC_SECRET",
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET", "CLIENT_RANDOM" };
    static const int kinds[] = { TLS_SECRET_CLIENT_EARLY, TLS_SECRET_CLIENT_HANDSHAKE,
        TLS_SECRET_SERVER_HANDSHAKE, TLS_SECRET_CLIENT_TRAFFIC_0, TLS_SECRET_SERVER_TRAFFIC_0,
        TLS_SECRET_EXPORTER, TLS_SECRET_MASTER };
    struct tls_keylog *kl = tls_keylog_new(NULL);
    char random[65], secret[97], line[200];
    put_hex(random, h->client_random, 32);
    for (size_t i = 0; kl && i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t len = kinds[i] == TLS_SECRET_MASTER ? 48
                   : kinds[i] == TLS_SECRET_CLIENT_EARLY ? early_len : h->hash_len;
        uint8_t s[48];
        secret_of(kinds[i], len, s);
        put_hex(secret, s, len);
        int n = snprintf(line, sizeof line, "%s %s %s\n", labels[i], random, secret);
        tls_keylog_add_text(kl, "fuzz", line, (size_t)n);
    }
    return kl;
}

/* ---- the hellos ---- */

static size_t put16(uint8_t *p, size_t at, unsigned v)
{
    p[at] = (uint8_t)(v >> 8);
    p[at + 1] = (uint8_t)v;
    return at + 2;
}

/* A handshake record around body[0..n) of message type t. */
static void send_handshake(struct harness *h, enum dir dir, uint8_t t, const uint8_t *body,
                           size_t n)
{
    uint8_t rec[512] = { 22, 3, 3 };
    put16(rec, 3, (unsigned)n + 4);
    rec[5] = t;
    rec[6] = 0;
    put16(rec, 7, (unsigned)n);
    memcpy(rec + 9, body, n);
    fuzz_conn_send(&h->c, dir, rec, n + 9);
}

static void send_hellos(struct harness *h, uint8_t flags)
{
    uint8_t b[256];
    size_t n = put16(b, 0, 0x0303);
    memcpy(b + n, h->client_random, 32);
    n += 32;
    b[n++] = 0;                                        /* session id */
    n = put16(b, n, 2);
    n = put16(b, n, h->suite->id);
    b[n++] = 1;
    b[n++] = 0;                                        /* compression: null */
    size_t ext = n;
    n += 2;
    static const uint8_t versions[] = { 0, 0x2b, 0, 5, 4, 3, 4, 3, 3 };
    static const uint8_t alpn[] = { 0, 0x10, 0, 14, 0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p',
                                    '/', '1', '.', '1' };
    static const uint8_t early[] = { 0, 0x2a, 0, 0 };
    static const uint8_t etm[] = { 0, 0x16, 0, 0 };
    memcpy(b + n, versions, sizeof versions), n += sizeof versions;
    memcpy(b + n, alpn, sizeof alpn), n += sizeof alpn;
    if (flags & 0x20)
        memcpy(b + n, early, sizeof early), n += sizeof early;
    if (flags & 0x40)
        memcpy(b + n, etm, sizeof etm), n += sizeof etm;
    put16(b, ext, (unsigned)(n - ext - 2));
    send_handshake(h, DIR_C2S, 1, b, n);

    n = put16(b, 0, 0x0303);
    memcpy(b + n, h->server_random, 32);
    n += 32;
    b[n++] = 0;
    n = put16(b, n, h->suite->id);
    b[n++] = 0;
    ext = n;
    n += 2;
    if (h->tls13) {
        static const uint8_t v13[] = { 0, 0x2b, 0, 2, 3, 4 };
        static const uint8_t psk[] = { 0, 0x29, 0, 2, 0, 0 };
        memcpy(b + n, v13, sizeof v13), n += sizeof v13;
        if (flags & 0x20)
            memcpy(b + n, psk, sizeof psk), n += sizeof psk;
    } else {
        const char *proto = flags & 0x10 ? "h2" : "http/1.1";
        size_t pl = strlen(proto);
        n = put16(b, n, 0x10);
        n = put16(b, n, (unsigned)pl + 3);
        n = put16(b, n, (unsigned)pl + 1);
        b[n++] = (uint8_t)pl;
        memcpy(b + n, proto, pl), n += pl;
        if (flags & 0x40)
            memcpy(b + n, etm, sizeof etm), n += sizeof etm;
    }
    put16(b, ext, (unsigned)(n - ext - 2));
    send_handshake(h, DIR_S2C, 2, b, n);
}

/* ---- keys and sealing ---- */

static const int secret_kind[2][4] = {
    [DIR_C2S] = { -1, TLS_SECRET_CLIENT_EARLY, TLS_SECRET_CLIENT_HANDSHAKE,
                  TLS_SECRET_CLIENT_TRAFFIC_0 },
    [DIR_S2C] = { -1, -1, TLS_SECRET_SERVER_HANDSHAKE, TLS_SECRET_SERVER_TRAFFIC_0 },
};

static void enter(struct harness *h, enum dir dir, int phase)
{
    struct peer *p = &h->p[dir];
    tls_keys_free(&p->keys);
    memset(&p->keys, 0, sizeof p->keys);
    p->phase = phase;
    p->seq = 0;
    p->keyed = false;
    if (h->tls13) {
        const struct tls_suite *suite = phase == EARLY ? tls_suite_find(h->hash_len == 48 ? 0x1302
                                                                                  : 0x1301)
                                                       : h->suite;
        secret_of(secret_kind[dir][phase], h->hash_len, p->secret);
        p->keyed = tls13_keys_from_secret(&p->keys, suite, p->secret, h->hash_len);
    } else {
        uint8_t master[48];
        struct tls_keys ck, sk;
        memset(&ck, 0, sizeof ck);
        memset(&sk, 0, sizeof sk);
        secret_of(TLS_SECRET_MASTER, 48, master);
        if (tls12_keys_from_master(&ck, &sk, h->suite, master, h->client_random,
                                   h->server_random, h->etm)) {
            p->keys = dir == DIR_C2S ? ck : sk;
            p->keyed = true;
        }
    }
}

static const EVP_CIPHER *aead_of(const struct tls_suite *s)
{
    switch (s->cipher) {
    case TLS_CIPHER_AES_128_GCM: return EVP_aes_128_gcm();
    case TLS_CIPHER_AES_256_GCM: return EVP_aes_256_gcm();
    case TLS_CIPHER_CHACHA20_POLY1305: return EVP_chacha20_poly1305();
    default: return NULL;
    }
}

/* Seals pt (TLS 1.3: with its inner type appended) into rec (header included); 0 on failure. */
static size_t seal(struct harness *h, struct peer *p, uint8_t type, const uint8_t *pt, size_t n,
                   uint8_t *rec)
{
    const struct tls_suite *suite = p->keys.suite;
    const EVP_CIPHER *c = suite ? aead_of(suite) : NULL;
    if (!c)
        return 0;
    uint8_t nonce[12], aad[13];
    size_t explicit_len = 0, aad_len;
    bool gcm12 = !h->tls13 && suite->cipher != TLS_CIPHER_CHACHA20_POLY1305;
    if (gcm12) { /* RFC 5288: a 4-byte salt and an explicit 8-byte nonce, sent */
        memcpy(nonce, p->keys.iv, 4);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] = (uint8_t)(p->seq >> (56 - 8 * i));
        memcpy(rec + 5, nonce + 4, 8);
        explicit_len = 8;
    } else {
        memcpy(nonce, p->keys.iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(p->seq >> (56 - 8 * i));
    }
    size_t ct_len = n + (h->tls13 ? 1 : 0);
    rec[0] = h->tls13 ? 23 : type;
    rec[1] = rec[2] = 3;
    put16(rec, 3, (unsigned)(explicit_len + ct_len + 16));
    if (h->tls13) {
        memcpy(aad, rec, 5);
        aad_len = 5;
    } else {
        for (int i = 0; i < 8; i++)
            aad[i] = (uint8_t)(p->seq >> (56 - 8 * i));
        aad[8] = type;
        aad[9] = aad[10] = 3;
        put16(aad, 11, (unsigned)n);
        aad_len = 13;
    }
    uint8_t *out = rec + 5 + explicit_len;
    memcpy(out, pt, n);
    if (h->tls13)
        out[n] = type;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0;
    bool ok = ctx && EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL) &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) &&
              EVP_EncryptInit_ex(ctx, NULL, NULL, p->keys.key, nonce) &&
              EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)aad_len) &&
              EVP_EncryptUpdate(ctx, out, &len, out, (int)ct_len) &&
              EVP_EncryptFinal_ex(ctx, out + len, &len) &&
              EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + ct_len);
    EVP_CIPHER_CTX_free(ctx);
    return ok ? 5 + explicit_len + ct_len + 16 : 0;
}

static void send_pieces(struct harness *h, enum dir dir, const uint8_t *p, size_t n, size_t piece)
{
    for (size_t off = 0; off < n; off += piece)
        fuzz_conn_send(&h->c, dir, p + off, n - off < piece ? n - off : piece);
}

/* One record of the fuzzer's: sealed if the direction has keys, else as it is. */
static void send_record(struct harness *h, enum dir dir, uint8_t type, const uint8_t *pt,
                        size_t n, size_t piece)
{
    static uint8_t rec[5 + 8 + 16384 + 256 + 1 + 16];
    struct peer *p = &h->p[dir];
    if (n > 16384 + 256)
        n = 16384 + 256;
    size_t len = p->keyed ? seal(h, p, type, pt, n, rec) : 0;
    if (!len) { /* plaintext, or a CBC suite: the bytes go as the record's body */
        rec[0] = type;
        rec[1] = rec[2] = 3;
        put16(rec, 3, (unsigned)n);
        memcpy(rec + 5, pt, n);
        len = n + 5;
    }
    if (p->phase != PLAIN)
        p->seq++;
    send_pieces(h, dir, rec, len, piece ? piece : len);
}

static void next_keys(struct harness *h, enum dir dir)
{
    struct peer *p = &h->p[dir];
    if (!h->tls13) {
        if (p->phase == PLAIN) {
            static const uint8_t ccs[] = { 20, 3, 3, 0, 1, 1 };
            fuzz_conn_send(&h->c, dir, ccs, sizeof ccs);
            enter(h, dir, APPLICATION);
        }
        return;
    }
    if (p->phase < APPLICATION) {
        enter(h, dir, p->phase + 1);
        return;
    }
    static const uint8_t key_update[] = { 24, 0, 0, 1, 0 };
    send_record(h, dir, 22, key_update, sizeof key_update, 0);
    tls13_next_secret(h->suite, p->secret, h->hash_len);
    tls_keys_free(&p->keys);
    memset(&p->keys, 0, sizeof p->keys);
    p->keyed = tls13_keys_from_secret(&p->keys, h->suite, p->secret, h->hash_len);
    p->seq = 0;
}

static void run_script(struct harness *h, const uint8_t *p, size_t n)
{
    while (n >= 3) {
        uint8_t head = p[0];
        size_t len = (size_t)p[1] | (size_t)p[2] << 8;
        p += 3;
        n -= 3;
        enum dir dir = (enum dir)(head & 1);
        int kind = (head >> 1) & 3;
        if (kind == 2) {
            h->c.ts += 1000;
            dispatch_gap(&h->c.dx, flow_side_of_dir(&h->c.flow, dir), len, h->c.ts, false);
            continue;
        }
        if (kind == 3) {
            next_keys(h, dir);
            continue;
        }
        if (len > n)
            len = n;
        if (kind == 1)
            fuzz_conn_send(&h->c, dir, p, len);
        else if (len > 0)
            send_record(h, dir, p[0], p + 1, len - 1, head >> 3);
        p += len;
        n -= len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t flags = data[0];
    struct harness *h = calloc(1, sizeof *h);
    if (!h)
        return 0;
    h->suite = tls_suite_find(suites[flags & 7]);
    h->tls13 = h->suite->tls13;
    h->etm = flags & 0x40;
    h->hash_len = tls_hash_len(h->suite->prf);
    memset(h->client_random, 0xc1, 32);
    memset(h->server_random, 0x5e, 32);
    struct tls_keylog *kl = flags & 0x80 ? NULL : make_keylog(h, h->hash_len);
    fuzz_conn_init(&h->c, false, flags & 8);
    h->c.flow.key.port[1] = 443;
    h->c.ctx.module_ctx[PROTO_TLS] = kl;
    send_hellos(h, flags);
    if (h->tls13) {
        enter(h, DIR_C2S, flags & 0x20 ? EARLY : HANDSHAKE);
        enter(h, DIR_S2C, HANDSHAKE);
    }
    run_script(h, data + 1, size - 1);
    fuzz_conn_close(&h->c);
    for (int d = 0; d < 2; d++)
        tls_keys_free(&h->p[d].keys);
    tls_keylog_free(kl);
    free(h);
    return 0;
}
