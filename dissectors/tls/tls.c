/* tls: TLS on a connection — from its first byte (https, wss://), after an RFC 2817 upgrade,
 * or picked up mid-stream. Reads the records both ways and the hellos (SNI, ALPN, versions,
 * the suite); when a key log holds the connection's secrets it decrypts the records (TLS 1.3:
 * handshake, application, 0-RTT and KeyUpdate secrets; TLS 1.2: the master secret's key block;
 * tls_crypto.c) and feeds the plaintext to a layer above (dispatch), where HTTP/1.1 with its
 * upgrades, or HTTP/2 chosen by ALPN, are dissected as on a cleartext connection. What the
 * connection showed (struct tls_info) is copied into the sessions it carries, and into the
 * session of its own layer (the RFC 2817 upgrade's, or the connection's own report). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "dissector.h"
#include "escape.h"

#include "tls.h"
#include "tls_crypto.h"
#include "tls_hello.h"
#include "tls_keylog.h"
#include "tls_session.h"

#define RECORD_HEADER_LEN 5
#define RECORD_MAX (16384 + 2048)      /* RFC 5246 §6.2.3: the largest protected record */
#define HANDSHAKE_CAP (64u * 1024)     /* a handshake message larger than this is skipped */

enum { CT_CHANGE_CIPHER_SPEC = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPLICATION = 23,
       CT_HEARTBEAT = 24 };
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_END_OF_EARLY_DATA = 5,
       HS_ENCRYPTED_EXTENSIONS = 8, HS_FINISHED = 20, HS_KEY_UPDATE = 24 };

/* Which keys protect a direction's records now; TLS 1.3 goes through them in this order. */
enum phase { PHASE_PLAIN, PHASE_EARLY, PHASE_HANDSHAKE, PHASE_APPLICATION };

struct tls_dir {
    bool resync;                   /* framing lost (a gap): wait for a record header */
    int event;                     /* the ladder event of the current record, -1 if none */
    bool first_record_seen;
    uint8_t phase;                 /* enum phase */
    bool keyed;                    /* keys are the current phase's */
    struct tls_keys keys;
    uint64_t seq;                  /* records protected with the current keys so far */
    uint8_t secret[TLS_SECRET_MAX];   /* TLS 1.3: the current application traffic secret */
    uint8_t secret_len;
    bool gap;                      /* bytes lost: sequence numbers unknown from here */
    uint8_t *hs;                   /* handshake bytes until a whole message is there */
    uint32_t hs_len, hs_skip;
};

struct tls {
    struct tls_dir d[2];
    struct tls_info info;          /* what the connection showed, copied into sessions */
    bool upgrade;                  /* reached through an RFC 2817 101 */
    bool midstream;                /* picked up after the hellos */
    bool client_hello, server_hello, tls13_offered, early_offered, etm;
    uint8_t client_random[32], server_random[32];
    uint16_t version;              /* negotiated; 0 until the ServerHello */
    const struct tls_suite *suite; /* NULL: unknown yet, or not decryptable */
    uint16_t suite_id;
    struct tls_secrets secrets;    /* the key log's, once found */
    bool have_secrets;
    uint8_t failure;               /* enum tls_decrypt_failure: the first reason */
    struct dissect *inner;         /* the layer carrying the plaintext */
};

static const char *const record_names[] = { "ChangeCipherSpec", "Alert", "Handshake",
                                            "ApplicationData", "Heartbeat" };

/* ---- what the connection shows ---- */

static void note_failure(struct tls *tl, struct dissect *dx, enum tls_decrypt_failure why)
{
    if (tl->failure == TLS_DECRYPT_OK)
        tl->failure = (uint8_t)why;
    if (dissect_module_ctx(dx, PROTO_TLS))
        dissect_want_report(dx); /* a key log was given: say why this one stayed closed */
}

static uint64_t protected_records(const struct tls *tl)
{
    return tl->info.records_decrypted[0] + tl->info.records_decrypted[1] +
           tl->info.auth_failures[0] + tl->info.auth_failures[1];
}

