/* websocket: WebSocket frames after the switch (RFC 6455 §5-§8, RFC 7692 §6-§7).
 *
 * Parses frames in both directions as bytes arrive (payloads are streamed, never buffered
 * whole), checks masking, RSV bits, opcodes, control-frame rules, fragmentation order, length
 * encoding, close codes and reasons, and the UTF-8 of text messages — after permessage-deflate
 * decompression when it was negotiated. After a gap it skips what was lost when the gap falls
 * inside a payload, and otherwise resynchronises at the next plausible frame header. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ws_session.h"
#include "bytes.h"
#include "dissector.h"
#include "escape.h"
#include "utf8.h"
#include "websocket.h"
#include "ws_deflate.h"
#include "ws_frame.h"
#include "ws_handshake.h"
#include "ws_life.h"

/* A payload length beyond this is not believed when resynchronising or probing. */
#define PLAUSIBLE_LEN (1ull << 32)

enum ws_state { WS_HEADER, WS_PAYLOAD, WS_RESYNC, WS_LOST };

struct ws_dir {
    enum ws_state state;
    struct ws_frame_header fh;
    uint64_t remaining;          /* payload bytes left in the current frame */
    uint64_t offset;             /* payload bytes done (mask position) */
    bool data_frame;             /* the payload belongs to the data message in progress */
    /* the data message in progress */
    bool in_message;
    uint8_t msg_opcode;
    bool msg_compressed;
    bool msg_damaged;            /* a gap fell inside it: its content cannot be checked */
    bool msg_capped;             /* decompressed past the cap: its end is not checked */
    uint64_t msg_wire, msg_out;  /* its payload bytes as sent, and after decompression */
    uint64_t capped_seen;        /* the inflater's capped_messages already reported */
    bool utf8_reported;
    struct utf8_state utf8;
    /* control frame payload (the first 125 bytes) */
    uint8_t ctl[125];
    uint8_t ctl_len;
    bool close_sent;
    bool truncation_reported;
    int event;                   /* the ladder event of the current frame, -1 if none */
    struct ws_inflater inflater;
    bool inflate_usable;         /* false when deflate is off or its context was lost */
};

struct websocket {
    struct ws_dir d[2];
    struct ws_app_state app;     /* what the messages carry */
    bool deflate;
    bool midstream;              /* negotiation unknown: RSV1 tolerated, nothing inflated */
};

/* ---- findings ---- */

static struct ws_info *info(struct dissect *dx)
{
    struct session *s = dissect_session(dx);
    return s ? session_part_find(s, PROTO_WEBSOCKET) : NULL;
}

