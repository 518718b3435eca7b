/* ws_frame: WebSocket frame headers (RFC 6455 §5.2) — parsing, masking, close codes.
 *
 * Pure functions over bytes; the websocket dissector decides what a header means for the
 * connection. */
#ifndef UPSCOPE_WS_FRAME_H
#define UPSCOPE_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
    WS_OP_CONTINUATION = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA,
};

struct ws_frame_header {
    bool fin, rsv1, rsv2, rsv3, masked;
    uint8_t opcode;
    uint8_t header_len;        /* 2..14 */
    uint64_t payload_len;
    uint8_t mask[4];
    bool len_not_minimal;      /* a 16/64-bit length that fits a shorter form (§5.2) */
    bool len_msb_set;          /* 64-bit length with the top bit set (§5.2) */
};

/* Parses the header at p. Returns false when more bytes are needed. */
bool ws_frame_header_parse(const uint8_t *p, size_t n, struct ws_frame_header *h);

/* XORs n payload bytes with the mask; offset is the position of src[0] in the payload. */
void ws_unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4],
               uint64_t offset);

bool ws_opcode_is_control(uint8_t op);
bool ws_opcode_is_reserved(uint8_t op);

/* May this status code appear in a Close frame on the wire? (RFC 6455 §7.4, IANA registry) */
bool ws_close_code_valid(int code);

#endif
