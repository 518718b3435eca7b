/* ws_deflate: permessage-deflate decompression (RFC 7692 §7.2) for one direction.
 *
 * The compressed payload of each message is inflated as it arrives (no copy of the message is
 * kept), followed at the message's end by the 0x00 0x00 0xff 0xff tail the sender removed. The
 * window size and context takeover are those the handshake agreed for the sending side, so a
 * sender that breaks them fails to decompress, which is reported. zlib counts the bytes produced
 * within one inflate() call as history too, so each call produces at most half the window: a
 * reference up to 1.5 windows back can still pass unnoticed, anything further fails. Output goes
 * to a callback in chunks.
 *
 * Decompressed bytes per message are capped (WS_INFLATE_MESSAGE_CAP): past the cap nothing more
 * of the message reaches the callback. With context takeover the rest is still inflated, into
 * nothing, because later messages may refer back to it; the cost is linear in the compressed
 * input (deflate expands at most about 1032 times). Without it the rest is skipped. */
#ifndef UPSCOPE_WS_DEFLATE_H
#define UPSCOPE_WS_DEFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#define WS_INFLATE_MESSAGE_CAP (64ull << 20)

typedef void (*ws_inflate_sink)(void *user, const uint8_t *p, size_t n);

struct ws_inflater {
    z_stream z;
    bool ready;                 /* z is initialised (on the first compressed byte) */
    int window_bits;            /* 8..15 */
    bool reset_each_message;    /* the sender's no_context_takeover */
    unsigned chunk;             /* output bytes per inflate() call: half the window */
    bool failed;                /* an error happened; see error */
    char error[96];
    uint64_t message_out;       /* decompressed bytes of the current message */
    bool capped;                /* the message passed WS_INFLATE_MESSAGE_CAP */
    uint64_t capped_messages;   /* messages that passed it */
};

/* window_bits: 8..15, the sender's max_window_bits. zlib itself starts on the first byte fed
 * (a failure then is an error like any other). Always true. */
bool ws_inflate_init(struct ws_inflater *in, int window_bits, bool no_context_takeover);

/* Decompresses part of a message. False on a decompression error (in->error says which). */
bool ws_inflate_feed(struct ws_inflater *in, const uint8_t *p, size_t n, ws_inflate_sink sink,
                     void *user);

/* The message is complete: feeds the 4-byte tail and resets if no context takeover. */
bool ws_inflate_end_message(struct ws_inflater *in, ws_inflate_sink sink, void *user);

void ws_inflate_free(struct ws_inflater *in);

#endif