#define FINDING(dx, id, dir, ts, ...) \
    session_finding(dissect_session(dx), F_##id, (dir), (ts), __VA_ARGS__)

/* ---- messages ---- */

struct sink_ctx {
    struct websocket *ws;
    struct dissect *dx;
    struct ws_dir *d;
    enum dir dir;
    ts_us_t ts;
};

/* Message content (decompressed if it was compressed). */
static void message_bytes(void *user, const uint8_t *p, size_t n)
{
    struct sink_ctx *c = user;
    struct ws_info *wi = info(c->dx);
    c->d->msg_out += n;
    if (wi && !c->d->msg_damaged)
        ws_app_bytes(&c->ws->app, &wi->app, c->dir, p, n, c->d->msg_opcode == WS_OP_BINARY);
    session_event_payload(dissect_session(c->dx), c->d->event, p, n);
    if (c->d->msg_opcode != WS_OP_TEXT || c->d->msg_damaged || c->d->utf8_reported)
        return;
    if (!utf8_feed(&c->d->utf8, p, n)) {
        c->d->utf8_reported = true;
        FINDING(c->dx, WS_TEXT_INVALID_UTF8, c->dir, c->ts, "text message is not valid UTF-8");
    }
}

static void inflate_failed(struct sink_ctx *c)
{
    if (!c->d->msg_damaged)
        FINDING(c->dx, WS_DEFLATE_ERROR, c->dir, c->ts, "%s", c->d->inflater.error);
    c->d->msg_damaged = true;
    if (!c->d->inflater.reset_each_message)
        c->d->inflate_usable = false; /* the shared window is gone for good */
}

/* The inflater reached its cap on this message: say so, once (RFC 6455 §10.4). */
static void note_capped(struct sink_ctx *c)
{
    struct ws_dir *d = c->d;
    if (d->inflater.capped_messages == d->capped_seen)
        return;
    d->capped_seen = d->inflater.capped_messages;
    d->msg_capped = true;
    FINDING(c->dx, WS_DEFLATE_CAPPED, c->dir, c->ts, "a message decompressed past %llu MiB; "
            "the rest of it was not inspected", WS_INFLATE_MESSAGE_CAP >> 20);
}

static void message_data(struct sink_ctx *c, const uint8_t *p, size_t n)
{
    struct ws_dir *d = c->d;
    if (!d->msg_compressed) {
        message_bytes(c, p, n);
        return;
    }
    if (!d->inflate_usable || d->msg_damaged)
        return;
    if (!ws_inflate_feed(&d->inflater, p, n, message_bytes, c))
        inflate_failed(c);
    note_capped(c);
}

static void message_end(struct sink_ctx *c)
{
    struct ws_dir *d = c->d;
    if (d->msg_compressed && d->inflate_usable && !d->msg_damaged) {
        if (!ws_inflate_end_message(&d->inflater, message_bytes, c))
            inflate_failed(c);
        note_capped(c);
    }
    if (d->msg_opcode == WS_OP_TEXT && !d->msg_damaged && !d->utf8_reported && !d->msg_capped &&
        !(d->msg_compressed && !d->inflate_usable) && !utf8_complete(&d->utf8))
        FINDING(c->dx, WS_TEXT_INVALID_UTF8, c->dir, c->ts,
                "text message ends inside a UTF-8 character");
    struct ws_info *wi = info(c->dx);
    if (wi) { /* messages and message_bytes count complete messages only */
        wi->messages[c->dir]++;
        wi->message_bytes[c->dir] += d->msg_out;
        ws_life_message(wi, c->dir, d->msg_wire, d->msg_out, d->msg_compressed, c->ts);
    }
    if (wi && (d->msg_damaged || (d->msg_compressed && !d->inflate_usable)))
        ws_app_message_lost(&c->ws->app, c->dir);
    else if (wi)
        ws_app_message_end(&c->ws->app, &wi->app, dissect_session(c->dx), c->dir,
                           d->msg_opcode == WS_OP_BINARY, c->ts);
    d->in_message = false;
}

/* ---- frames ---- */

static enum ws_frame_kind kind_of(uint8_t op)
{
    switch (op) {
    case WS_OP_CONTINUATION: return WSF_CONTINUATION;
    case WS_OP_TEXT: return WSF_TEXT;
    case WS_OP_BINARY: return WSF_BINARY;
    case WS_OP_CLOSE: return WSF_CLOSE;
    case WS_OP_PING: return WSF_PING;
    case WS_OP_PONG: return WSF_PONG;
    default: return WSF_RESERVED;
    }
}

static void check_rsv(struct websocket *ws, struct dissect *dx, enum dir dir,
                      const struct ws_frame_header *fh, ts_us_t ts)
{
    if (fh->rsv2 || fh->rsv3)
        FINDING(dx, WS_RSV_BITS_SET, dir, ts, "RSV2/RSV3 set, and no extension defines them");
    if (!fh->rsv1 || ws->midstream)
        return;
    if (!ws->deflate)
        FINDING(dx, WS_RSV_BITS_SET, dir, ts, "RSV1 set without permessage-deflate");
    else if (ws_opcode_is_control(fh->opcode))
        FINDING(dx, WS_RSV_BITS_SET, dir, ts, "RSV1 set on a control frame (RFC 7692 §6)");
    else if (fh->opcode == WS_OP_CONTINUATION)
        FINDING(dx, WS_RSV_BITS_SET, dir, ts,
                "RSV1 set on a continuation frame (RFC 7692 §6.1)");
}

/* Fragmentation order (RFC 6455 §5.4): returns whether the payload is message data. */
static bool start_data_frame(struct websocket *ws, struct dissect *dx, enum dir dir,
                             const struct ws_frame_header *fh, ts_us_t ts)
{
    struct ws_dir *d = &ws->d[dir];
    if (fh->opcode == WS_OP_CONTINUATION) {
        if (!d->in_message) {
            FINDING(dx, WS_CONTINUATION_UNEXPECTED, dir, ts,
                    "continuation frame with no message in progress");
            return false;
        }
        return true;
    }
    if (d->in_message)
        FINDING(dx, WS_FRAGMENT_INTERLEAVED, dir, ts,
                "new %s message before the fragmented one ended",
                fh->opcode == WS_OP_TEXT ? "text" : "binary");
    d->in_message = true;
    d->msg_opcode = fh->opcode;
    d->msg_compressed = fh->rsv1 && ws->deflate && !ws->midstream;
    d->msg_damaged = fh->rsv1 && ws->midstream; /* compressed, context unknown */
    d->msg_capped = false;
    d->msg_wire = d->msg_out = 0;
    d->utf8_reported = false;
    utf8_init(&d->utf8);
    return true;
}

static void frame_event(struct ws_dir *d, struct dissect *dx, enum dir dir,
                        const struct ws_frame_header *fh, ts_us_t ts)
{
    struct session *s = dissect_session(dx);
    d->event = -1;
    if (!session_recording(s))
        return;
    char name[16];
    const char *kind = ws_frame_kind_name(kind_of(fh->opcode));
    size_t i = 0;
    for (; kind[i] && i < sizeof name - 1; i++)
        name[i] = (char)(kind[i] >= 'a' && kind[i] <= 'z' ? kind[i] - 32 : kind[i]);
    name[i] = '\0';
    d->event = session_event(s, ts, dir, PROTO_WEBSOCKET, "%s%s%s%s%s len=%llu", name,
                             fh->fin ? " FIN" : "", fh->masked ? " MASK" : "",
                             fh->rsv1 ? " RSV1" : "", fh->rsv2 || fh->rsv3 ? " RSV2/3" : "",
                             (unsigned long long)fh->payload_len);
}

static void frame_header(struct websocket *ws, struct dissect *dx, enum dir dir,
                         const struct ws_frame_header *fh, ts_us_t ts)
{
    struct ws_dir *d = &ws->d[dir];
    struct ws_info *wi = info(dx);
    if (wi) /* first: a silence before it goes on the ladder before it */
        ws_life_frame(wi, dissect_session(dx), dir, ts);
    frame_event(d, dx, dir, fh, ts);
    if (wi)
        wi->frames[dir][kind_of(fh->opcode)]++;
    if (d->close_sent)
        FINDING(dx, WS_DATA_AFTER_CLOSE, dir, ts, "frame (opcode %u) after this side's close",
                fh->opcode);
    if (dir == DIR_C2S && !fh->masked)
        FINDING(dx, WS_CLIENT_FRAME_UNMASKED, dir, ts, "client frame is not masked");
    if (dir == DIR_S2C && fh->masked)
        FINDING(dx, WS_SERVER_FRAME_MASKED, dir, ts, "server frame is masked");
    check_rsv(ws, dx, dir, fh, ts);
    if (fh->len_not_minimal)
        FINDING(dx, WS_LENGTH_NOT_MINIMAL, dir, ts, "length %llu sent in a longer form",
                (unsigned long long)fh->payload_len);
    d->data_frame = false;
    if (ws_opcode_is_reserved(fh->opcode)) {
        FINDING(dx, WS_OPCODE_RESERVED, dir, ts, "reserved opcode 0x%X", fh->opcode);
    } else if (ws_opcode_is_control(fh->opcode)) {
        if (fh->payload_len > 125)
            FINDING(dx, WS_CONTROL_FRAME_TOO_LONG, dir, ts, "%s frame with %llu bytes",
                    ws_frame_kind_name(kind_of(fh->opcode)),
                    (unsigned long long)fh->payload_len);
        if (!fh->fin)
            FINDING(dx, WS_CONTROL_FRAME_FRAGMENTED, dir, ts, "%s frame without FIN",
                    ws_frame_kind_name(kind_of(fh->opcode)));
        d->ctl_len = 0;
    } else {
        d->data_frame = start_data_frame(ws, dx, dir, fh, ts);
        if (d->data_frame)
            d->msg_wire += fh->payload_len;
    }
}

static void close_frame(struct ws_dir *d, struct dissect *dx, enum dir dir, ts_us_t ts)
{
    int code = -1;
    const uint8_t *reason = d->ctl + 2;
    size_t reason_len = d->ctl_len > 2 ? d->ctl_len - 2u : 0;
    if (d->ctl_len == 1) {
        FINDING(dx, WS_CLOSE_PAYLOAD_INVALID, dir, ts, "close payload of 1 byte");
    } else if (d->ctl_len >= 2) {
        code = (d->ctl[0] << 8) | d->ctl[1];
        if (!ws_close_code_valid(code))
            FINDING(dx, WS_CLOSE_CODE_INVALID, dir, ts, "close code %d", code);
        if (!utf8_valid(reason, reason_len))
            FINDING(dx, WS_CLOSE_PAYLOAD_INVALID, dir, ts, "close reason is not valid UTF-8");
    }
    d->close_sent = true;
    if (d->event >= 0) {
        char r[64];
        escape_buf(r, sizeof r, reason, reason_len, ESCAPE_TERMINAL);
        session_event_relabel(dissect_session(dx), d->event, code < 0 ? "CLOSE (no code)"
                              : "CLOSE %d%s%s", code, reason_len ? " " : "", r);
    }
    struct ws_info *wi = info(dx);
    if (!wi)
        return;
    if (!wi->close.seen) {
        wi->close.seen = true;
        wi->close.code = code;
        wi->close.initiator = dir;
        wi->close.reason = bytes_dup(reason, reason_len);
        wi->close.reason_len = wi->close.reason ? (uint32_t)reason_len : 0;
    } else if (dir != wi->close.initiator) {
        wi->close.replied = true;
    }
}

static void frame_end(struct websocket *ws, struct dissect *dx, enum dir dir, ts_us_t ts)
{
    struct ws_dir *d = &ws->d[dir];
    struct sink_ctx c = { ws, dx, d, dir, ts };
    d->state = WS_HEADER;
    struct ws_info *wi = info(dx);
    if (d->data_frame && d->fh.fin)
        message_end(&c);
    else if (d->fh.opcode == WS_OP_CLOSE)
        close_frame(d, dx, dir, ts);
    else if (d->fh.opcode == WS_OP_PING && wi)
        ws_life_ping(wi, dir, d->ctl, d->ctl_len, ts);
    else if (d->fh.opcode == WS_OP_PONG && wi)
        ws_life_pong(wi, dir, d->ctl, d->ctl_len, ts);
}

/* Payload bytes of the current frame: unmasked when their content matters. */
static void frame_payload(struct websocket *ws, struct dissect *dx, enum dir dir,
                          const uint8_t *p, size_t n, ts_us_t ts)
{
    struct ws_dir *d = &ws->d[dir];
    bool control = ws_opcode_is_control(d->fh.opcode);
    struct ws_info *wi = info(dx);
    bool needed = control || d->event >= 0 ||
                  (d->data_frame && (d->msg_opcode == WS_OP_TEXT || d->msg_compressed ||
                                     (wi && ws_app_wants(&ws->app, &wi->app, dir))));
    if (wi) /* payload bytes as they came: a frame cut short counts what arrived */
        wi->payload_bytes[dir] += n;
    if (!needed) {
        if (d->data_frame)
            d->msg_out += n;
        d->offset += n;
        return;
    }
    struct sink_ctx c = { ws, dx, d, dir, ts };
    uint8_t buf[4096];
    while (n) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        const uint8_t *clear = p;
        if (d->fh.masked) {
            ws_unmask(buf, p, k, d->fh.mask, d->offset);
            clear = buf;
        }
        if (control) {
            size_t room = sizeof d->ctl - d->ctl_len, keep = k < room ? k : room;
            memcpy(d->ctl + d->ctl_len, clear, keep);
            d->ctl_len = (uint8_t)(d->ctl_len + keep);
            session_event_payload(dissect_session(dx), d->event, clear, k);
        } else if (d->data_frame) {
            message_data(&c, clear, k);
        } else {
            session_event_payload(dissect_session(dx), d->event, clear, k);
        }
        d->offset += k;
        p += k;
        n -= k;
    }
}