/* The TLS part as a session gets it: decrypted, or why not. */
static void finish_info(struct tls *tl)
{
    struct tls_info *t = &tl->info;
    t->failure = tl->failure;
    if (tl->failure == TLS_DECRYPT_OK && !protected_records(tl) && tl->version &&
        !tl->have_secrets)
        t->failure = TLS_DECRYPT_NO_KEY;
    t->decrypted = t->failure == TLS_DECRYPT_OK && protected_records(tl) > 0;
}

/* s (a session of this layer, or one it carries) gets the TLS part and its finding. */
static void give_info(struct tls *tl, struct session *s, ts_us_t ts)
{
    struct tls_info *t = s ? tls_info_of(s) : NULL;
    if (!t)
        return;
    finish_info(tl);
    tls_info_copy(t, &tl->info);
    for (int d = 0; d < 2; d++)
        if (tl->info.auth_failures[d])
            session_finding(s, F_TLS_RECORD_AUTH_FAILED, d, ts, "%llu record(s) from the %s "
                            "did not authenticate with the logged keys",
                            (unsigned long long)tl->info.auth_failures[d], dir_name(d));
}

static void fill_from_hello(struct tls *tl, enum dir dir, const struct tls_hello *h)
{
    struct tls_info *t = &tl->info;
    char buf[16];
    if (dir == DIR_C2S) {
        tls_info_clear(t); /* a second ClientHello (after a HelloRetryRequest) says it again */
        t->client_hello = true;
        if (h->sni[0])
            t->sni = strdup(h->sni);
        for (unsigned i = 0; i < h->nalpn; i++)
            strlist_add(&t->alpn, h->alpn[i], strlen(h->alpn[i]));
        for (unsigned i = 0; i < h->nversions; i++) {
            const char *name = tls_version_name(h->versions[i], buf);
            strlist_add(&t->versions, name, strlen(name));
        }
        return;
    }
    t->server_hello = true;
    free(t->server_version);
    t->server_version = h->nversions ? strdup(tls_version_name(h->versions[h->nversions - 1],
                                                               buf)) : NULL;
    if (h->nalpn) {
        free(t->server_alpn);
        t->server_alpn = strdup(h->alpn[0]);
    }
    free(t->cipher_suite);
    t->cipher_suite = strdup(tls_suite_name(h->cipher_suite, buf));
    t->resumed = h->psk;
}

/* The record's arrow on the ladder says what hello it carried. */
static void hello_event(struct session *s, int event, enum dir dir, const struct tls_hello *h)
{
    char sni[120], alpn[120] = "", buf[16], sb[8];
    escape_buf(sni, sizeof sni, h->sni, strlen(h->sni), ESCAPE_TERMINAL);
    for (unsigned i = 0; i < h->nalpn; i++) {
        char one[64];
        escape_buf(one, sizeof one, h->alpn[i], strlen(h->alpn[i]), ESCAPE_TERMINAL);
        size_t used = strlen(alpn);
        snprintf(alpn + used, sizeof alpn - used, "%s%s", i ? "," : "", one);
    }
    if (dir == DIR_C2S)
        session_event_relabel(s, event, "ClientHello SNI=%s ALPN=%s", sni[0] ? sni : "-",
                              alpn[0] ? alpn : "-");
    else if (h->retry_request)
        session_event_relabel(s, event, "HelloRetryRequest");
    else
        session_event_relabel(s, event, "ServerHello %s %s%s%s",
                              h->nversions ? tls_version_name(h->versions[h->nversions - 1],
                                                              buf) : "?",
                              tls_suite_name(h->cipher_suite, sb), alpn[0] ? " ALPN=" : "",
                              alpn);
}

/* ---- keys ---- */

/* The secrets from the key log, once they hold the one needed now. */
static bool find_secrets(struct tls *tl, struct dissect *dx, enum tls_secret_kind need)
{
    if (tl->have_secrets && tl->secrets.len[need])
        return true;
    struct tls_keylog *kl = dissect_module_ctx(dx, PROTO_TLS);
    if (!kl || !tl->client_hello || !tls_keylog_copy(kl, tl->client_random, need, &tl->secrets))
        return false;
    tl->have_secrets = true;
    return tl->secrets.len[need] > 0;
}

