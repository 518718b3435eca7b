/* h2_settings: HTTP/2 SETTINGS parameters (RFC 9113 §6.5.2, RFC 8441 §3) — names, value rules,
 * and the HTTP2-Settings header of an h2c upgrade (RFC 7540 §3.2.1: base64url of a SETTINGS
 * frame payload). */
#ifndef UPSCOPE_H2_SETTINGS_H
#define UPSCOPE_H2_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    H2_SETTINGS_HEADER_TABLE_SIZE = 0x1,
    H2_SETTINGS_ENABLE_PUSH = 0x2,
    H2_SETTINGS_MAX_CONCURRENT_STREAMS = 0x3,
    H2_SETTINGS_INITIAL_WINDOW_SIZE = 0x4,
    H2_SETTINGS_MAX_FRAME_SIZE = 0x5,
    H2_SETTINGS_MAX_HEADER_LIST_SIZE = 0x6,
    H2_SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8,
    H2_SETTINGS_NO_RFC7540_PRIORITIES = 0x9,
};

/* "MAX_FRAME_SIZE", or "UNKNOWN_0x00ff" written into buf (>= 16 bytes). */
const char *h2_setting_name(uint16_t id, char buf[16]);

/* Is the value allowed? from_server: a server must not enable push (RFC 9113 §6.5.2). On a
 * violation returns false with the rule in why. Unknown ids are always allowed (§6.5.2). */
bool h2_setting_valid(uint16_t id, uint32_t value, bool from_server, char *why, size_t whylen);

enum h2c_settings_status {
    H2C_SETTINGS_OK,
    H2C_SETTINGS_BASE64,        /* not base64url */
    H2C_SETTINGS_LENGTH,        /* decoded length not a multiple of 6 */
    H2C_SETTINGS_WHOLE_FRAME,   /* a whole SETTINGS frame, 9-byte header included */
};

/* Decodes an HTTP2-Settings value (token68, base64url, padding optional) into *out (a payload of
 * *len bytes, at most cap). A whole frame is recognised and its payload returned. */
enum h2c_settings_status h2c_settings_decode(const char *value, size_t n, uint8_t *out,
                                             size_t cap, size_t *len);

#endif