/* Could a frame header of this direction start at p? (resynchronisation and probing) */
static bool plausible_header(const uint8_t *p, size_t n, enum dir dir, bool rsv1_ok,
                             struct ws_frame_header *fh)
{
    if (!ws_frame_header_parse(p, n, fh))
        return false;
    if (ws_opcode_is_reserved(fh->opcode) || fh->rsv2 || fh->rsv3)
        return false;
    if (fh->rsv1 && (!rsv1_ok || (fh->opcode != WS_OP_TEXT && fh->opcode != WS_OP_BINARY)))
        return false; /* RFC 7692 §6: only the first frame of a data message */
    if (fh->masked != (dir == DIR_C2S) || fh->len_msb_set || fh->payload_len >= PLAUSIBLE_LEN)
        return false;
    if (ws_opcode_is_control(fh->opcode) && (!fh->fin || fh->payload_len > 125))
        return false;
    return true;
}

/* After a gap that lost the framing: does a frame start at p (the start of a segment)? */
static bool resync_at(struct websocket *ws, enum dir dir, const uint8_t *p, size_t n)
{
    struct ws_frame_header fh;
    if (!plausible_header(p, n, dir, ws->deflate || ws->midstream, &fh))
        return false;
    ws->d[dir].state = WS_HEADER;
    ws->d[dir].in_message = false;
    return true;
}

