/* tls_hello: hello message parsing over a bounds-checked cursor (see tls_hello.h). */
#include "tls_hello.h"

#include <stdio.h>
#include <string.h>

#include "cursor.h"

enum { EXT_SERVER_NAME = 0, EXT_ALPN = 16, EXT_ENCRYPT_THEN_MAC = 22, EXT_PRE_SHARED_KEY = 41,
       EXT_EARLY_DATA = 42, EXT_SUPPORTED_VERSIONS = 43 };

/* RFC 8446 §4.1.3: the random of a HelloRetryRequest is SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8,
    0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8,
    0x33, 0x9C,
};

static bool is_grease(uint16_t v)
{
    return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
}

const char *tls_version_name(uint16_t v, char buf[16])
{
    switch (v) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default:
        snprintf(buf, 16, "0x%04x", v);
        return buf;
    }
}

static void add_version(struct tls_hello *h, uint16_t v)
{
    if (!is_grease(v) && h->nversions < TLS_HELLO_MAX_LIST)
        h->versions[h->nversions++] = v;
}

static void ext_server_name(struct cursor c, struct tls_hello *h)
{
    struct cursor list = c;
    uint16_t len = cursor_be16(&list);
    if (len > list.n)
        return;
    list.n = len;
    while (list.n && !list.bad) {
        uint8_t type = cursor_u8(&list);
        uint16_t n = cursor_be16(&list);
        const uint8_t *name;
        if (!cursor_take(&list, n, &name))
            return;
        if (type == 0 && !h->sni[0]) { /* host_name */
            size_t k = n < sizeof h->sni - 1 ? n : sizeof h->sni - 1;
            memcpy(h->sni, name, k);
            h->sni[k] = '\0';
        }
    }
}

static void ext_alpn(struct cursor c, struct tls_hello *h)
{
    uint16_t len = cursor_be16(&c);
    if (len > c.n)
        return;
    c.n = len;
    while (c.n && !c.bad && h->nalpn < TLS_HELLO_MAX_LIST) {
        uint8_t n = cursor_u8(&c);
        const uint8_t *proto;
        if (!cursor_take(&c, n, &proto))
            return;
        size_t k = n < 63 ? n : 63;
        memcpy(h->alpn[h->nalpn], proto, k);
        h->alpn[h->nalpn++][k] = '\0';
    }
}

static void ext_versions(struct cursor c, struct tls_hello *h, bool client)
{
    if (!client) { /* the server's choice: one version (RFC 8446 §4.2.1) */
        uint16_t v = cursor_be16(&c);
        if (!c.bad) {
            h->nversions = 0;
            add_version(h, v);
        }
        return;
    }
    uint8_t len = cursor_u8(&c);
    if (len > c.n)
        return;
    h->nversions = 0;
    for (unsigned i = 0; i + 2 <= len; i += 2)
        add_version(h, cursor_be16(&c));
}

static bool parse_extensions(struct cursor *c, struct tls_hello *h, bool client)
{
    if (c->n == 0)
        return true; /* extensions are optional before TLS 1.3 */
    uint16_t total = cursor_be16(c);
    if (c->bad || total > c->n)
        return false;
    struct cursor exts = cursor_make(c->p, total);
    while (exts.n && !exts.bad) {
        uint16_t type = cursor_be16(&exts), len = cursor_be16(&exts);
        const uint8_t *body;
        if (!cursor_take(&exts, len, &body))
            return false;
        struct cursor e = cursor_make(body, len);
        if (type == EXT_SERVER_NAME && client)
            ext_server_name(e, h);
        else if (type == EXT_ALPN)
            ext_alpn(e, h);
        else if (type == EXT_SUPPORTED_VERSIONS)
            ext_versions(e, h, client);
        else if (type == EXT_EARLY_DATA)
            h->early_data = true;
        else if (type == EXT_PRE_SHARED_KEY)
            h->psk = true;
        else if (type == EXT_ENCRYPT_THEN_MAC)
            h->encrypt_then_mac = true;
    }
    return !exts.bad;
}

bool tls_encrypted_extensions_alpn(const uint8_t *body, size_t n, char alpn[64])
{
    struct tls_hello h;
    memset(&h, 0, sizeof h);
    struct cursor c = cursor_make(body, n);
    if (!parse_extensions(&c, &h, false) || h.nalpn == 0)
        return false;
    memcpy(alpn, h.alpn[0], 64);
    return true;
}

bool tls_hello_parse(uint8_t msg_type, const uint8_t *body, size_t n, struct tls_hello *out)
{
    memset(out, 0, sizeof *out);
    bool client = msg_type == TLS_HS_CLIENT_HELLO;
    struct cursor c = cursor_make(body, n);
    out->legacy_version = cursor_be16(&c);
    add_version(out, out->legacy_version);
    const uint8_t *random;
    if (!cursor_take(&c, 32, &random))
        return false;
    memcpy(out->random, random, 32);
    out->retry_request = !client && memcmp(random, hrr_random, 32) == 0;
    cursor_skip(&c, cursor_u8(&c));                 /* legacy_session_id */
    if (client) {
        cursor_skip(&c, cursor_be16(&c));           /* cipher_suites */
        cursor_skip(&c, cursor_u8(&c));             /* legacy_compression_methods */
    } else {
        out->cipher_suite = cursor_be16(&c);
        cursor_skip(&c, 1);                         /* legacy_compression_method */
    }
    return !c.bad && parse_extensions(&c, out, client);
}