static const uint8_t secret_kind[2][4] = {
    [DIR_C2S] = { 0, TLS_SECRET_CLIENT_EARLY, TLS_SECRET_CLIENT_HANDSHAKE,
                  TLS_SECRET_CLIENT_TRAFFIC_0 },
    [DIR_S2C] = { 0, 0, TLS_SECRET_SERVER_HANDSHAKE, TLS_SECRET_SERVER_TRAFFIC_0 },
};

/* The suite of 0-RTT data is the resumed session's, unknown before the ServerHello: the
 * secret's length says the hash; AES-128-GCM first, ChaCha20 if that does not open. */
static const struct tls_suite *early_suite(uint8_t secret_len, int attempt)
{
    if (secret_len == 48)
        return attempt == 0 ? tls_suite_find(0x1302) : NULL;
    return tls_suite_find(attempt == 0 ? 0x1301 : attempt == 1 ? 0x1303 : 0);
}

/* TLS 1.3: dir's keys for phase (its secret from the key log). */
static bool keys_tls13(struct tls *tl, enum dir dir, enum phase phase, int attempt)
{
    struct tls_dir *d = &tl->d[dir];
    int kind = secret_kind[dir][phase];
    uint8_t len = tl->secrets.len[kind];
    const struct tls_suite *suite = phase == PHASE_EARLY && !tl->suite
                                  ? early_suite(len, attempt) : tl->suite;
    if (!len || !suite || (attempt && phase != PHASE_EARLY))
        return false;
    memcpy(d->secret, tl->secrets.secret[kind], len);
    d->secret_len = len;
    return tls13_keys_from_secret(&d->keys, suite, d->secret, len);
}

/* Makes dir's keys those of its current phase; false (and why) if that cannot be. */
static bool ensure_keys(struct tls *tl, struct dissect *dx, enum dir dir)
{
    struct tls_dir *d = &tl->d[dir];
    if (d->keyed)
        return true;
    if (tl->midstream) {
        note_failure(tl, dx, TLS_DECRYPT_MIDSTREAM);
        return false;
    }
    if (tl->version && !tl->suite) {
        note_failure(tl, dx, TLS_DECRYPT_UNSUPPORTED_SUITE);
        return false;
    }
    bool tls13 = tl->version == 0x0304 || (!tl->version && d->phase == PHASE_EARLY);
    if (!find_secrets(tl, dx, tls13 ? secret_kind[dir][d->phase] : TLS_SECRET_MASTER))
        return false; /* perhaps later: live key logs grow */
    if (tls13) {
        d->keyed = keys_tls13(tl, dir, (enum phase)d->phase, 0);
    } else if (tl->secrets.len[TLS_SECRET_MASTER] == 48) {
        /* TLS 1.2: the key block holds both directions' keys; this one keeps its own */
        struct tls_keys ck = { 0 }, sk = { 0 };
        if (tls12_keys_from_master(&ck, &sk, tl->suite, tl->secrets.secret[TLS_SECRET_MASTER],
                                   tl->client_random, tl->server_random, tl->etm)) {
            tls_keys_free(&d->keys);
            d->keys = dir == DIR_C2S ? ck : sk;
            d->keyed = true;
        }
    }
    return d->keyed;
}

/* The direction moves to the next keys (TLS 1.3): their records count from 0. */
static void enter_phase(struct tls_dir *d, enum phase phase)
{
    d->phase = (uint8_t)phase;
    d->keyed = false;
    d->seq = 0;
}

/* ---- handshake messages ---- */

static void on_client_hello(struct tls *tl, struct dissect *dx, const struct tls_hello *h)
{
    (void)dx;
    tl->client_hello = true;
    memcpy(tl->client_random, h->random, 32);
    tl->early_offered = h->early_data;
    for (unsigned i = 0; i < h->nversions; i++)
        tl->tls13_offered |= h->versions[i] == 0x0304;
    fill_from_hello(tl, DIR_C2S, h);
    if (tl->early_offered && tl->tls13_offered && tl->d[DIR_C2S].phase == PHASE_PLAIN)
        enter_phase(&tl->d[DIR_C2S], PHASE_EARLY);
}

