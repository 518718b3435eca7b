/* Unit tests for TLS decryption: the key schedules against RFC 8448's example values, record
 * decryption for every kind of protection (records built with OpenSSL's encrypting side, an
 * independent implementation), and the key log parser. */
#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "tls_crypto.h"
#include "tls_keylog.h"

static size_t hex(const char *s, uint8_t *out)
{
    size_t n = 0;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\n')
            continue;
        unsigned v;
        ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
        out[n++] = (uint8_t)v;
        s++;
    }
    return n;
}

static void assert_bytes(const uint8_t *got, const char *want_hex)
{
    uint8_t want[64];
    size_t n = hex(want_hex, want);
    ck_assert_mem_eq(got, want, n);
}

/* RFC 8448 §3 (simple 1-RTT handshake) and §4 (resumed 0-RTT): traffic secrets and the write
 * keys and IVs they give (TLS_AES_128_GCM_SHA256). */
START_TEST(rfc8448_traffic_keys)
{
    static const struct { const char *secret, *key, *iv; } v[] = {
        { "b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59"
          " d3 91 ad 38", "3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc",
          "5d 31 3e b2 67 12 76 ee 13 00 0b 30" },         /* server handshake */
        { "b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e"
          " 27 a5 5a 21", "db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01",
          "5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f" },         /* client handshake */
        { "a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f"
          " cb 63 16 43", "9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56",
          "cf 78 2b 88 dd 83 54 9a ad f1 e9 84" },         /* server application */
        { "9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7"
          " c1 75 04 a5", "17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51",
          "5b 78 92 3d ee 08 57 90 33 e5 23 d9" },         /* client application */
        { "3f bb e6 a6 0d eb 66 c3 0a 32 79 5a ba 0e ff 7e aa 10 10 55 86 e7 be 5c 09 67 8d 63"
          " b6 ca ab 62", "92 02 05 a5 b7 bf 21 15 e6 fc 5c 29 42 83 4f 54",
          "6d 47 5f 09 93 c8 e5 64 61 0d b2 b9" },         /* client early (§4) */
    };
    const struct tls_suite *suite = tls_suite_find(0x1301);
    ck_assert_ptr_nonnull(suite);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t secret[48];
        size_t n = hex(v[i].secret, secret);
        struct tls_keys k = { 0 };
        ck_assert(tls13_keys_from_secret(&k, suite, secret, n));
        assert_bytes(k.key, v[i].key);
        assert_bytes(k.iv, v[i].iv);
        tls_keys_free(&k);
    }
}
END_TEST

START_TEST(key_update_chain)
{
    /* RFC 8446 §7.2: the next secret is HKDF-Expand-Label(secret, "traffic upd", "", Hash.len);
     * the same thing said as expand_label must give the same bytes, and twice differs */
    const struct tls_suite *suite = tls_suite_find(0x1302);
    uint8_t s[48], want[48];
    memset(s, 0x42, sizeof s);
    ck_assert(tls13_expand_label(TLS_HASH_SHA384, s, 48, "traffic upd", NULL, 0, want, 48));
    ck_assert(tls13_next_secret(suite, s, 48));
    ck_assert_mem_eq(s, want, 48);
    ck_assert(tls13_next_secret(suite, s, 48));
    ck_assert(memcmp(s, want, 48) != 0);
}
END_TEST

/* ---- records, sealed by OpenSSL's own AEAD and CBC code ---- */

static size_t seal_aead(const EVP_CIPHER *c, const uint8_t *key, const uint8_t nonce[12],
                        const uint8_t *aad, size_t aad_len, const uint8_t *pt, size_t n,
                        uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    ck_assert(EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL));
    ck_assert(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL));
    ck_assert(EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce));
    ck_assert(EVP_EncryptUpdate(ctx, NULL, &len, aad, (int)aad_len));
    ck_assert(EVP_EncryptUpdate(ctx, out, &len, pt, (int)n));
    ck_assert(EVP_EncryptFinal_ex(ctx, out + len, &fin));
    ck_assert(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + n));
    EVP_CIPHER_CTX_free(ctx);
    return n + 16;
}

