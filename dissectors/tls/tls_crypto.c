/* tls_crypto: key schedules and record decryption with libcrypto (see tls_crypto.h). */
#include "tls_crypto.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <stdio.h>
#include <string.h>

#define AEAD_TAG 16
#define AES_BLOCK 16

static const struct tls_suite suites[] = {
    /* TLS 1.3 (RFC 8446 §B.4) */
    { 0x1301, "TLS_AES_128_GCM_SHA256", true, TLS_CIPHER_AES_128_GCM, TLS_HASH_SHA256, 0 },
    { 0x1302, "TLS_AES_256_GCM_SHA384", true, TLS_CIPHER_AES_256_GCM, TLS_HASH_SHA384, 0 },
    { 0x1303, "TLS_CHACHA20_POLY1305_SHA256", true, TLS_CIPHER_CHACHA20_POLY1305,
      TLS_HASH_SHA256, 0 },
    /* TLS 1.2 AEAD (RFC 5288, RFC 5289, RFC 7905) */
    { 0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256", false, TLS_CIPHER_AES_128_GCM,
      TLS_HASH_SHA256, 0 },
    { 0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384", false, TLS_CIPHER_AES_256_GCM,
      TLS_HASH_SHA384, 0 },
    { 0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", false, TLS_CIPHER_AES_128_GCM,
      TLS_HASH_SHA256, 0 },
    { 0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", false, TLS_CIPHER_AES_256_GCM,
      TLS_HASH_SHA384, 0 },
    { 0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false, TLS_CIPHER_AES_128_GCM,
      TLS_HASH_SHA256, 0 },
    { 0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false, TLS_CIPHER_AES_256_GCM,
      TLS_HASH_SHA384, 0 },
    { 0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, TLS_CIPHER_AES_128_GCM,
      TLS_HASH_SHA256, 0 },
    { 0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false, TLS_CIPHER_AES_256_GCM,
      TLS_HASH_SHA384, 0 },
    { 0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false,
      TLS_CIPHER_CHACHA20_POLY1305, TLS_HASH_SHA256, 0 },
    { 0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", false,
      TLS_CIPHER_CHACHA20_POLY1305, TLS_HASH_SHA256, 0 },
    { 0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false,
      TLS_CIPHER_CHACHA20_POLY1305, TLS_HASH_SHA256, 0 },
    /* TLS 1.2 CBC with HMAC (RFC 5246, RFC 5289) */
    { 0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA", false, TLS_CIPHER_AES_128_CBC, TLS_HASH_SHA256,
      TLS_HASH_SHA1 },
    { 0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", false, TLS_CIPHER_AES_256_CBC, TLS_HASH_SHA256,
      TLS_HASH_SHA1 },
    { 0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256", false, TLS_CIPHER_AES_128_CBC,
      TLS_HASH_SHA256, TLS_HASH_SHA256 },
    { 0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256", false, TLS_CIPHER_AES_256_CBC,
      TLS_HASH_SHA256, TLS_HASH_SHA256 },
    { 0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", false, TLS_CIPHER_AES_128_CBC,
      TLS_HASH_SHA256, TLS_HASH_SHA1 },
    { 0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", false, TLS_CIPHER_AES_256_CBC,
      TLS_HASH_SHA256, TLS_HASH_SHA1 },
    { 0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", false, TLS_CIPHER_AES_128_CBC,
      TLS_HASH_SHA256, TLS_HASH_SHA1 },
    { 0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", false, TLS_CIPHER_AES_256_CBC,
      TLS_HASH_SHA256, TLS_HASH_SHA1 },
    { 0xc023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", false, TLS_CIPHER_AES_128_CBC,
      TLS_HASH_SHA256, TLS_HASH_SHA256 },
    { 0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", false, TLS_CIPHER_AES_256_CBC,
      TLS_HASH_SHA384, TLS_HASH_SHA384 },
    { 0xc027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", false, TLS_CIPHER_AES_128_CBC,
      TLS_HASH_SHA256, TLS_HASH_SHA256 },
    { 0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", false, TLS_CIPHER_AES_256_CBC,
      TLS_HASH_SHA384, TLS_HASH_SHA384 },
};

