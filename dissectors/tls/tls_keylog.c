/* tls_keylog: NSS key log files, kept open and re-read as they grow (see tls_keylog.h). */
#include "tls_keylog.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define LINE_MAX_LEN 512           /* real lines are under 250 bytes */

static const struct {
    const char *label;
    enum tls_secret_kind kind;
} labels[] = {
    { "CLIENT_RANDOM", TLS_SECRET_MASTER },
    { "CLIENT_EARLY_TRAFFIC_SECRET", TLS_SECRET_CLIENT_EARLY },
    { "CLIENT_HANDSHAKE_TRAFFIC_SECRET", TLS_SECRET_CLIENT_HANDSHAKE },
    { "SERVER_HANDSHAKE_TRAFFIC_SECRET", TLS_SECRET_SERVER_HANDSHAKE },
    { "CLIENT_TRAFFIC_SECRET_0", TLS_SECRET_CLIENT_TRAFFIC_0 },
    { "SERVER_TRAFFIC_SECRET_0", TLS_SECRET_SERVER_TRAFFIC_0 },
    { "EXPORTER_SECRET", TLS_SECRET_EXPORTER },
};

struct kl_file {
    FILE *f;
    char *name;
    uint64_t line;                 /* lines read so far */
    char tail[LINE_MAX_LEN];       /* an unterminated last line, until it is complete */
    size_t tail_len;
    bool tail_long;                /* the line being read passed LINE_MAX_LEN */
};

struct tls_keylog {
    pthread_mutex_t mu;            /* tls_keylog_copy's */
    FILE *err;
    struct kl_file *files;
    size_t nfiles;
    struct tls_secrets *v;         /* entries */
    size_t n, cap;
    uint32_t *slots;               /* open addressing: entry index + 1, by client random */
    size_t nslots;
    struct tls_keylog_stats stats;
};

struct tls_keylog *tls_keylog_new(FILE *err)
{
    struct tls_keylog *kl = calloc(1, sizeof *kl);
    if (kl) {
        kl->err = err;
        pthread_mutex_init(&kl->mu, NULL);
    }
    return kl;
}

void tls_keylog_free(struct tls_keylog *kl)
{
    if (!kl)
        return;
    for (size_t i = 0; i < kl->nfiles; i++) {
        fclose(kl->files[i].f);
        free(kl->files[i].name);
    }
    free(kl->files);
    if (kl->v) /* no key material left behind in freed memory */
        OPENSSL_cleanse(kl->v, kl->cap * sizeof *kl->v);
    free(kl->v);
    free(kl->slots);
    pthread_mutex_destroy(&kl->mu);
    free(kl);
}

const struct tls_keylog_stats *tls_keylog_stats(const struct tls_keylog *kl)
{
    return &kl->stats;
}

/* ---- the table ---- */

static size_t slot_of(const uint8_t random[32], size_t nslots)
{
    uint64_t h;
    memcpy(&h, random, 8); /* client randoms are random: their first bytes hash well enough */
    return (size_t)h & (nslots - 1);
}

static struct tls_secrets *lookup(const struct tls_keylog *kl, const uint8_t random[32])
{
    if (!kl->nslots)
        return NULL;
    for (size_t i = slot_of(random, kl->nslots); kl->slots[i]; i = (i + 1) & (kl->nslots - 1)) {
        struct tls_secrets *e = &kl->v[kl->slots[i] - 1];
        if (memcmp(e->client_random, random, 32) == 0)
            return e;
    }
    return NULL;
}

static bool rehash(struct tls_keylog *kl)
{
    size_t nslots = kl->nslots ? kl->nslots * 2 : 256;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return false;
    for (size_t k = 0; k < kl->n; k++) {
        size_t i = slot_of(kl->v[k].client_random, nslots);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = (uint32_t)(k + 1);
    }
    free(kl->slots);
    kl->slots = slots;
    kl->nslots = nslots;
    return true;
}

static struct tls_secrets *entry_for(struct tls_keylog *kl, const uint8_t random[32])
{
    struct tls_secrets *e = lookup(kl, random);
    if (e)
        return e;
    if (kl->n == kl->cap) {
        size_t cap = kl->cap ? kl->cap * 2 : 64;
        struct tls_secrets *nv = malloc(cap * sizeof *nv); /* not realloc: the old copy */
        if (!nv)                                          /* is wiped, not left behind */
            return NULL;
        if (kl->n)
            memcpy(nv, kl->v, kl->n * sizeof *nv);
        if (kl->v)
            OPENSSL_cleanse(kl->v, kl->cap * sizeof *kl->v);
        free(kl->v);
        kl->v = nv;
        kl->cap = cap;
    }
    if ((kl->n + 1) * 2 > kl->nslots && !rehash(kl))
        return NULL;
    e = &kl->v[kl->n];
    memset(e, 0, sizeof *e);
    memcpy(e->client_random, random, 32);
    size_t i = slot_of(random, kl->nslots);
    while (kl->slots[i])
        i = (i + 1) & (kl->nslots - 1);
    kl->slots[i] = (uint32_t)++kl->n;
    return e;
}