static size_t step(void *state, struct dissect *dx, enum dir dir, const uint8_t *p,
                   size_t n, ts_us_t ts)
{
    struct websocket *ws = state;
    struct ws_dir *d = &ws->d[dir];
    switch (d->state) {
    case WS_RESYNC:
        if (!resync_at(ws, dir, p, n))
            return n; /* not at a frame start: wait for the next segment */
        /* fall through - a frame starts right here */
    case WS_HEADER: {
        if (!ws_frame_header_parse(p, n, &d->fh))
            return 0;
        frame_header(ws, dx, dir, &d->fh, ts);
        if (d->fh.len_msb_set) {
            FINDING(dx, WS_LENGTH_MSB_SET, dir, ts, "64-bit length with its top bit set");
            d->state = WS_LOST;
            return d->fh.header_len;
        }
        d->remaining = d->fh.payload_len;
        d->offset = 0;
        d->state = WS_PAYLOAD;
        if (d->remaining == 0)
            frame_end(ws, dx, dir, ts);
        return d->fh.header_len;
    }
    case WS_PAYLOAD: {
        size_t take = n < d->remaining ? n : (size_t)d->remaining;
        frame_payload(ws, dx, dir, p, take, ts);
        d->remaining -= take;
        if (d->remaining == 0)
            frame_end(ws, dx, dir, ts);
        return take;
    }
    case WS_LOST:
        return n;
    }
    return n;
}