static void on_server_hello(struct tls *tl, struct dissect *dx, const struct tls_hello *h)
{
    (void)dx;
    if (h->retry_request)
        return; /* the real ServerHello follows the second ClientHello (RFC 8446 §4.1.4) */
    tl->server_hello = true;
    memcpy(tl->server_random, h->random, 32);
    tl->version = h->nversions ? h->versions[h->nversions - 1] : h->legacy_version;
    tl->suite_id = h->cipher_suite;
    tl->suite = tls_suite_find(h->cipher_suite);
    if (tl->suite && tl->suite->tls13 != (tl->version == 0x0304))
        tl->suite = NULL; /* a TLS 1.3 suite with TLS 1.2, or the reverse: not ours to guess */
    if (tl->version < 0x0303)
        tl->suite = NULL; /* TLS 1.0/1.1 CBC chains IVs across records: not supported */
    tl->etm = h->encrypt_then_mac;
    fill_from_hello(tl, DIR_S2C, h);
    if (tl->version == 0x0304) {
        enter_phase(&tl->d[DIR_S2C], PHASE_HANDSHAKE);
        if (tl->d[DIR_C2S].phase != PHASE_EARLY)
            enter_phase(&tl->d[DIR_C2S], PHASE_HANDSHAKE);
    }
}

/* One whole handshake message (type, body) of direction dir. */
static void handshake_message(struct tls *tl, struct dissect *dx, enum dir dir, uint8_t type,
                              const uint8_t *body, uint32_t len)
{
    struct tls_dir *d = &tl->d[dir];
    struct session *s = dissect_tunnel_session(dx);
    if ((type == HS_CLIENT_HELLO && dir == DIR_C2S) ||
        (type == HS_SERVER_HELLO && dir == DIR_S2C)) {
        struct tls_hello h;
        if (!tls_hello_parse(type, body, len, &h))
            return;
        hello_event(s, d->event, dir, &h);
        if (dir == DIR_C2S)
            on_client_hello(tl, dx, &h);
        else
            on_server_hello(tl, dx, &h);
        return;
    }
    if (tl->version != 0x0304)
        return; /* TLS 1.2's encrypted Finished needs nothing more from us */
    if (type == HS_ENCRYPTED_EXTENSIONS && dir == DIR_S2C) {
        char alpn[64];
        if (tls_encrypted_extensions_alpn(body, len, alpn)) {
            free(tl->info.server_alpn);
            tl->info.server_alpn = strdup(alpn);
        }
    } else if (type == HS_END_OF_EARLY_DATA && d->phase == PHASE_EARLY) {
        enter_phase(d, PHASE_HANDSHAKE);
    } else if (type == HS_FINISHED && d->phase == PHASE_HANDSHAKE) {
        enter_phase(d, PHASE_APPLICATION);
    } else if (type == HS_KEY_UPDATE && d->phase == PHASE_APPLICATION && d->keyed) {
        /* RFC 8446 §4.6.3: the sender's next records use the next secret */
        d->keyed = tls13_next_secret(tl->suite, d->secret, d->secret_len) &&
                   tls13_keys_from_secret(&d->keys, tl->suite, d->secret, d->secret_len);
        d->seq = 0;
        tl->info.key_updates[dir]++;
    }
}

/* Handshake bytes (plaintext, or decrypted) of dir: whole messages are handled as they
 * complete; one larger than HANDSHAKE_CAP is skipped. */
