/* tls_report: how the outputs show a session's TLS part — its NDJSON object, its lines of the
 * text summary and of the UI detail, and its checklist rows (RFC 2817, RFC 8446). */
#include <stdio.h>
#include <string.h>

#include "detail_out.h"
#include "report_json.h"
#include "report_text.h"
#include "tls.h"
#include "tls_session.h"

json_t *tls_report_json(const struct session *s, const void *part)
{
    (void)s;
    const struct tls_info *t = part;
    json_t *o = json_object();
    json_object_set_new(o, "source", json_string(t->source));
    json_object_set_new(o, "client_hello", json_boolean(t->client_hello));
    json_object_set_new(o, "sni", json_wire_str(t->sni));
    json_object_set_new(o, "alpn", json_strlist(&t->alpn));
    json_object_set_new(o, "versions", json_strlist(&t->versions));
    json_object_set_new(o, "server_hello", json_boolean(t->server_hello));
    json_object_set_new(o, "server_version", json_wire_str(t->server_version));
    json_object_set_new(o, "server_alpn", json_wire_str(t->server_alpn));
    json_object_set_new(o, "records", json_per_dir(t->records[DIR_C2S], t->records[DIR_S2C]));
    json_object_set_new(o, "bytes", json_per_dir(t->bytes[DIR_C2S], t->bytes[DIR_S2C]));
    json_object_set_new(o, "cipher_suite", json_wire_str(t->cipher_suite));
    json_object_set_new(o, "decrypted", json_boolean(t->decrypted));
    json_object_set_new(o, "decrypt_failure", t->decrypted || t->failure == TLS_DECRYPT_OK
                        ? json_null()
                        : json_string(tls_decrypt_failure_name(t->failure)));
    json_object_set_new(o, "resumed", json_boolean(t->resumed));
    json_object_set_new(o, "early_data", json_boolean(t->early_data));
    json_object_set_new(o, "records_decrypted", json_per_dir(t->records_decrypted[DIR_C2S],
                                                             t->records_decrypted[DIR_S2C]));
    json_object_set_new(o, "auth_failures", json_per_dir(t->auth_failures[DIR_C2S],
                                                         t->auth_failures[DIR_S2C]));
    json_object_set_new(o, "key_updates", json_per_dir(t->key_updates[DIR_C2S],
                                                       t->key_updates[DIR_S2C]));
    return o;
}

/* "decrypted", or why not, in words. */
static const char *lock_words(const struct tls_info *t)
{
    if (t->decrypted)
        return "decrypted";
    switch (t->failure) {
    case TLS_DECRYPT_NO_KEY: return "not decrypted: no key for it (--keylog)";
    case TLS_DECRYPT_UNSUPPORTED_SUITE: return "not decrypted: a cipher suite upscope does not "
                                               "decrypt";
    case TLS_DECRYPT_AUTH_FAILED: return "not all decrypted: records failed authentication "
                                         "(a wrong key?)";
    case TLS_DECRYPT_GAP: return "not all decrypted: bytes missing from the capture";
    case TLS_DECRYPT_MIDSTREAM: return "not decrypted: the capture began after the hellos";
    default: return "nothing was encrypted";
    }
}

static void text_hellos(const struct text_out *o, const struct tls_info *t)
{
    if (t->client_hello) {
        fputs("ClientHello SNI ", o->out);
        text_str(o, t->sni, 80);
        fputs(", ALPN ", o->out);
        text_list(o, &t->alpn);
        fputs(", versions ", o->out);
        text_list(o, &t->versions);
    } else {
        fputs("no ClientHello seen", o->out);
    }
    if (t->server_hello) {
        fputs("; ServerHello ", o->out);
        text_str(o, t->server_version, 20);
        if (t->server_alpn) {
            fputs(", ALPN ", o->out);
            text_str(o, t->server_alpn, 40);
        }
    }
    if (strcmp(t->source, "upscope") != 0)
        fprintf(o->out, " (from %s)", t->source);
    fputc('\n', o->out);
}

void tls_report_text(const struct text_out *o, const struct session *s, const void *part,
                     bool spoke)
{
    (void)s;
    (void)spoke;
    const struct tls_info *t = part;
    if (!t->client_hello && !t->server_hello && !t->records[0] && !t->records[1])
        return;
    text_label(o, "tls");
    text_hellos(o, t);
    if (t->records[0] || t->records[1]) {
        text_label(o, "records");
        fprintf(o->out, "client %llu (%llu bytes), server %llu (%llu bytes)\n",
                (unsigned long long)t->records[DIR_C2S], (unsigned long long)t->bytes[DIR_C2S],
                (unsigned long long)t->records[DIR_S2C], (unsigned long long)t->bytes[DIR_S2C]);
    }
    if (strcmp(t->source, "upscope") == 0 && t->server_hello) {
        text_label(o, "decryption");
        if (t->cipher_suite) {
            text_str(o, t->cipher_suite, 60);
            fputs(": ", o->out);
        }
        fprintf(o->out, "%s%s%s", text_sgr(o, t->decrypted ? TEXT_SGR_GREEN : TEXT_SGR_YELLOW),
                lock_words(t), text_sgr(o, TEXT_SGR_RESET));
        if (t->records_decrypted[0] || t->records_decrypted[1])
            fprintf(o->out, " (%llu + %llu records)",
                    (unsigned long long)t->records_decrypted[DIR_C2S],
                    (unsigned long long)t->records_decrypted[DIR_S2C]);
        fputc('\n', o->out);
    }
}

void tls_report_detail(struct detail_out *o, const struct session *s, const void *part)
{
    (void)s;
    const struct tls_info *t = part;
    char a[200];
    detail_wire(o, a, sizeof a, t->sni);
    detail_line(o, "  TLS SNI: %s (from %s)", a, t->source);
    detail_list(o, "TLS ALPN offered", &t->alpn);
    detail_list(o, "TLS versions offered", &t->versions);
    detail_wire(o, a, sizeof a, t->server_version);
    detail_line(o, "  TLS version chosen: %s", a);
    detail_wire(o, a, sizeof a, t->cipher_suite);
    detail_line(o, "  TLS cipher suite: %s", a);
    if (strcmp(t->source, "upscope") == 0 && t->server_hello)
        detail_line(o, "  TLS: %s", lock_words(t));
}

const struct check_row tls_checks[] = {
    { F_TLS_UPGRADE_NOT_TLS, NEED_SPOKEN, "TLS handshake follows the 101", NULL },
    { F_TLS_UPGRADE_SERVER_DATA_BEFORE_HELLO, NEED_SPOKEN, "client speaks first", NULL },
    { 0, 0, NULL, NULL },
};

uint64_t tls_report_volume(const void *part)
{
    const struct tls_info *t = part;
    return t->records[0] + t->records[1];
}

enum lock_state tls_report_lock(const void *part)
{
    const struct tls_info *t = part;
    return t->records_decrypted[0] || t->records_decrypted[1] ? LOCK_OPEN : LOCK_CLOSED;
}