/* ---- the dissector interface ---- */

static size_t ws_data(void *state, struct dissect *dx, enum dir dir, const uint8_t *p, size_t n,
                      ts_us_t ts)
{
    return dissect_steps(dx, dir, step, state, p, n, ts);
}

static void ws_gap(void *state, struct dissect *dx, enum dir dir, uint64_t len, ts_us_t ts)
{
    struct websocket *ws = state;
    struct ws_dir *d = &ws->d[dir];
    if (d->state == WS_PAYLOAD && len <= d->remaining) {
        /* the hole is inside a payload of known length: frame boundaries survive */
        d->remaining -= len;
        d->offset += len;
        if (d->data_frame) {
            d->msg_damaged = true;
            if (d->msg_compressed && !d->inflater.reset_each_message)
                d->inflate_usable = false;
        }
        if (d->remaining == 0)
            frame_end(ws, dx, dir, ts);
        return;
    }
    if (d->state == WS_LOST)
        return;
    d->state = WS_RESYNC;
    d->in_message = false;
    if (ws->deflate && !d->inflater.reset_each_message)
        d->inflate_usable = false;
}

static void report_truncated(struct websocket *ws, struct dissect *dx, enum dir dir, ts_us_t ts)
{
    struct ws_dir *d = &ws->d[dir];
    size_t pending = dissect_pending(dx, dir);
    if (d->truncation_reported)
        return;
    if (d->state == WS_HEADER && pending)
        FINDING(dx, WS_FRAME_TRUNCATED, dir, ts, "stream ends inside a frame header "
                "(%zu bytes)", pending);
    else if (d->state == WS_PAYLOAD && d->remaining)
        FINDING(dx, WS_FRAME_TRUNCATED, dir, ts, "stream ends %llu bytes before the end of a "
                "%s frame", (unsigned long long)d->remaining,
                ws_frame_kind_name(kind_of(d->fh.opcode)));
    else
        return;
    d->truncation_reported = true;
}