static void handshake_bytes(struct tls *tl, struct dissect *dx, enum dir dir, const uint8_t *p,
                            size_t n)
{
    struct tls_dir *d = &tl->d[dir];
    while (n) {
        if (d->hs_skip) {
            size_t k = n < d->hs_skip ? n : d->hs_skip;
            d->hs_skip -= (uint32_t)k;
            p += k;
            n -= k;
            continue;
        }
        size_t room = HANDSHAKE_CAP - d->hs_len, k = n < room ? n : room;
        if (!d->hs && !(d->hs = malloc(HANDSHAKE_CAP)))
            return;
        memcpy(d->hs + d->hs_len, p, k);
        d->hs_len += (uint32_t)k;
        p += k;
        n -= k;
        while (d->hs_len >= 4) {
            uint32_t len = (uint32_t)d->hs[1] << 16 | (uint32_t)d->hs[2] << 8 | d->hs[3];
            if (4 + len > HANDSHAKE_CAP) { /* too big to keep: skip it whole */
                d->hs_skip = 4 + len - d->hs_len;
                d->hs_len = 0;
                break;
            }
            if (d->hs_len < 4 + len)
                break;
            handshake_message(tl, dx, dir, d->hs[0], d->hs + 4, len);
            memmove(d->hs, d->hs + 4 + len, d->hs_len - 4 - len);
            d->hs_len -= 4 + len;
        }
    }
}

/* ---- records ---- */

/* Decrypted application data: to the layer above, opened on first use. */
static void application_data(struct tls *tl, struct dissect *dx, enum dir dir,
                             const uint8_t *p, size_t n, ts_us_t ts)
{
    if (tl->d[dir].phase == PHASE_EARLY)
        tl->info.early_data = true;
    if (!tl->inner && !(tl->inner = dissect_layer_new(dx, PROTO_TLS, 0, tl->midstream)))
        return;
    dissect_layer_data(tl->inner, dir, p, n, ts);
}

/* Opens a protected record with dir's current keys; in TLS 1.3, with the next phase's keys if
 * those fail (the Finished or EndOfEarlyData that moves a direction on may have gone by
 * unseen, and 0-RTT data may have been refused). */
static bool open_record(struct tls *tl, struct dissect *dx, enum dir dir, const uint8_t *hdr,
                        const uint8_t *body, uint32_t len, uint8_t *out, size_t *out_len,
                        uint8_t *type)
{
    struct tls_dir *d = &tl->d[dir];
    if (ensure_keys(tl, dx, dir) &&
        tls_record_decrypt(&d->keys, d->seq, hdr, body, len, out, out_len, type))
        return true;
    if (!tl->have_secrets || !(tl->version == 0x0304 || d->phase == PHASE_EARLY))
        return false;
    for (int attempt = 1; d->phase == PHASE_EARLY && attempt < 3; attempt++)
        if (keys_tls13(tl, dir, PHASE_EARLY, attempt) &&
            tls_record_decrypt(&d->keys, d->seq, hdr, body, len, out, out_len, type))
            return d->keyed = true;
    if (d->phase == PHASE_APPLICATION || !tl->suite)
        return false;
    struct tls_dir saved = *d;
    enter_phase(d, (enum phase)(d->phase + 1));
    if (ensure_keys(tl, dx, dir) &&
        tls_record_decrypt(&d->keys, 0, hdr, body, len, out, out_len, type))
        return true;
    d->phase = saved.phase; /* neither opened it: back to where it was */
    d->keyed = false;
    d->seq = saved.seq;
    return false;
}

