/* tls_keylog: the TLS secrets of key log files in the NSS format (what SSLKEYLOGFILE, curl,
 * node's --tls-keylog and Chromium's --ssl-key-log-file write), by client random.
 *
 *   LABEL <client random, 64 hex> <secret, hex>      one per line; '#' starts a comment
 *
 * CLIENT_RANDOM gives a TLS 1.2 (or earlier) master secret; CLIENT_EARLY_TRAFFIC_SECRET,
 * CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0,
 * SERVER_TRAFFIC_SECRET_0 and EXPORTER_SECRET the TLS 1.3 secrets. Other labels are skipped;
 * malformed lines are counted and named (file and line, never the secret), never fatal.
 *
 * Files stay open: a client random not found sends the store to read what the files gained
 * since (browsers append as they go), so keys may arrive after the capture started, and files
 * opened before -Z drops privileges stay readable. Key log text from elsewhere (a pcapng
 * Decryption Secrets Block) is added as it is. Key material is never printed or reported. */
#ifndef UPSCOPE_TLS_KEYLOG_H
#define UPSCOPE_TLS_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum tls_secret_kind {
    TLS_SECRET_CLIENT_EARLY, TLS_SECRET_CLIENT_HANDSHAKE, TLS_SECRET_SERVER_HANDSHAKE,
    TLS_SECRET_CLIENT_TRAFFIC_0, TLS_SECRET_SERVER_TRAFFIC_0, TLS_SECRET_EXPORTER,
    TLS_SECRET_MASTER, TLS_SECRET_KIND_COUNT
};

/* What the key logs hold for one connection (one client random). */
struct tls_secrets {
    uint8_t client_random[32];
    uint8_t secret[TLS_SECRET_KIND_COUNT][48];
    uint8_t len[TLS_SECRET_KIND_COUNT];      /* 0: not logged */
};

struct tls_keylog_stats {
    uint64_t lines;          /* lines read, comments and blank ones included */
    uint64_t secrets;        /* secrets taken */
    uint64_t skipped;        /* lines with a label upscope does not use */
    uint64_t bad_lines;      /* malformed lines */
    uint64_t lookups, misses;
};

struct tls_keylog;

/* err gets the messages for malformed lines, one per line, as they are read (NULL: silent). */
struct tls_keylog *tls_keylog_new(FILE *err);
void tls_keylog_free(struct tls_keylog *kl);

/* Reads a key log file and keeps it open to read what is appended later. False with err set
 * if it cannot be opened. */
bool tls_keylog_add_file(struct tls_keylog *kl, const char *path, char *err, size_t errlen);

/* Adds key log text from elsewhere (name: for messages, e.g. "capture.pcapng: secrets"). */
void tls_keylog_add_text(struct tls_keylog *kl, const char *name, const char *text, size_t n);

/* The secrets logged for this client random, or NULL. If they lack the one needed, the files
 * are read for what they gained since first (a live key log grows a line at a time). Valid
 * until the next call. */
const struct tls_secrets *tls_keylog_find(struct tls_keylog *kl, const uint8_t random[32],
                                          enum tls_secret_kind need);

/* The same, copied into *out under the store's lock (--workers: every worker looks up in one
 * store, and a lookup may read the files): false if nothing is logged for random. */
bool tls_keylog_copy(struct tls_keylog *kl, const uint8_t random[32], enum tls_secret_kind need,
                     struct tls_secrets *out);

const struct tls_keylog_stats *tls_keylog_stats(const struct tls_keylog *kl);

#endif
