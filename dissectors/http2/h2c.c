/* h2c: upgrade-request checks for HTTP/2 over cleartext (RFC 7540 §3.2, §3.2.1). */
#include "h2_session.h"
#include "h2c.h"

#include <stdlib.h>
#include <string.h>

#include "h2_settings.h"
#include "http_fields.h"

/* Decodes HTTP2-Settings into h2->settings, with a finding for each problem. */
static void decode_settings(struct session *s, struct h2_info *h2, const struct http_field *f,
                            ts_us_t ts)
{
    /* as long as the value needs: a head may carry one of any length (RFC 7540 sets none) */
    size_t cap = (size_t)f->value_len / 4 * 3 + 3;
    uint8_t *payload = malloc(cap);
    if (!payload)
        return;
    size_t len = 0;
    enum h2c_settings_status st = h2c_settings_decode(f->value, f->value_len, payload, cap,
                                                      &len);
    if (st == H2C_SETTINGS_BASE64) {
        session_finding(s, F_H2C_SETTINGS_BAD_BASE64, DIR_C2S, ts,
                        "HTTP2-Settings \"%.80s%s\" is not base64url", f->value,
                        f->value_len > 80 ? "..." : "");
        free(payload);
        return;
    }
    if (st == H2C_SETTINGS_LENGTH) {
        session_finding(s, F_H2C_SETTINGS_BAD_LENGTH, DIR_C2S, ts,
                        "HTTP2-Settings decodes to %zu bytes, not a multiple of 6", len);
        len -= len % 6; /* decode what is whole */
    }
    if (st == H2C_SETTINGS_WHOLE_FRAME)
        session_finding(s, F_H2C_SETTINGS_FULL_FRAME, DIR_C2S, ts, "HTTP2-Settings carries a "
                        "9-byte frame header before the %zu-byte payload", len);
    for (size_t off = 0; off + 6 <= len; off += 6) {
        uint16_t id = (uint16_t)(payload[off] << 8 | payload[off + 1]);
        uint32_t v = (uint32_t)payload[off + 2] << 24 | (uint32_t)payload[off + 3] << 16 |
                     (uint32_t)payload[off + 4] << 8 | payload[off + 5];
        char why[128];
        if (!h2_setting_valid(id, v, false, why, sizeof why))
            session_finding(s, F_H2C_SETTINGS_VALUE_INVALID, DIR_C2S, ts, "%s", why);
        if (h2->nsettings < H2_MAX_SETTINGS)
            h2->settings[h2->nsettings++] = (struct h2_setting){ id, v };
    }
    free(payload);
}

void h2c_check_request(struct session *s, const struct http_head *req)
{
    struct h2_info *h2 = h2_info_of(s);
    if (!h2)
        return;
    if (http_field_has_token(req, "Upgrade", "h2"))
        session_finding(s, F_H2C_UPGRADE_TOKEN_H2, DIR_C2S, req->ts,
                        "Upgrade lists \"h2\", the identifier of HTTP/2 over TLS");
    unsigned n = http_field_count(req, "HTTP2-Settings");
    const struct http_field *f = http_field_get(req, "HTTP2-Settings");
    if (!f) {
        session_finding(s, F_H2C_SETTINGS_MISSING, DIR_C2S, req->ts,
                        "no HTTP2-Settings header");
        return;
    }
    h2->settings_header = true;
    if (n > 1)
        session_finding(s, F_H2C_SETTINGS_DUPLICATE, DIR_C2S, req->ts,
                        "HTTP2-Settings appears %u times", n);
    if (!http_field_has_token(req, "Connection", "HTTP2-Settings"))
        session_finding(s, F_H2C_CONNECTION_OPTION_MISSING, DIR_C2S, req->ts,
                        "Connection does not list HTTP2-Settings");
    decode_settings(s, h2, f, req->ts);
}

void h2c_check_response(struct session *s, const struct http_head *req,
                        const struct http_head *resp)
{
    h2_info_of(s); /* the report shows the h2c part even for a refused upgrade */
    if (!req || resp->status != 101)
        return;
    /* RFC 7540 §3.2.1: "A server MUST NOT upgrade the connection to HTTP/2 if this header
     * field is not present or if more than one is present." A value that cannot be a SETTINGS
     * payload leaves the server nothing valid to apply either. */
    unsigned n = http_field_count(req, "HTTP2-Settings");
    bool bad_value = session_has_finding(s, F_H2C_SETTINGS_BAD_BASE64) ||
                     session_has_finding(s, F_H2C_SETTINGS_BAD_LENGTH) ||
                     session_has_finding(s, F_H2C_SETTINGS_FULL_FRAME);
    if (n != 1 || bad_value)
        session_finding(s, F_H2C_SERVER_ACCEPTED_BAD_SETTINGS, DIR_S2C, resp->ts,
                        "101 although the request had %s", n == 0 ? "no HTTP2-Settings"
                        : n > 1 ? "HTTP2-Settings more than once" : "an invalid HTTP2-Settings");
}