static void protected_record(struct tls *tl, struct dissect *dx, enum dir dir,
                             const uint8_t *hdr, const uint8_t *body, uint32_t len, ts_us_t ts)
{
    struct tls_dir *d = &tl->d[dir];
    if (d->gap) {
        note_failure(tl, dx, TLS_DECRYPT_GAP);
        return;
    }
    uint8_t out[RECORD_MAX], type = hdr[0];
    size_t out_len = 0;
    bool early = d->phase == PHASE_EARLY;
    if (!open_record(tl, dx, dir, hdr, body, len, out, &out_len, &type)) {
        d->seq++; /* the sender counted it all the same */
        if (early)
            return; /* 0-RTT data without its secret, or refused by the server */
        if (d->keyed) {
            tl->info.auth_failures[dir]++;
            note_failure(tl, dx, TLS_DECRYPT_AUTH_FAILED);
            if (tl->inner && type == CT_APPLICATION) /* the layer above lost these bytes */
                dissect_layer_gap(tl->inner, dir, len, ts);
        } else {
            note_failure(tl, dx, TLS_DECRYPT_NO_KEY); /* none logged, or not the kind needed */
        }
        return;
    }
    d->seq++;
    tl->info.records_decrypted[dir]++;
    struct session *s = dissect_tunnel_session(dx);
    if (d->event >= 0 && type >= CT_CHANGE_CIPHER_SPEC && type <= CT_HEARTBEAT)
        session_event_relabel(s, d->event, "%s len=%zu (decrypted)",
                              record_names[type - CT_CHANGE_CIPHER_SPEC], out_len);
    if (type == CT_HANDSHAKE)
        handshake_bytes(tl, dx, dir, out, out_len);
    else if (type == CT_APPLICATION)
        application_data(tl, dx, dir, out, out_len, ts);
}

/* Is this record protected? TLS 1.3 protects every application_data record (the others are
 * plaintext: hellos, the compatibility ChangeCipherSpec); TLS 1.2 every record after the
 * sender's ChangeCipherSpec. */
static bool is_protected(const struct tls *tl, enum dir dir, uint8_t type)
{
    if (tl->version == 0x0304 || (!tl->version && tl->d[dir].phase == PHASE_EARLY))
        return type == CT_APPLICATION;
    return tl->d[dir].phase != PHASE_PLAIN;
}

static void record(struct tls *tl, struct dissect *dx, enum dir dir, const uint8_t *hdr,
                   const uint8_t *body, uint32_t len, ts_us_t ts)
{
    struct tls_dir *d = &tl->d[dir];
    uint8_t type = hdr[0];
    if (!tl->client_hello && type == CT_APPLICATION) {
        /* protected records with no ClientHello before them: the capture began after the
         * handshake (a lost SYN alone does not make it so: the hello may still follow) */
        tl->midstream = true;
        note_failure(tl, dx, TLS_DECRYPT_MIDSTREAM);
        return;
    }
    if (is_protected(tl, dir, type)) {
        protected_record(tl, dx, dir, hdr, body, len, ts);
        return;
    }
    if (type == CT_HANDSHAKE)
        handshake_bytes(tl, dx, dir, body, len);
    else if (type == CT_CHANGE_CIPHER_SPEC && tl->version && tl->version < 0x0304 &&
             d->phase == PHASE_PLAIN)
        enter_phase(d, PHASE_APPLICATION); /* TLS 1.2: protected from the next record on */
}

/* RFC 2817: the first record each way after the 101 says whether TLS really followed. */
static void check_upgrade(struct tls *tl, struct dissect *dx, enum dir dir, const uint8_t *p,
                          bool valid, ts_us_t ts)
{
    struct tls_dir *d = &tl->d[dir];
    if (d->first_record_seen)
        return;
    d->first_record_seen = true;
    if (!tl->upgrade)
        return;
    struct session *s = dissect_tunnel_session(dx);
    if (dir == DIR_S2C && !tl->d[DIR_C2S].first_record_seen)
        session_finding(s, F_TLS_UPGRADE_SERVER_DATA_BEFORE_HELLO, dir, ts,
                        "the server spoke first after the 101");
    if (!valid || p[0] != CT_HANDSHAKE)
        session_finding(s, F_TLS_UPGRADE_NOT_TLS, dir, ts, "the %s's first bytes after "
                        "the 101 (0x%02x 0x%02x 0x%02x) are not a TLS handshake record",
                        dir_name(dir), p[0], p[1], p[2]);
}

static bool header_valid(const uint8_t *p)
{
    uint32_t len = (uint32_t)p[3] << 8 | p[4];
    return p[0] >= CT_CHANGE_CIPHER_SPEC && p[0] <= CT_HEARTBEAT && p[1] == 3 &&
           len <= RECORD_MAX;
}