START_TEST(tls13_record)
{
    const struct tls_suite *suite = tls_suite_find(0x1301);
    uint8_t secret[32];
    hex("a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f"
        " cb 63 16 43", secret);
    struct tls_keys k = { 0 };
    ck_assert(tls13_keys_from_secret(&k, suite, secret, 32));
    /* TLSInnerPlaintext: "hello", type 23 (application data), three bytes of padding */
    static const uint8_t inner[] = { 'h', 'e', 'l', 'l', 'o', 23, 0, 0, 0 };
    uint8_t hdr[5] = { 23, 3, 3, 0, sizeof inner + 16 }, nonce[12], rec[64], out[64];
    uint64_t seq = 5;
    memcpy(nonce, k.iv, 12);
    nonce[11] ^= (uint8_t)seq;
    size_t n = seal_aead(EVP_aes_128_gcm(), k.key, nonce, hdr, 5, inner, sizeof inner, rec);
    size_t out_len = 0;
    uint8_t type = 0;
    ck_assert(tls_record_decrypt(&k, seq, hdr, rec, n, out, &out_len, &type));
    ck_assert_uint_eq(out_len, 5);
    ck_assert_mem_eq(out, "hello", 5);
    ck_assert_uint_eq(type, 23);
    ck_assert(!tls_record_decrypt(&k, seq + 1, hdr, rec, n, out, &out_len, &type)); /* seq */
    rec[3] ^= 1;
    ck_assert(!tls_record_decrypt(&k, seq, hdr, rec, n, out, &out_len, &type)); /* a flip */
    tls_keys_free(&k);
}
END_TEST

static void tls12_aad(uint8_t aad[13], uint64_t seq, uint8_t type, size_t len)
{
    for (int i = 0; i < 8; i++)
        aad[i] = (uint8_t)(seq >> (56 - 8 * i));
    aad[8] = type;
    aad[9] = 3;
    aad[10] = 3;
    aad[11] = (uint8_t)(len >> 8);
    aad[12] = (uint8_t)len;
}

START_TEST(tls12_gcm_and_chacha_records)
{
    uint8_t master[48], cr[32], sr[32];
    memset(master, 7, 48);
    memset(cr, 1, 32);
    memset(sr, 2, 32);
    static const uint8_t pt[] = "GET / HTTP/1.1\r\n";
    for (int chacha = 0; chacha < 2; chacha++) {
        const struct tls_suite *suite = tls_suite_find(chacha ? 0xcca8 : 0xc02f);
        struct tls_keys c = { 0 }, s = { 0 };
        ck_assert(tls12_keys_from_master(&c, &s, suite, master, cr, sr, false));
        ck_assert(memcmp(c.key, s.key, 16) != 0);
        uint64_t seq = 3;
        uint8_t aad[13], nonce[12], rec[128], out[128];
        size_t ptn = sizeof pt - 1, off = 0;
        tls12_aad(aad, seq, 23, ptn);
        if (chacha) { /* RFC 7905: the 12-byte IV with the sequence number XORed in */
            memcpy(nonce, c.iv, 12);
            nonce[11] ^= (uint8_t)seq;
        } else {      /* RFC 5288: 4 bytes of salt, then the 8 the record carries */
            memcpy(nonce, c.iv, 4);
            memcpy(nonce + 4, "\x00\x11\x22\x33\x44\x55\x66\x77", 8);
            memcpy(rec, nonce + 4, 8);
            off = 8;
        }
        size_t n = off + seal_aead(chacha ? EVP_chacha20_poly1305() : EVP_aes_128_gcm(), c.key,
                                   nonce, aad, 13, pt, ptn, rec + off);
        uint8_t hdr[5] = { 23, 3, 3, (uint8_t)(n >> 8), (uint8_t)n }, type = 0;
        size_t out_len = 0;
        ck_assert(tls_record_decrypt(&c, seq, hdr, rec, n, out, &out_len, &type));
        ck_assert_uint_eq(out_len, ptn);
        ck_assert_mem_eq(out, pt, ptn);
        ck_assert(!tls_record_decrypt(&s, seq, hdr, rec, n, out, &out_len, &type)); /* wrong
                                                                                       * key */
        tls_keys_free(&c);
        tls_keys_free(&s);
    }
}
END_TEST

/* A CBC record as a TLS 1.2 sender makes it: HMAC-SHA256, then padding, AES-128-CBC, with
 * the MAC before encryption or (RFC 7366) after it. */
