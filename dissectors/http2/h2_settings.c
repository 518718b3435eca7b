/* h2_settings: SETTINGS names and rules, HTTP2-Settings decoding (see h2_settings.h). */
#include "h2_settings.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *h2_setting_name(uint16_t id, char buf[16])
{
    switch (id) {
    case H2_SETTINGS_HEADER_TABLE_SIZE: return "HEADER_TABLE_SIZE";
    case H2_SETTINGS_ENABLE_PUSH: return "ENABLE_PUSH";
    case H2_SETTINGS_MAX_CONCURRENT_STREAMS: return "MAX_CONCURRENT_STREAMS";
    case H2_SETTINGS_INITIAL_WINDOW_SIZE: return "INITIAL_WINDOW_SIZE";
    case H2_SETTINGS_MAX_FRAME_SIZE: return "MAX_FRAME_SIZE";
    case H2_SETTINGS_MAX_HEADER_LIST_SIZE: return "MAX_HEADER_LIST_SIZE";
    case H2_SETTINGS_ENABLE_CONNECT_PROTOCOL: return "ENABLE_CONNECT_PROTOCOL";
    case H2_SETTINGS_NO_RFC7540_PRIORITIES: return "NO_RFC7540_PRIORITIES";
    default:
        snprintf(buf, 16, "UNKNOWN_0x%04x", id);
        return buf;
    }
}

bool h2_setting_valid(uint16_t id, uint32_t value, bool from_server, char *why, size_t whylen)
{
    switch (id) {
    case H2_SETTINGS_ENABLE_PUSH:
        if (value > 1) {
            snprintf(why, whylen, "ENABLE_PUSH=%u, not 0 or 1 (RFC 9113 §6.5.2)", value);
            return false;
        }
        if (value == 1 && from_server) {
            snprintf(why, whylen, "a server set ENABLE_PUSH=1 (RFC 9113 §6.5.2)");
            return false;
        }
        return true;
    case H2_SETTINGS_INITIAL_WINDOW_SIZE:
        if (value > 0x7FFFFFFFu) {
            snprintf(why, whylen, "INITIAL_WINDOW_SIZE=%u, above 2^31-1 (RFC 9113 §6.5.2)",
                     value);
            return false;
        }
        return true;
    case H2_SETTINGS_MAX_FRAME_SIZE:
        if (value < 16384 || value > 16777215) {
            snprintf(why, whylen, "MAX_FRAME_SIZE=%u, outside 2^14..2^24-1 (RFC 9113 §6.5.2)",
                     value);
            return false;
        }
        return true;
    case H2_SETTINGS_ENABLE_CONNECT_PROTOCOL:
    case H2_SETTINGS_NO_RFC7540_PRIORITIES:
        if (value > 1) {
            snprintf(why, whylen, "setting 0x%x=%u, not 0 or 1", id, value);
            return false;
        }
        return true;
    default:
        return true;
    }
}

/* base64url → base64 with padding, then OpenSSL decodes it. */
static bool base64url_decode(const char *v, size_t n, uint8_t *out, size_t cap, size_t *len)
{
    while (n && v[n - 1] == '=')
        n--; /* padding may be present or not (RFC 7540 §3.2.1 omits it) */
    if (n % 4 == 1)
        return false;
    size_t padded = (n + 3) / 4 * 4;
    if (padded / 4 * 3 > cap + 2)
        return false;
    char *b = malloc(padded + 1);
    unsigned char *raw = malloc(padded / 4 * 3 + 1);
    bool ok = b && raw;
    for (size_t i = 0; ok && i < n; i++) {
        char c = v[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            ok = false;
        if (ok)
            b[i] = c;
    }
    if (ok) {
        memset(b + n, '=', padded - n);
        int got = EVP_DecodeBlock(raw, (unsigned char *)b, (int)padded);
        size_t real = padded / 4 * 3 - (padded - n); /* EVP counts padding as zeros */
        ok = got >= 0 && real <= cap;
        if (ok) {
            memcpy(out, raw, real);
            *len = real;
        }
    }
    free(b);
    free(raw);
    return ok;
}

enum h2c_settings_status h2c_settings_decode(const char *value, size_t n, uint8_t *out,
                                             size_t cap, size_t *len)
{
    if (!base64url_decode(value, n, out, cap, len))
        return H2C_SETTINGS_BASE64;
    if (*len % 6 == 0)
        return H2C_SETTINGS_OK;
    /* a frame header (length, type 0x4, flags, stream 0) in front of a payload */
    if (*len >= 9 && (*len - 9) % 6 == 0 && out[3] == 0x4 &&
        (((size_t)out[0] << 16) | ((size_t)out[1] << 8) | out[2]) == *len - 9) {
        memmove(out, out + 9, *len - 9);
        *len -= 9;
        return H2C_SETTINGS_WHOLE_FRAME;
    }
    return H2C_SETTINGS_LENGTH;
}
