/* ws_deflate: streaming permessage-deflate decompression with zlib (see ws_deflate.h). */
#include "ws_deflate.h"

#include <stdio.h>
#include <string.h>

bool ws_inflate_init(struct ws_inflater *in, int window_bits, bool no_context_takeover)
{
    memset(in, 0, sizeof *in);
    if (window_bits < 8 || window_bits > 15)
        window_bits = 15;
    in->window_bits = window_bits;
    in->reset_each_message = no_context_takeover;
    in->chunk = 1u << (window_bits - 1);
    return true;
}

/* zlib starts on the first compressed byte: a direction that never sends a compressed message
 * (most servers' on a quiet socket) costs no inflate state (~7 KiB, and the window up to
 * 32 KiB once output flows). */
static bool start(struct ws_inflater *in)
{
    if (in->ready)
        return true;
    /* negative window bits: raw deflate, no zlib header (RFC 7692 §7.2.1) */
    if (inflateInit2(&in->z, -in->window_bits) != Z_OK) {
        snprintf(in->error, sizeof in->error, "zlib: cannot start (out of memory)");
        in->failed = true;
        return false;
    }
    in->ready = true;
    return true;
}

/* Past the cap a message is no longer looked at; with context takeover it is still inflated
 * (its bytes are history for the next message), without it there is no point. */
static bool note_output(struct ws_inflater *in, const uint8_t *p, size_t got,
                        ws_inflate_sink sink, void *user)
{
    if (in->capped)
        return !in->reset_each_message;
    uint64_t room = WS_INFLATE_MESSAGE_CAP - in->message_out;
    size_t shown = got < room ? got : (size_t)room;
    in->message_out += shown;
    if (shown)
        sink(user, p, shown);
    if (shown < got || in->message_out == WS_INFLATE_MESSAGE_CAP) {
        in->capped = true;
        in->capped_messages++;
        return !in->reset_each_message;
    }
    return true;
}

static bool run(struct ws_inflater *in, const uint8_t *p, size_t n, ws_inflate_sink sink,
                void *user)
{
    uint8_t out[16384];
    unsigned chunk = in->chunk < sizeof out ? in->chunk : sizeof out;
    if (in->failed)
        return false;
    if (in->capped && in->reset_each_message)
        return true; /* the rest of this message is skipped */
    if (!start(in))
        return false;
    in->z.next_in = (Bytef *)p;
    in->z.avail_in = (uInt)n;
    for (;;) {
        in->z.next_out = out;
        in->z.avail_out = chunk;
        int rc = inflate(&in->z, Z_SYNC_FLUSH);
        size_t got = chunk - in->z.avail_out;
        if (got && !note_output(in, out, got, sink, user))
            break; /* capped, no context to keep */
        if (rc == Z_STREAM_END) {
            /* BFINAL inside a message: legal (§7.2.3.3); start a fresh block stream */
            inflateReset(&in->z);
            continue;
        }
        if (rc == Z_BUF_ERROR && got == 0)
            break; /* needs more input */
        if (in->z.avail_in == 0 && in->z.avail_out > 0)
            break; /* all input used and nothing more pending */
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            snprintf(in->error, sizeof in->error, "zlib: %s",
                     in->z.msg ? in->z.msg : "inflate failed");
            in->failed = true;
            return false;
        }
    }
    return true;
}

bool ws_inflate_feed(struct ws_inflater *in, const uint8_t *p, size_t n, ws_inflate_sink sink,
                     void *user)
{
    return run(in, p, n, sink, user);
}

bool ws_inflate_end_message(struct ws_inflater *in, ws_inflate_sink sink, void *user)
{
    static const uint8_t tail[4] = { 0x00, 0x00, 0xff, 0xff };
    /* an empty message with no zlib yet: the tail alone decodes to nothing */
    bool ok = in->ready || in->failed ? run(in, tail, sizeof tail, sink, user) : true;
    in->message_out = 0;
    in->capped = false;
    if (in->ready && in->reset_each_message) {
        inflateReset(&in->z);
        in->failed = false; /* without shared context the next message starts clean */
    }
    return ok;
}

void ws_inflate_free(struct ws_inflater *in)
{
    if (in->ready)
        inflateEnd(&in->z);
    in->ready = false;
}