static size_t seal_cbc(const struct tls_keys *k, uint64_t seq, const uint8_t *pt, size_t n,
                       bool etm, uint8_t *rec)
{
    uint8_t head[13], buf[256], mac[32];
    unsigned mac_len = 0;
    static const uint8_t iv[16] = "0123456789abcdef";
    memcpy(rec, iv, 16);
    size_t body = n;
    memcpy(buf, pt, n);
    if (!etm) {
        tls12_aad(head, seq, 23, n);
        uint8_t in[256];
        memcpy(in, head, 13);
        memcpy(in + 13, pt, n);
        ck_assert_ptr_nonnull(HMAC(EVP_sha256(), k->mac_key, 32, in, 13 + n, mac, &mac_len));
        memcpy(buf + body, mac, 32);
        body += 32;
    }
    size_t pad = 15 - body % 16;
    memset(buf + body, (int)pad, pad + 1);
    body += pad + 1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int len = 0, fin = 0;
    ck_assert(EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), NULL, k->key, iv));
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    ck_assert(EVP_EncryptUpdate(ctx, rec + 16, &len, buf, (int)body));
    ck_assert(EVP_EncryptFinal_ex(ctx, rec + 16 + len, &fin));
    EVP_CIPHER_CTX_free(ctx);
    size_t total = 16 + body;
    if (etm) {
        uint8_t in[300];
        tls12_aad(head, seq, 23, total);
        memcpy(in, head, 13);
        memcpy(in + 13, rec, total);
        ck_assert_ptr_nonnull(HMAC(EVP_sha256(), k->mac_key, 32, in, 13 + total, rec + total,
                                   &mac_len));
        total += 32;
    }
    return total;
}

START_TEST(tls12_cbc_records)
{
    uint8_t master[48], cr[32], sr[32];
    memset(master, 9, 48);
    memset(cr, 3, 32);
    memset(sr, 4, 32);
    static const uint8_t pt[] = "HTTP/1.1 101 Switching Protocols\r\n";
    for (int etm = 0; etm < 2; etm++) {
        const struct tls_suite *suite = tls_suite_find(0xc027);
        struct tls_keys c = { 0 }, s = { 0 };
        ck_assert(tls12_keys_from_master(&c, &s, suite, master, cr, sr, etm));
        uint8_t rec[300], out[300], type;
        size_t n = seal_cbc(&s, 9, pt, sizeof pt - 1, etm, rec), out_len = 0;
        uint8_t hdr[5] = { 23, 3, 3, (uint8_t)(n >> 8), (uint8_t)n };
        ck_assert_msg(tls_record_decrypt(&s, 9, hdr, rec, n, out, &out_len, &type), "etm %d",
                      etm);
        ck_assert_uint_eq(out_len, sizeof pt - 1);
        ck_assert_mem_eq(out, pt, out_len);
        ck_assert(!tls_record_decrypt(&s, 10, hdr, rec, n, out, &out_len, &type));
        tls_keys_free(&c);
        tls_keys_free(&s);
    }
}
END_TEST

START_TEST(suite_names)
{
    char buf[8];
    ck_assert_str_eq(tls_suite_name(0x1303, buf), "TLS_CHACHA20_POLY1305_SHA256");
    ck_assert_str_eq(tls_suite_name(0xc030, buf), "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
    ck_assert_str_eq(tls_suite_name(0x0005, buf), "0x0005"); /* RC4: not decryptable */
    ck_assert_ptr_null(tls_suite_find(0x0005));
}
END_TEST

/* ---- the key log ---- */

static const char cr_hex[] =
    "0001020304050607080910111213141516171819202122232425262728293031";

START_TEST(keylog_lines)
{
    char path[] = "/tmp/upscope-keylog-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# a comment\n\n"
               "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s %064d\r\n"
               "SERVER_TRAFFIC_SECRET_0 %s %096d\n"
               "RSA 0102 0304\n"                            /* a label upscope skips */
               "CLIENT_RANDOM %s 00\n"                      /* master secret too short */
               "CLIENT_TRAFFIC_SECRET_0 nothex %064d\n"     /* bad random */
               "CLIENT_TRAFFIC_SECRET_0 %s\n"               /* two fields */
               "CLIENT_RANDOM %s %096d\n",
            cr_hex, 7, cr_hex, 9, cr_hex, 1, "f1f2f3f4f5f6f7f8f9fafbfcfdfeff00"
            "0102030405060708090a0b0c0d0e0f10", cr_hex, 5);
    fclose(f);
    char err[256];
    FILE *msgs = tmpfile();
    struct tls_keylog *kl = tls_keylog_new(msgs);
    ck_assert(tls_keylog_add_file(kl, path, err, sizeof err));
    uint8_t cr[32];
    hex(cr_hex, cr);
    const struct tls_secrets *s = tls_keylog_find(kl, cr, TLS_SECRET_MASTER);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->len[TLS_SECRET_CLIENT_HANDSHAKE], 32);
    ck_assert_uint_eq(s->secret[TLS_SECRET_CLIENT_HANDSHAKE][31], 0x07);
    ck_assert_uint_eq(s->len[TLS_SECRET_SERVER_TRAFFIC_0], 48);
    ck_assert_uint_eq(s->len[TLS_SECRET_MASTER], 48);
    ck_assert_uint_eq(s->len[TLS_SECRET_CLIENT_TRAFFIC_0], 0);
    const struct tls_keylog_stats *st = tls_keylog_stats(kl);
    ck_assert_uint_eq(st->bad_lines, 3);
    ck_assert_uint_eq(st->skipped, 1);
    ck_assert_uint_eq(st->secrets, 3);
    /* each bad line is named by file and number, and no secret is printed */
    char text[1024] = "";
    rewind(msgs);
    size_t got = fread(text, 1, sizeof text - 1, msgs);
    text[got] = '\0';
    char want[128];
    snprintf(want, sizeof want, "%s:6: not a key log line: the master secret", path);
    ck_assert_ptr_nonnull(strstr(text, want));
    snprintf(want, sizeof want, "%s:7: not a key log line: the client random", path);
    ck_assert_ptr_nonnull(strstr(text, want));
    snprintf(want, sizeof want, "%s:8: not a key log line: fewer than three fields", path);
    ck_assert_ptr_nonnull(strstr(text, want));
    ck_assert_ptr_null(strstr(text, "0000000000000007"));
    fclose(msgs);
    tls_keylog_free(kl);
    unlink(path);
}
END_TEST