/* ---- lines ---- */

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes n hex digits; false if one is not a hex digit. */
static bool unhex(const char *p, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_value(p[i]), lo = hex_value(p[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

static void bad_line(struct tls_keylog *kl, const char *name, uint64_t line, const char *why)
{
    kl->stats.bad_lines++;
    if (kl->err)
        fprintf(kl->err, "upscope: %s:%llu: not a key log line: %s\n", name,
                (unsigned long long)line, why);
}

/* The next whitespace-separated field of line[0..n) from *at, into *f and *fn. */
static bool field(const char *line, size_t n, size_t *at, const char **f, size_t *fn)
{
    size_t i = *at;
    while (i < n && (line[i] == ' ' || line[i] == '\t'))
        i++;
    size_t start = i;
    while (i < n && line[i] != ' ' && line[i] != '\t')
        i++;
    *at = i;
    *f = line + start;
    *fn = i - start;
    return *fn > 0;
}

static void parse_line(struct tls_keylog *kl, const char *name, uint64_t no, const char *line,
                       size_t n)
{
    kl->stats.lines++;
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    size_t at = 0;
    const char *label, *random, *secret, *extra;
    size_t ln, rn, sn, en;
    if (!field(line, n, &at, &label, &ln) || label[0] == '#')
        return; /* blank or a comment */
    int kind = -1;
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strlen(labels[i].label) == ln && memcmp(labels[i].label, label, ln) == 0)
            kind = (int)labels[i].kind;
    if (!field(line, n, &at, &random, &rn) || !field(line, n, &at, &secret, &sn)) {
        bad_line(kl, name, no, "fewer than three fields");
        return;
    }
    if (field(line, n, &at, &extra, &en)) {
        bad_line(kl, name, no, "more than three fields");
        return;
    }
    if (kind < 0) {
        kl->stats.skipped++; /* RSA, EARLY_EXPORTER_SECRET, QUIC labels, ...: not ours */
        return;
    }
    uint8_t cr[32], value[48];
    if (rn != 64 || !unhex(random, 64, cr)) {
        bad_line(kl, name, no, "the client random is not 64 hex digits");
        return;
    }
    size_t want = kind == TLS_SECRET_MASTER ? 96 : 0;
    if ((want && sn != want) || (!want && sn != 64 && sn != 96) || !unhex(secret, sn, value)) {
        bad_line(kl, name, no, kind == TLS_SECRET_MASTER
                 ? "the master secret is not 96 hex digits (48 bytes)"
                 : "the secret is not 64 or 96 hex digits (a SHA-256 or SHA-384 secret)");
        return;
    }
    struct tls_secrets *e = entry_for(kl, cr);
    if (!e)
        return;
    memcpy(e->secret[kind], value, sn / 2);
    e->len[kind] = (uint8_t)(sn / 2);
    kl->stats.secrets++;
}

/* Splits text into lines for file fi (whose partial last line waits in its tail). */
static void feed_lines(struct tls_keylog *kl, struct kl_file *fi, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t k = nl ? (size_t)(nl - p) : n;
        if (fi->tail_len + k >= sizeof fi->tail) {
            fi->tail_long = true;
        } else if (!fi->tail_long) {
            memcpy(fi->tail + fi->tail_len, p, k);
            fi->tail_len += k;
        }
        if (!nl)
            return; /* the rest of this line is still to come */
        fi->line++;
        if (fi->tail_long)
            bad_line(kl, fi->name, fi->line, "longer than any key log line");
        else
            parse_line(kl, fi->name, fi->line, fi->tail, fi->tail_len);
        fi->tail_len = 0;
        fi->tail_long = false;
        p += k + 1;
        n -= k + 1;
    }
}

/* Reads what the file gained; returns whether anything was read. */
static bool read_more(struct tls_keylog *kl, struct kl_file *fi)
{
    char buf[8192];
    bool any = false;
    clearerr(fi->f);
    for (size_t k; (k = fread(buf, 1, sizeof buf, fi->f)) > 0; any = true)
        feed_lines(kl, fi, buf, k);
    return any;
}

bool tls_keylog_add_file(struct tls_keylog *kl, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return false;
    }
    struct kl_file *nf = realloc(kl->files, (kl->nfiles + 1) * sizeof *nf);
    char *name = strdup(path);
    if (!nf || !name) {
        if (nf)
            kl->files = nf;
        free(name);
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return false;
    }
    kl->files = nf;
    struct kl_file *fi = &kl->files[kl->nfiles++];
    memset(fi, 0, sizeof *fi);
    fi->f = f;
    fi->name = name;
    read_more(kl, fi);
    return true;
}

void tls_keylog_add_text(struct tls_keylog *kl, const char *name, const char *text, size_t n)
{
    struct kl_file fi;
    memset(&fi, 0, sizeof fi);
    fi.name = (char *)name;
    feed_lines(kl, &fi, text, n);
    if (fi.tail_len && !fi.tail_long) /* a block need not end with a newline */
        parse_line(kl, name, ++fi.line, fi.tail, fi.tail_len);
}

/* Reads what the files gained since the last look; a last line that did not grow since is as
 * complete as it will get (a writer killed mid-line, a file cut short). */
static void refresh(struct tls_keylog *kl)
{
    for (size_t i = 0; i < kl->nfiles; i++) {
        struct kl_file *fi = &kl->files[i];
        if (!read_more(kl, fi) && fi->tail_len) {
            fi->line++;
            if (!fi->tail_long)
                parse_line(kl, fi->name, fi->line, fi->tail, fi->tail_len);
            fi->tail_len = 0;
            fi->tail_long = false;
        }
    }
}

const struct tls_secrets *tls_keylog_find(struct tls_keylog *kl, const uint8_t random[32],
                                          enum tls_secret_kind need)
{
    kl->stats.lookups++;
    const struct tls_secrets *e = lookup(kl, random);
    if (e && e->len[need])
        return e;
    refresh(kl);
    e = lookup(kl, random);
    if (!e || !e->len[need])
        kl->stats.misses++;
    return e;
}

bool tls_keylog_copy(struct tls_keylog *kl, const uint8_t random[32], enum tls_secret_kind need,
                     struct tls_secrets *out)
{
    pthread_mutex_lock(&kl->mu);
    const struct tls_secrets *e = tls_keylog_find(kl, random, need);
    if (e)
        *out = *e;
    pthread_mutex_unlock(&kl->mu);
    return e != NULL;
}