const struct tls_suite *tls_suite_find(uint16_t id)
{
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

const char *tls_suite_name(uint16_t id, char buf[8])
{
    const struct tls_suite *s = tls_suite_find(id);
    if (s)
        return s->name;
    snprintf(buf, 8, "0x%04x", id);
    return buf;
}

size_t tls_hash_len(enum tls_hash h)
{
    return h == TLS_HASH_SHA1 ? 20 : h == TLS_HASH_SHA384 ? 48 : 32;
}

static const char *hash_name(enum tls_hash h)
{
    return h == TLS_HASH_SHA1 ? "SHA1" : h == TLS_HASH_SHA384 ? "SHA384" : "SHA256";
}

static size_t key_len(enum tls_cipher c)
{
    return c == TLS_CIPHER_AES_128_GCM || c == TLS_CIPHER_AES_128_CBC ? 16 : 32;
}

static bool is_cbc(enum tls_cipher c)
{
    return c == TLS_CIPHER_AES_128_CBC || c == TLS_CIPHER_AES_256_CBC;
}

static const EVP_CIPHER *cipher_of(enum tls_cipher c)
{
    switch (c) {
    case TLS_CIPHER_AES_128_GCM: return EVP_aes_128_gcm();
    case TLS_CIPHER_AES_256_GCM: return EVP_aes_256_gcm();
    case TLS_CIPHER_CHACHA20_POLY1305: return EVP_chacha20_poly1305();
    case TLS_CIPHER_AES_128_CBC: return EVP_aes_128_cbc();
    case TLS_CIPHER_AES_256_CBC: return EVP_aes_256_cbc();
    }
    return NULL;
}

/* ---- key schedules ---- */

/* One run of a libcrypto KDF ("HKDF" or "TLS1-PRF") with the given parameters. */
static bool kdf_run(const char *name, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
    EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    bool ok = ctx && EVP_KDF_derive(ctx, out, out_len, params) > 0;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok;
}

bool tls13_expand_label(enum tls_hash h, const uint8_t *secret, size_t secret_len,
                        const char *label, const uint8_t *context, size_t context_len,
                        uint8_t *out, size_t out_len)
{
    /* struct HkdfLabel { uint16 length; opaque label<7..255>; opaque context<0..255>; } */
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t label_len = 6 + strlen(label), n = 0;
    if (label_len > 255 || context_len > 255 || out_len > 0xFFFF)
        return false;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)label_len;
    memcpy(info + n, "tls13 ", 6);
    memcpy(info + n + 6, label, label_len - 6);
    n += label_len;
    info[n++] = (uint8_t)context_len;
    if (context_len)
        memcpy(info + n, context, context_len);
    n += context_len;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)hash_name(h), 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    return kdf_run("HKDF", params, out, out_len);
}

bool tls13_keys_from_secret(struct tls_keys *k, const struct tls_suite *suite,
                            const uint8_t *secret, size_t secret_len)
{
    tls_keys_free(k);
    memset(k, 0, sizeof *k);
    k->suite = suite;
    return tls13_expand_label(suite->prf, secret, secret_len, "key", NULL, 0, k->key,
                              key_len(suite->cipher)) &&
           tls13_expand_label(suite->prf, secret, secret_len, "iv", NULL, 0, k->iv, 12);
}

bool tls13_next_secret(const struct tls_suite *suite, uint8_t *secret, size_t secret_len)
{
    uint8_t next[TLS_SECRET_MAX];
    if (secret_len > sizeof next ||
        !tls13_expand_label(suite->prf, secret, secret_len, "traffic upd", NULL, 0, next,
                            secret_len))
        return false;
    memcpy(secret, next, secret_len);
    return true;
}

bool tls12_keys_from_master(struct tls_keys *client, struct tls_keys *server,
                            const struct tls_suite *suite, const uint8_t master[48],
                            const uint8_t client_random[32], const uint8_t server_random[32],
                            bool encrypt_then_mac)
{
    size_t mac = is_cbc(suite->cipher) ? tls_hash_len(suite->mac) : 0;
    size_t key = key_len(suite->cipher);
    size_t iv = suite->cipher == TLS_CIPHER_CHACHA20_POLY1305 ? 12 : is_cbc(suite->cipher) ? 0
              : 4;
    uint8_t seed[13 + 64], block[2 * (TLS_MAC_MAX + TLS_KEY_MAX + 12)];
    memcpy(seed, "key expansion", 13);
    memcpy(seed + 13, server_random, 32);
    memcpy(seed + 45, client_random, 32);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)hash_name(suite->prf),
                                         0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, 48),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed),
        OSSL_PARAM_construct_end(),
    };
    size_t need = 2 * (mac + key + iv);
    if (!kdf_run("TLS1-PRF", params, block, need))
        return false;
    /* key_block = client MAC key, server MAC key, client key, server key, client IV,
     * server IV (RFC 5246 §6.3) */
    tls_keys_free(client);
    tls_keys_free(server);
    memset(client, 0, sizeof *client);
    memset(server, 0, sizeof *server);
    const uint8_t *p = block;
    memcpy(client->mac_key, p, mac);
    memcpy(server->mac_key, p + mac, mac);
    p += 2 * mac;
    memcpy(client->key, p, key);
    memcpy(server->key, p + key, key);
    p += 2 * key;
    memcpy(client->iv, p, iv);
    memcpy(server->iv, p + iv, iv);
    client->suite = server->suite = suite;
    client->encrypt_then_mac = server->encrypt_then_mac = encrypt_then_mac;
    return true;
}