START_TEST(keylog_grows_and_truncated_line)
{
    /* a browser appends keys as it goes: a random not known yet is looked for again in what
     * the file gained; a last line cut short is taken as it is once the file stops growing */
    char path[] = "/tmp/upscope-keylog-XXXXXX";
    int fd = mkstemp(path);
    FILE *w = fdopen(fd, "w");
    fprintf(w, "# SSL/TLS secrets log file\n");
    fflush(w);
    char err[256];
    struct tls_keylog *kl = tls_keylog_new(NULL);
    ck_assert(tls_keylog_add_file(kl, path, err, sizeof err));
    uint8_t cr[32];
    hex(cr_hex, cr);
    ck_assert_ptr_null(tls_keylog_find(kl, cr, TLS_SECRET_CLIENT_TRAFFIC_0));
    fprintf(w, "CLIENT_TRAFFIC_SECRET_0 %s %064d\n", cr_hex, 3);
    fflush(w);
    const struct tls_secrets *s = tls_keylog_find(kl, cr, TLS_SECRET_CLIENT_TRAFFIC_0);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->len[TLS_SECRET_CLIENT_TRAFFIC_0], 32);
    /* a random already known but without the secret needed now: the file is read again */
    fprintf(w, "SERVER_TRAFFIC_SECRET_0 %s %064d\n", cr_hex, 4);
    fflush(w);
    s = tls_keylog_find(kl, cr, TLS_SECRET_SERVER_TRAFFIC_0);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->len[TLS_SECRET_SERVER_TRAFFIC_0], 32);
    cr[0] ^= 0xff;
    fprintf(w, "SERVER_TRAFFIC_SECRET_0 ff%s 0102", cr_hex + 2); /* cut, no newline */
    fflush(w);
    /* read now, still growing: not yet taken */
    ck_assert_ptr_null(tls_keylog_find(kl, cr, TLS_SECRET_SERVER_TRAFFIC_0));
    ck_assert_uint_eq(tls_keylog_stats(kl)->bad_lines, 0);
    /* no growth: taken, and it is bad */
    ck_assert_ptr_null(tls_keylog_find(kl, cr, TLS_SECRET_SERVER_TRAFFIC_0));
    ck_assert_uint_eq(tls_keylog_stats(kl)->bad_lines, 1);
    fclose(w);
    tls_keylog_free(kl);
    unlink(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tls");
    TCase *tc = tcase_create("tls");
    tcase_add_test(tc, rfc8448_traffic_keys);
    tcase_add_test(tc, key_update_chain);
    tcase_add_test(tc, tls13_record);
    tcase_add_test(tc, tls12_gcm_and_chacha_records);
    tcase_add_test(tc, tls12_cbc_records);
    tcase_add_test(tc, suite_names);
    tcase_add_test(tc, keylog_lines);
    tcase_add_test(tc, keylog_grows_and_truncated_line);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