static void ws_fin(void *state, struct dissect *dx, enum dir dir, ts_us_t ts)
{
    report_truncated(state, dx, dir, ts);
}

static void ws_close(void *state, struct dissect *dx, ts_us_t ts)
{
    struct websocket *ws = state;
    report_truncated(state, dx, DIR_C2S, ts);
    report_truncated(state, dx, DIR_S2C, ts);
    struct ws_info *wi = info(dx);
    for (int d = 0; d < 2 && wi; d++) { /* a message the end cut short */
        if (!ws->d[d].in_message)
            continue;
        wi->partial_messages[d]++;
        wi->partial_bytes[d] += ws->d[d].msg_out;
    }
    if (wi)
        ws_life_end(wi, dissect_session(dx), dissect_flow(dx), dissect_incomplete(dx), ts);
}

static void setup_deflate(struct websocket *ws, const struct ws_info *wi)
{
    const struct ws_deflate_params *p = &wi->deflate_params;
    ws->deflate = true;
    ws->d[DIR_C2S].inflate_usable = ws_inflate_init(&ws->d[DIR_C2S].inflater,
        p->client_max_window_bits, p->client_no_context_takeover);
    ws->d[DIR_S2C].inflate_usable = ws_inflate_init(&ws->d[DIR_S2C].inflater,
        p->server_max_window_bits, p->server_no_context_takeover);
}

static void *ws_create(struct dissect *dx)
{
    struct websocket *ws = calloc(1, sizeof *ws);
    if (!ws)
        return NULL;
    ws->d[0].event = ws->d[1].event = -1;
    struct session *s = dissect_session(dx);
    if (!s || s->transition != TRANSITION_WEBSOCKET) {
        /* reached without a handshake: the capture began after it */
        s = dissect_session_begin(dx, dissect_flow(dx)->last_ts);
        if (s) {
            s->outcome = OUTCOME_MIDSTREAM;
            s->transition = TRANSITION_WEBSOCKET;
        }
        ws->midstream = true;
    }
    struct ws_info *wi = s ? ws_info_of(s) : NULL;
    if (wi && wi->deflate && !ws->midstream)
        setup_deflate(ws, wi);
    if (wi)
        ws_app_begin(&wi->app, wi->subprotocol, s->request ? s->request->target : NULL);
    return ws;
}

