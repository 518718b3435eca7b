/* ws_frame: WebSocket frame header parsing (RFC 6455 §5.2). */
#include "ws_frame.h"

#include "cursor.h"

bool ws_frame_header_parse(const uint8_t *p, size_t n, struct ws_frame_header *h)
{
    struct cursor c = cursor_make(p, n);
    uint8_t b0 = cursor_u8(&c), b1 = cursor_u8(&c);
    if (c.bad)
        return false;
    h->fin = b0 & 0x80;
    h->rsv1 = b0 & 0x40;
    h->rsv2 = b0 & 0x20;
    h->rsv3 = b0 & 0x10;
    h->opcode = b0 & 0x0F;
    h->masked = b1 & 0x80;
    h->len_not_minimal = h->len_msb_set = false;
    uint64_t len = b1 & 0x7F;
    if (len == 126) {
        len = cursor_be16(&c);
        h->len_not_minimal = len < 126;
    } else if (len == 127) {
        len = cursor_be64(&c);
        h->len_msb_set = len >> 63;
        h->len_not_minimal = len <= 0xFFFF;
    }
    if (h->masked) {
        const uint8_t *m;
        if (cursor_take(&c, 4, &m)) {
            h->mask[0] = m[0]; h->mask[1] = m[1]; h->mask[2] = m[2]; h->mask[3] = m[3];
        }
    }
    if (c.bad)
        return false;
    h->payload_len = len;
    h->header_len = (uint8_t)(n - c.n);
    return true;
}

void ws_unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4],
               uint64_t offset)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i] ^ mask[(offset + i) & 3];
}

bool ws_opcode_is_control(uint8_t op)
{
    return op >= 0x8;
}

bool ws_opcode_is_reserved(uint8_t op)
{
    return (op >= 0x3 && op <= 0x7) || op >= 0xB;
}

bool ws_close_code_valid(int code)
{
    /* 1004-1006 and 1015 are reserved for local use and must never be sent; below 1000 and
     * 1016-2999 are unassigned to applications; 3000-4999 are for libraries and apps. */
    if (code >= 1000 && code <= 1003)
        return true;
    if (code >= 1007 && code <= 1014)
        return true;
    return code >= 3000 && code <= 4999;
}