/* A whole record at p (the dispatcher keeps the bytes until it is all there). */
static size_t step(void *state, struct dissect *dx, enum dir dir, const uint8_t *p, size_t n,
                   ts_us_t ts)
{
    struct tls *tl = state;
    struct tls_dir *d = &tl->d[dir];
    if (n < RECORD_HEADER_LEN)
        return 0;
    bool valid = header_valid(p);
    if (d->resync) {
        if (!valid)
            return n; /* not at a record boundary: wait for the next segment */
        d->resync = false;
    }
    check_upgrade(tl, dx, dir, p, valid, ts);
    if (!valid) {
        d->resync = true; /* lost: look for a record at the next segment */
        if (tl->server_hello)
            d->gap = true; /* a record's bytes were lost: its sequence number with them */
        return n;
    }
    uint32_t len = (uint32_t)p[3] << 8 | p[4];
    if (n < RECORD_HEADER_LEN + len)
        return 0;
    tl->info.records[dir]++;
    tl->info.bytes[dir] += RECORD_HEADER_LEN + len;
    struct session *s = dissect_tunnel_session(dx);
    d->event = session_event(s, ts, dir, PROTO_TLS, "%s len=%u",
                             record_names[p[0] - CT_CHANGE_CIPHER_SPEC], len);
    session_event_payload(s, d->event, p + RECORD_HEADER_LEN, len);
    record(tl, dx, dir, p, p + RECORD_HEADER_LEN, len, ts);
    return RECORD_HEADER_LEN + len;
}

/* ---- the dissector interface ---- */

static size_t tls_data(void *state, struct dissect *dx, enum dir dir, const uint8_t *p,
                       size_t n, ts_us_t ts)
{
    return dissect_steps(dx, dir, step, state, p, n, ts);
}

static void tls_gap(void *state, struct dissect *dx, enum dir dir, uint64_t len, ts_us_t ts)
{
    struct tls *tl = state;
    struct tls_dir *d = &tl->d[dir];
    (void)len;
    d->resync = true;
    d->hs_len = d->hs_skip = 0;
    if (d->phase != PHASE_PLAIN || tl->version == 0x0304) {
        d->gap = true; /* implicit sequence numbers: nothing after a hole can be opened */
        note_failure(tl, dx, TLS_DECRYPT_GAP);
    }
    if (tl->inner)
        dissect_layer_gap(tl->inner, dir, len, ts);
}

static void tls_fin(void *state, struct dissect *dx, enum dir dir, ts_us_t ts)
{
    struct tls *tl = state;
    (void)dx;
    if (tl->inner)
        dissect_layer_fin(tl->inner, dir, ts);
}

/* The connection ends: the layer above first (its sessions end, with the TLS part), then
 * this layer's own session gets it. */
static void tls_close(void *state, struct dissect *dx, ts_us_t ts)
{
    struct tls *tl = state;
    if (tl->inner)
        dissect_layer_close(tl->inner, ts);
    give_info(tl, dissect_tunnel_session(dx), ts);
}

static void tls_carried_begin(void *state, struct dissect *dx, struct session *s)
{
    struct tls *tl = state;
    (void)dx;
    if (!session_recording(s))
        return;
    char sni[120];
    const struct tls_info *t = &tl->info;
    escape_buf(sni, sizeof sni, t->sni ? t->sni : "-", t->sni ? strlen(t->sni) : 1,
               ESCAPE_TERMINAL);
    session_event(s, s->start, DIR_C2S, PROTO_TLS, "TLS ClientHello SNI=%s", sni);
    session_event(s, s->start, DIR_S2C, PROTO_TLS, "TLS ServerHello %s %s (decrypted)",
                  t->server_version ? t->server_version : "?",
                  t->cipher_suite ? t->cipher_suite : "?");
}

static void tls_carried_end(void *state, struct dissect *dx, struct session *s)
{
    (void)dx;
    give_info(state, s, s->end);
}

static void *tls_create(struct dissect *dx)
{
    struct tls *tl = calloc(1, sizeof *tl);
    if (!tl)
        return NULL;
    tl->d[0].event = tl->d[1].event = -1;
    tl->info.source = "upscope";
    struct session *s = dissect_tunnel_session(dx);
    tl->upgrade = s && s->transition == TRANSITION_TLS; /* reached through a 101 */
    if (s)
        tls_info_of(s);
    return tl;
}