static void ws_destroy(void *state)
{
    struct websocket *ws = state;
    ws_inflate_free(&ws->d[0].inflater);
    ws_inflate_free(&ws->d[1].inflater);
    free(ws);
}

/* Is the visible part of a text payload UTF-8 so far? */
static bool text_plausible(const uint8_t *p, size_t n, const struct ws_frame_header *fh)
{
    uint8_t buf[256];
    size_t k = n < fh->payload_len ? n : (size_t)fh->payload_len;
    if (k > sizeof buf)
        k = sizeof buf;
    struct utf8_state u;
    utf8_init(&u);
    if (fh->masked)
        ws_unmask(buf, p, k, fh->mask, 0);
    return utf8_feed(&u, fh->masked ? buf : p, k);
}

/* Midstream only (the capture missed the handshake). Random bytes pass a single header check
 * too often, so a stream is taken for WebSocket only when its first bytes are a run of
 * plausible frames from one sender (the mask bit says which, RFC 6455 §5.1) that ends exactly
 * where the bytes end, or holds at least two whole frames. */
static enum probe_result ws_probe(const uint8_t *p, size_t n, bool midstream, enum dir *sender)
{
    if (!midstream)
        return PROBE_NO;
    size_t off = 0, frames = 0;
    bool starter = false; /* a frame that is not a continuation: a run of those alone is
                           * what zero bytes look like */
    struct ws_frame_header fh;
    enum dir from = DIR_C2S;
    while (off < n) {
        if (!ws_frame_header_parse(p + off, n - off, &fh))
            return frames >= 2 && starter ? PROBE_YES : PROBE_MORE;
        enum dir this_from = fh.masked ? DIR_C2S : DIR_S2C;
        if ((frames && this_from != from) || !plausible_header(p + off, n - off, this_from,
                                                               true, &fh))
            return PROBE_NO;
        from = this_from;
        *sender = from;
        if (fh.opcode == WS_OP_TEXT && !fh.rsv1 &&
            !text_plausible(p + off + fh.header_len, n - off - fh.header_len, &fh))
            return PROBE_NO;
        starter |= fh.opcode != WS_OP_CONTINUATION;
        if (fh.header_len + fh.payload_len > n - off)
            return frames >= 2 && starter ? PROBE_YES : PROBE_MORE;
        off += fh.header_len + (size_t)fh.payload_len;
        frames++;
    }
    return starter ? PROBE_YES : PROBE_MORE; /* whole frames, ending exactly with the bytes */
}

static bool ws_upgrade_token(struct span tok)
{
    return tok.n == 9 && strncasecmp(tok.p, "websocket", 9) == 0;
}

const struct dissector websocket_dissector = {
    .name = "websocket",
    .proto = PROTO_WEBSOCKET,
    .probe = ws_probe,
    .probe_heuristic = true,
    .create = ws_create,
    .destroy = ws_destroy,
    .data = ws_data,
    .gap = ws_gap,
    .fin = ws_fin,
    .close = ws_close,
    .report_key = "websocket",
    .report_json = ws_report_json,
    .report_text = ws_report_text,
    .report_detail = ws_report_detail,
    .checks = ws_checks,
    .volume = ws_report_volume,
    .ended_by = ws_life_ended_by,
    .lifecycle_json = ws_life_json,
    .lifecycle_text = ws_life_text,
    .lifecycle_detail = ws_life_detail,
    .transition = TRANSITION_WEBSOCKET,
    .upgrade_token = ws_upgrade_token,
    .upgrade_request = ws_check_request,
    .upgrade_response = ws_check_response,
};