void tls_keys_free(struct tls_keys *k)
{
    if (k->ctx)
        EVP_CIPHER_CTX_free(k->ctx); /* libcrypto clears the key schedule it holds */
    k->ctx = NULL;
    const struct tls_suite *suite = k->suite;
    OPENSSL_cleanse(k, sizeof *k);
    k->suite = suite;
}

/* ---- records ---- */

static EVP_CIPHER_CTX *aead_ctx(struct tls_keys *k)
{
    if (k->ctx)
        return k->ctx;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx && EVP_DecryptInit_ex(ctx, cipher_of(k->suite->cipher), NULL, NULL, NULL) > 0 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) > 0 &&
        EVP_DecryptInit_ex(ctx, NULL, NULL, k->key, NULL) > 0)
        return k->ctx = ctx;
    EVP_CIPHER_CTX_free(ctx);
    return NULL;
}

/* AEAD open: nonce, aad, ct || tag. */
static bool aead_open(struct tls_keys *k, const uint8_t nonce[12], const uint8_t *aad,
                      size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t *tag,
                      uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = aead_ctx(k);
    int n = 0, fin = 0;
    return ctx && EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce) > 0 &&
           EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) > 0 &&
           EVP_DecryptUpdate(ctx, out, &n, ct, (int)ct_len) > 0 &&
           EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AEAD_TAG, (void *)tag) > 0 &&
           EVP_DecryptFinal_ex(ctx, out + n, &fin) > 0;
}

/* The per-record nonce: the write IV with the sequence number XORed into its last 8 bytes
 * (RFC 8446 §5.3, RFC 7905 §2). */
static void xor_nonce(uint8_t nonce[12], const uint8_t iv[12], uint64_t seq)
{
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* TLS 1.2's additional data: seq_num, type, version, length (RFC 5246 §6.2.3.3). */
static void tls12_aad(uint8_t aad[13], uint64_t seq, const uint8_t hdr[5], size_t len)
{
    for (int i = 0; i < 8; i++)
        aad[i] = (uint8_t)(seq >> (56 - 8 * i));
    aad[8] = hdr[0];
    aad[9] = hdr[1];
    aad[10] = hdr[2];
    aad[11] = (uint8_t)(len >> 8);
    aad[12] = (uint8_t)len;
}

static bool decrypt_tls13(struct tls_keys *k, uint64_t seq, const uint8_t hdr[5],
                          const uint8_t *rec, size_t len, uint8_t *out, size_t *out_len,
                          uint8_t *type)
{
    if (len < AEAD_TAG + 1)
        return false;
    uint8_t nonce[12];
    xor_nonce(nonce, k->iv, seq);
    size_t ct = len - AEAD_TAG;
    if (!aead_open(k, nonce, hdr, 5, rec, ct, rec + ct, out))
        return false;
    /* TLSInnerPlaintext: content, type, zeros (RFC 8446 §5.4) */
    while (ct > 0 && out[ct - 1] == 0)
        ct--;
    if (ct == 0)
        return false; /* no content type: a protocol error, as bad as a forgery here */
    *type = out[ct - 1];
    *out_len = ct - 1;
    return true;
}

static bool decrypt_tls12_aead(struct tls_keys *k, uint64_t seq, const uint8_t hdr[5],
                               const uint8_t *rec, size_t len, uint8_t *out, size_t *out_len)
{
    uint8_t nonce[12], aad[13];
    size_t explicit_len = k->suite->cipher == TLS_CIPHER_CHACHA20_POLY1305 ? 0 : 8;
    if (len < explicit_len + AEAD_TAG)
        return false;
    if (explicit_len) { /* GCM: the 4-byte salt, then the nonce the record carries */
        memcpy(nonce, k->iv, 4);
        memcpy(nonce + 4, rec, 8);
    } else {
        xor_nonce(nonce, k->iv, seq);
    }
    size_t ct = len - explicit_len - AEAD_TAG;
    tls12_aad(aad, seq, hdr, ct);
    if (!aead_open(k, nonce, aad, sizeof aad, rec + explicit_len, ct,
                   rec + explicit_len + ct, out))
        return false;
    *out_len = ct;
    return true;
}

/* The record MAC: HMAC over seq_num, type, version, length and the data (RFC 5246 §6.2.3.1). */
static bool hmac_check(const struct tls_keys *k, uint64_t seq, const uint8_t hdr[5],
                       const uint8_t *data, size_t n, const uint8_t *mac)
{
    size_t mac_len = tls_hash_len(k->suite->mac), got_len = 0;
    uint8_t head[13], got[EVP_MAX_MD_SIZE];
    tls12_aad(head, seq, hdr, n);
    EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         (char *)hash_name(k->suite->mac), 0),
        OSSL_PARAM_construct_end(),
    };
    bool ok = ctx && EVP_MAC_init(ctx, k->mac_key, mac_len, params) > 0 &&
              EVP_MAC_update(ctx, head, sizeof head) > 0 && EVP_MAC_update(ctx, data, n) > 0 &&
              EVP_MAC_final(ctx, got, &got_len, sizeof got) > 0 && got_len == mac_len &&
              memcmp(got, mac, mac_len) == 0;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(hmac);
    return ok;
}