static void tls_destroy(void *state)
{
    struct tls *tl = state;
    for (int d = 0; d < 2; d++) {
        free(tl->d[d].hs);
        tls_keys_free(&tl->d[d].keys);
    }
    dissect_layer_free(tl->inner);
    tls_info_clear(&tl->info);
    OPENSSL_cleanse(tl, sizeof *tl); /* no secret or key left behind in freed memory */
    free(tl);
}

/* A connection that starts with a ClientHello; picked up mid-stream, a run of records. */
static enum probe_result tls_probe(const uint8_t *p, size_t n, bool midstream, enum dir *sender)
{
    if (n < 6)
        return n && p[0] == CT_HANDSHAKE ? PROBE_MORE : PROBE_NO;
    if (p[0] == CT_HANDSHAKE && p[1] == 3 && p[2] <= 4 && p[5] == HS_CLIENT_HELLO &&
        header_valid(p)) {
        *sender = DIR_C2S;
        return PROBE_YES;
    }
    if (!midstream)
        return PROBE_NO;
    size_t off = 0, records = 0;
    while (off + RECORD_HEADER_LEN <= n) {
        if (!header_valid(p + off) || p[off + 2] > 4)
            return PROBE_NO;
        off += RECORD_HEADER_LEN + ((size_t)p[off + 3] << 8 | p[off + 4]);
        if (off > n)
            break; /* the last record is not all there */
        records++;
    }
    if (records >= 2 || (records == 1 && off == n))
        return PROBE_YES; /* whole records, ending where the bytes end, or two at least */
    return PROBE_MORE;
}

/* ---- the upgrade (RFC 2817) ---- */

static void tls_upgrade_request(struct session *s, const struct http_head *req)
{
    tls_info_of(s);
    if (strcmp(req->method, "OPTIONS") == 0 && strcmp(req->target, "*") == 0)
        session_finding(s, F_TLS_UPGRADE_MANDATORY_OPTIONS, DIR_C2S, req->ts,
                        "OPTIONS * with Upgrade: TLS (RFC 2817 §3.2)");
}

static void tls_upgrade_response(struct session *s, const struct http_head *req,
                                 const struct http_head *resp)
{
    tls_info_of(s);
    if (resp->status == 426)
        session_finding(s, F_TLS_UPGRADE_REQUIRED, DIR_S2C, resp->ts,
                        "426: the resource is only served over TLS");
    else if (resp->status != 101 && (!req || !http_field_get(req, "Upgrade")))
        session_finding(s, F_TLS_UPGRADE_OFFERED_BY_SERVER, DIR_S2C, resp->ts,
                        "%d with Upgrade: TLS: the server invites the client to switch",
                        resp->status);
}

/* "TLS", "TLS/1.0", "TLS/1.2", ... (RFC 2817 §3.1, case-insensitive as all protocol names) */
static bool tls_upgrade_token(struct span tok)
{
    return tok.n >= 3 && strncasecmp(tok.p, "TLS", 3) == 0 && (tok.n == 3 || tok.p[3] == '/');
}

const struct dissector tls_dissector = {
    .name = "tls",
    .proto = PROTO_TLS,
    .probe = tls_probe,
    .create = tls_create,
    .destroy = tls_destroy,
    .data = tls_data,
    .gap = tls_gap,
    .fin = tls_fin,
    .close = tls_close,
    .carried_begin = tls_carried_begin,
    .carried_end = tls_carried_end,
    .report_key = "tls",
    .report_json = tls_report_json,
    .report_text = tls_report_text,
    .report_detail = tls_report_detail,
    .checks = tls_checks,
    .volume = tls_report_volume,
    .lock = tls_report_lock,
    .transition = TRANSITION_TLS,
    .upgrade_token = tls_upgrade_token,
    .upgrade_request = tls_upgrade_request,
    .upgrade_response = tls_upgrade_response,
};