/* AES-CBC over ct with the record's explicit IV, padding left in place. */
static bool cbc_decrypt(struct tls_keys *k, const uint8_t *iv, const uint8_t *ct, size_t n,
                        uint8_t *out)
{
    if (!k->ctx && !(k->ctx = EVP_CIPHER_CTX_new()))
        return false;
    int len = 0, fin = 0;
    return EVP_DecryptInit_ex(k->ctx, cipher_of(k->suite->cipher), NULL, k->key, iv) > 0 &&
           EVP_CIPHER_CTX_set_padding(k->ctx, 0) > 0 &&
           EVP_DecryptUpdate(k->ctx, out, &len, ct, (int)n) > 0 &&
           EVP_DecryptFinal_ex(k->ctx, out + len, &fin) > 0;
}

/* TLS 1.2 CBC: IV, then (MAC-then-encrypt) E(data || MAC || padding) or (encrypt-then-MAC,
 * RFC 7366) E(data || padding) || MAC. */
static bool decrypt_tls12_cbc(struct tls_keys *k, uint64_t seq, const uint8_t hdr[5],
                              const uint8_t *rec, size_t len, uint8_t *out, size_t *out_len)
{
    size_t mac_len = tls_hash_len(k->suite->mac);
    size_t body = k->encrypt_then_mac ? len - mac_len : len;
    if (len < AES_BLOCK + mac_len + AES_BLOCK || body < 2 * AES_BLOCK ||
        (body - AES_BLOCK) % AES_BLOCK)
        return false;
    if (k->encrypt_then_mac && !hmac_check(k, seq, hdr, rec, body, rec + body))
        return false;
    size_t ct = body - AES_BLOCK;
    if (!cbc_decrypt(k, rec, rec + AES_BLOCK, ct, out))
        return false;
    size_t pad = out[ct - 1];
    size_t tail = pad + 1 + (k->encrypt_then_mac ? 0 : mac_len);
    if (tail > ct)
        return false;
    for (size_t i = ct - pad - 1; i < ct - 1; i++)
        if (out[i] != pad)
            return false; /* RFC 5246 §6.2.3.2: every padding byte holds the length */
    size_t data = ct - tail;
    if (!k->encrypt_then_mac && !hmac_check(k, seq, hdr, out, data, out + data))
        return false;
    *out_len = data;
    return true;
}

bool tls_record_decrypt(struct tls_keys *k, uint64_t seq, const uint8_t hdr[5],
                        const uint8_t *rec, size_t len, uint8_t *out, size_t *out_len,
                        uint8_t *type)
{
    if (!k->suite)
        return false;
    if (k->suite->tls13)
        return decrypt_tls13(k, seq, hdr, rec, len, out, out_len, type);
    *type = hdr[0];
    if (is_cbc(k->suite->cipher))
        return decrypt_tls12_cbc(k, seq, hdr, rec, len, out, out_len);
    return decrypt_tls12_aead(k, seq, hdr, rec, len, out, out_len);
}
