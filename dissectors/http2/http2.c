/* http2: HTTP/2 after an h2c upgrade or with prior knowledge (RFC 9113, RFC 7541).
 *
 * Checks the connection prefaces, parses frames both ways (type, flags, stream, length) with
 * their frame-size, stream-id and sequencing rules, decodes header blocks with libnghttp2's
 * HPACK inflater (one per direction, as the peers' encoders keep one per direction), validates
 * the decoded header lists, and records one request per stream. DATA payloads are skipped as
 * they stream past; other frames are parsed whole (they fit the dispatcher's buffer). */
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "h2_session.h"
#include "cursor.h"
#include "bytes.h"
#include "dissector.h"
#include "h2_settings.h"
#include "h2c.h"
#include "h2_websocket.h"
#include "http_fields.h"
#include "http2.h"

static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define PREFACE_LEN 24
#define FRAME_HEADER_LEN 9
#define WHOLE_FRAME_MAX (60u * 1024)  /* larger non-DATA frames are skipped, not parsed */
#define DEFAULT_MAX_FRAME 16384
/* HPACK tables are kept as the peers allow, up to this: a peer may allow gigabytes. */
#define HPACK_TABLE_CAP (64u * 1024)
#define REQUEST_FIELD_CAP 2048        /* bytes of :method, :path, :authority kept per request */

enum { FLAG_END_STREAM = 0x1, FLAG_ACK = 0x1, FLAG_END_HEADERS = 0x4, FLAG_PADDED = 0x8,
       FLAG_PRIORITY = 0x20 };

/* H2S_HUNT: picked up mid-connection, looking for a frame boundary (frame_run) */
enum h2_state { H2S_PREFACE, H2S_HUNT, H2S_FRAME, H2S_SKIP, H2S_LOST };

/* Mid-connection, a frame boundary is where a run of plausible frame headers begins: the
 * probe wants this many whole frames before it calls a stream HTTP/2, the hunt for a
 * boundary in a stream already known to be HTTP/2 (its other direction) two, or one that
 * ends exactly where the bytes end. */
#define PROBE_RUN 3
#define HUNT_RUN 2
#define H2_MAX_FRAME_LIMIT 16777215u  /* 2^24 - 1: what MAX_FRAME_SIZE may be raised to */

/* What a header block being decoded said so far. */
struct block {
    bool active;                  /* inside HEADERS/PUSH_PROMISE + CONTINUATION */
    uint8_t type;                 /* H2F_HEADERS or H2F_PUSH_PROMISE */
    uint32_t stream;              /* the stream the request/response belongs to */
    bool new_stream;              /* it opens the stream (not trailers) */
    char *method, *path, *authority, *scheme, *protocol;
    int status;
    bool regular_seen, problem_reported;
    bool end_stream;              /* the HEADERS frame ended its sender's half of the stream */
    bool ws;                      /* its stream carries a WebSocket (RFC 8441) */
    bool undecoded;               /* mid-connection, HPACK could not decode it */
    struct h2_fieldlist fields;   /* kept whole for an extended CONNECT and its response */
};

struct h2_dir {
    enum h2_state state;
    int event;                    /* the ladder event of the current frame, -1 if none */
    uint32_t skip;                /* payload bytes of a skipped frame still to come */
    bool first_frame_done;
    bool block_seen;              /* a header block started here (mid-connection: a
                                   * CONTINUATION before one may end a block begun earlier) */
    uint32_t max_frame_size;      /* what the receiving peer allows */
    nghttp2_hd_inflater *hpack;
    bool hpack_broken;
    bool hpack_capped;            /* the peer allowed a table larger than HPACK_TABLE_CAP */
    struct block block;
    uint32_t highest_stream;      /* client: highest stream opened; server: highest promised */
    /* the DATA frame being read: its stream (looked up again at each use: the other side may
     * end the stream meanwhile), flags and padding */
    uint32_t data_stream;
    bool data_end_stream, pad_pending;
    uint32_t pad;                 /* padding bytes at the end of its payload */
};

struct http2 {
    struct h2_dir d[2];
    bool upgraded;                /* reached through an h2c upgrade */
    bool client_push_enabled;
    char *upgrade_path;           /* the upgrade request's target (smuggling hint) */
    char *upgrade_host;           /* ... its Host */
    bool upgrade_proxied;         /* ... came through a proxy (Via, Forwarded, X-Forwarded-*) */
    bool connect_enabled, connect_ever;  /* SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3) */
    bool connect_said;            /* ... seen at all (mid-connection it may predate us) */
    bool midstream;               /* picked up without the preface: settings, HPACK tables and
                                   * the streams opened before are unknown */
    struct h2_ws_set ws;          /* streams carrying WebSockets */
};

#define FINDING(dx, id, dir, ts, ...) \
    session_finding(dissect_session(dx), F_##id, (dir), (ts), __VA_ARGS__)

static struct h2_info *info(struct dissect *dx)
{
    struct session *s = dissect_session(dx);
    return s ? h2_info_of(s) : NULL;
}

static enum h2_frame_kind kind_of(uint8_t type)
{
    return type <= 9 ? (enum h2_frame_kind)type : H2F_UNKNOWN;
}

/* ---- frame boundaries by shape (mid-connection) ---- */

/* Could these 9 bytes be a frame header a peer sent? Only the types RFC 9113 §6 defines, only
 * the flags each defines (§6.1-§6.10), the reserved bit clear (§4.1), the stream-0 rules and
 * the fixed lengths of each type, and no more than the default MAX_FRAME_SIZE (§4.2): larger
 * frames need a setting we did not see. after_open_block: the frame before left a header
 * block open (only a CONTINUATION may follow, §6.10), -1 if unknown. */
static bool frame_header_plausible(const uint8_t *p, int after_open_block)
{
    static const uint8_t flags_allowed[10] = { 0x09, 0x2d, 0, 0, 0x01, 0x0c, 0x01, 0, 0, 0x04 };
    uint32_t len = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    uint8_t type = p[3], flags = p[4];
    uint32_t stream = (uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 | p[8];
    if (type > 9 || (flags & ~flags_allowed[type]) || (stream & 0x80000000u) ||
        len > DEFAULT_MAX_FRAME)
        return false;
    if (after_open_block >= 0 && (after_open_block == 1) != (type == H2F_CONTINUATION))
        return false;
    bool on_zero = type == H2F_SETTINGS || type == H2F_PING || type == H2F_GOAWAY;
    if (type != H2F_WINDOW_UPDATE && on_zero != (stream == 0))
        return false;
    if ((flags & FLAG_PADDED) && len < 1)
        return false;
    switch (type) {
    case H2F_PRIORITY:      return len == 5;
    case H2F_RST_STREAM:    return len == 4;
    case H2F_SETTINGS:      return (flags & FLAG_ACK) ? len == 0 : len % 6 == 0;
    case H2F_PUSH_PROMISE:  return len >= 4;
    case H2F_PING:          return len == 8;
    case H2F_GOAWAY:        return len >= 8;
    case H2F_WINDOW_UPDATE: return len == 4;
    default:                return true;
    }
}

enum run_end { RUN_BAD, RUN_SHORT, RUN_EXACT };

/* Walks plausible frames from p: *whole counts those entirely within the n bytes. RUN_BAD: an
 * implausible header came first; RUN_SHORT: the bytes end inside a frame; RUN_EXACT: they end
 * where a frame ends. */
static enum run_end frame_run(const uint8_t *p, size_t n, size_t *whole)
{
    size_t off = 0;
    int open_block = -1;
    *whole = 0;
    while (off < n) {
        if (n - off < FRAME_HEADER_LEN)
            return RUN_SHORT;
        if (!frame_header_plausible(p + off, open_block))
            return RUN_BAD;
        uint8_t type = p[off + 3], flags = p[off + 4];
        bool block = type == H2F_HEADERS || type == H2F_PUSH_PROMISE ||
                     type == H2F_CONTINUATION;
        open_block = block && !(flags & FLAG_END_HEADERS);
        size_t len = (size_t)p[off] << 16 | (size_t)p[off + 1] << 8 | p[off + 2];
        if (n - off - FRAME_HEADER_LEN < len)
            return RUN_SHORT;
        off += FRAME_HEADER_LEN + len;
        ++*whole;
    }
    return RUN_EXACT;
}

/* ---- requests ---- */

static struct h2_request *request_find(struct h2_info *h2, uint32_t stream)
{
    for (uint32_t i = 0; h2 && i < h2->nrequests; i++)
        if (h2->requests[i].stream == stream)
            return &h2->requests[i];
    return NULL;
}

/* Takes ownership of the strings. */
static void request_add(struct h2_info *h2, uint32_t stream, char *method, char *path,
                        char *authority, char *protocol)
{
    if (!h2 || h2->nrequests >= H2_MAX_REQUESTS) {
        if (h2)
            h2->requests_dropped++;
        free(method);
        free(path);
        free(authority);
        free(protocol);
        return;
    }
    h2->requests[h2->nrequests++] = (struct h2_request){ stream, method, path, authority, 0,
                                                         protocol };
}

static void block_reset(struct block *b)
{
    free(b->method);
    free(b->path);
    free(b->authority);
    free(b->scheme);
    free(b->protocol);
    h2_fieldlist_clear(&b->fields);
    memset(b, 0, sizeof *b);
}

/* ---- header fields ---- */

static bool is_connection_specific(const nghttp2_nv *nv)
{
    static const char *const names[] = { "connection", "proxy-connection", "keep-alive",
                                         "transfer-encoding", "upgrade", "http2-settings" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (nv->namelen == strlen(names[i]) && memcmp(nv->name, names[i], nv->namelen) == 0)
            return true;
    /* RFC 9113 §8.2.2: TE is allowed with the value "trailers" only */
    return nv->namelen == 2 && memcmp(nv->name, "te", 2) == 0 &&
           !(nv->valuelen == 8 && memcmp(nv->value, "trailers", 8) == 0);
}

static void header_problem(struct dissect *dx, struct block *b, enum dir dir, ts_us_t ts,
                           const char *what, const nghttp2_nv *nv)
{
    FINDING(dx, H2_HEADER_INVALID, dir, ts, "stream %u: %s \"%.*s\"", b->stream, what,
            (int)(nv->namelen > 64 ? 64 : nv->namelen), (const char *)nv->name);
}

static void on_header(struct dissect *dx, struct block *b, enum dir dir, const nghttp2_nv *nv,
                      ts_us_t ts, int event)
{
    const char *name = (const char *)nv->name, *value = (const char *)nv->value;
    struct session *s = dissect_session(dx);
    if (event >= 0) { /* the ladder shows the decoded header list as the payload */
        session_event_payload(s, event, name, nv->namelen);
        session_event_payload(s, event, ": ", 2);
        session_event_payload(s, event, value, nv->valuelen);
        session_event_payload(s, event, "\n", 1);
    }
    /* an extended CONNECT and its response are kept whole; pseudo-header fields come first,
     * so :protocol is known before the regular fields */
    if ((nv->namelen && name[0] == ':' && (b->new_stream || b->ws)) || b->protocol || b->ws)
        h2_fieldlist_add(&b->fields, nv->name, nv->namelen, nv->value, nv->valuelen);
    for (size_t i = 0; i < nv->namelen; i++) {
        if (name[i] >= 'A' && name[i] <= 'Z') {
            header_problem(dx, b, dir, ts, "upper-case field name", nv); /* §8.2.1 */
            break;
        }
    }
    if (is_connection_specific(nv))
        FINDING(dx, H2_CONNECTION_HEADER, dir, ts, "stream %u carries \"%.*s: %.*s\"",
                b->stream, (int)nv->namelen, name, (int)(nv->valuelen > 64 ? 64 : nv->valuelen),
                value);
    if (nv->namelen == 0 || name[0] != ':') {
        b->regular_seen = true;
        return;
    }
    if (b->regular_seen) /* §8.3: pseudo-header fields come first */
        header_problem(dx, b, dir, ts, "pseudo-header after a regular field", nv);
    bool request_side = dir == DIR_C2S || b->type == H2F_PUSH_PROMISE;
    char **slot = NULL;
    if (request_side && nv->namelen == 7 && memcmp(name, ":method", 7) == 0)
        slot = &b->method;
    else if (request_side && nv->namelen == 5 && memcmp(name, ":path", 5) == 0)
        slot = &b->path;
    else if (request_side && nv->namelen == 10 && memcmp(name, ":authority", 10) == 0)
        slot = &b->authority;
    else if (request_side && nv->namelen == 7 && memcmp(name, ":scheme", 7) == 0)
        slot = &b->scheme;
    else if (request_side && nv->namelen == 9 && memcmp(name, ":protocol", 9) == 0)
        slot = &b->protocol;
    else if (!request_side && nv->namelen == 7 && memcmp(name, ":status", 7) == 0) {
        bool digits = nv->valuelen == 3;
        for (size_t i = 0; i < nv->valuelen && digits; i++)
            digits = value[i] >= '0' && value[i] <= '9';
        if (digits)
            b->status = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
        else
            header_problem(dx, b, dir, ts, "status is not three digits in", nv);
        return;
    } else {
        header_problem(dx, b, dir, ts, "unknown or misplaced pseudo-header", nv);
        return;
    }
    if (*slot)
        header_problem(dx, b, dir, ts, "pseudo-header repeated", nv);
    else
        *slot = bytes_dup(value, nv->valuelen < REQUEST_FIELD_CAP ? nv->valuelen
                                                                  : REQUEST_FIELD_CAP);
}

/* h2c smuggling (a client upgrades through a proxy that forwards the 101, then reaches the
 * backend directly): suspected when a stream after the upgrade goes to another authority, or
 * to another path when the upgrade visibly came through a proxy. A client multiplexing its
 * own requests over the upgraded connection is ordinary HTTP/2 (RFC 9113 §5). */
static void check_smuggling(struct http2 *h, struct dissect *dx, const struct block *b,
                            ts_us_t ts)
{
    if (b->authority && h->upgrade_host && strcasecmp(b->authority, h->upgrade_host) != 0)
        FINDING(dx, H2C_SMUGGLING_SUSPECTED, DIR_C2S, ts, "after upgrading a request for host "
                "\"%s\", stream %u goes to \"%s\"", h->upgrade_host, b->stream, b->authority);
    else if (h->upgrade_proxied && b->path && h->upgrade_path &&
             strcmp(b->path, h->upgrade_path) != 0)
        FINDING(dx, H2C_SMUGGLING_SUSPECTED, DIR_C2S, ts, "the upgrade came through a proxy for "
                "\"%s\"; stream %u, past the proxy, asks for \"%s\"", h->upgrade_path,
                b->stream, b->path);
}

/* The whole header list of a block is known: check it and record the request or status. */
static void block_done(struct http2 *h, struct dissect *dx, enum dir dir, ts_us_t ts)
{
    struct block *b = &h->d[dir].block;
    struct h2_info *h2 = info(dx);
    if (h->midstream && (b->undecoded || !b->method)) {
        /* its fields are lost with the HPACK table we never saw, or it continues a stream
         * opened before the capture (trailers): nothing to check, no request to record */
        block_reset(b);
        return;
    }
    if (h->midstream && b->new_stream && h2)
        h2->streams++;
    if (b->type == H2F_PUSH_PROMISE || (dir == DIR_C2S && b->new_stream)) {
        bool connect = b->method && strcmp(b->method, "CONNECT") == 0;
        if (!b->method || (!connect && (!b->scheme || !b->path)))
            FINDING(dx, H2_HEADER_INVALID, dir, ts, "stream %u: request without :method, "
                    ":scheme and :path (RFC 9113 §8.3.1)", b->stream);
        if (h->upgraded && dir == DIR_C2S)
            check_smuggling(h, dx, b, ts);
        /* RFC 8441 §4: an extended CONNECT; "websocket" opens a WebSocket on the stream */
        if (dir == DIR_C2S && connect && b->protocol && strcmp(b->protocol, "websocket") == 0) {
            /* mid-connection, the server may have enabled it before the capture began */
            bool enabled = h->connect_enabled || (h->midstream && !h->connect_said);
            h2ws_request(&h->ws, dx, b->stream, &b->fields, enabled, ts);
        }
        request_add(h2, b->stream, b->method, b->path, b->authority, b->protocol);
        b->method = b->path = b->authority = b->protocol = NULL;
    } else if (dir == DIR_S2C && b->status) {
        struct h2_request *r = request_find(h2, b->stream);
        if (r && (r->status == 0 || r->status < 200))
            r->status = b->status;
        struct h2_ws *w = h2ws_find(&h->ws, b->stream);
        if (w)
            h2ws_response(w, &b->fields, b->status, ts);
    }
    struct h2_ws *w = b->end_stream ? h2ws_find(&h->ws, b->stream) : NULL;
    if (w)
        h2ws_end_stream(&h->ws, w, dir, ts);
    block_reset(b);
}

/* A new inflater for a direction picked up mid-connection (or after a block it could not
 * decode): the encoder's table size is unknown, so ours allows what we allow at most. */
static void hpack_restart(struct h2_dir *d)
{
    if (d->hpack)
        nghttp2_hd_inflate_del(d->hpack);
    if (nghttp2_hd_inflate_new(&d->hpack) != 0)
        d->hpack = NULL;
    else
        nghttp2_hd_inflate_change_table_size(d->hpack, HPACK_TABLE_CAP);
    d->hpack_capped = true;
}

/* Feeds one header block fragment to the direction's HPACK inflater. */
static void hpack_feed(struct http2 *h, struct dissect *dx, enum dir dir, const uint8_t *p,
                       size_t n, bool final, ts_us_t ts)
{
    struct h2_dir *d = &h->d[dir];
    if (d->hpack_broken || !d->hpack || d->block.undecoded)
        return;
    for (;;) {
        nghttp2_nv nv;
        int flags = 0;
        ssize_t rv = nghttp2_hd_inflate_hd2(d->hpack, &nv, &flags, p, n, final);
        if (rv < 0 && h->midstream) {
            /* the table began before the capture: a reference into its unseen part is
             * expected, not the encoder's fault. A fresh inflater holds only entries seen
             * from now on, which index as the encoder's newest ones do (RFC 7541 §2.3.3), so
             * later blocks decode right or fail, never wrongly. */
            hpack_restart(d);
            d->block.undecoded = true;
            struct h2_info *h2 = info(dx);
            if (h2)
                h2->undecoded_blocks[dir]++;
            return;
        }
        if (rv < 0) {
            /* past our cap the encoder may be right and we too small: no finding then */
            if (!d->hpack_capped)
                FINDING(dx, H2_HPACK_ERROR, dir, ts, "stream %u: %s; later header blocks from "
                        "the %s cannot be decoded", d->block.stream,
                        nghttp2_strerror((int)rv), dir_name(dir));
            d->hpack_broken = true;
            return;
        }
        p += rv;
        n -= (size_t)rv;
        if (flags & NGHTTP2_HD_INFLATE_EMIT)
            on_header(dx, &d->block, dir, &nv, ts, d->event);
        if (flags & NGHTTP2_HD_INFLATE_FINAL) {
            nghttp2_hd_inflate_end_headers(d->hpack);
            return;
        }
        if (!(flags & NGHTTP2_HD_INFLATE_EMIT) && n == 0)
            return;
    }
}

/* ---- frames ---- */

struct frame {
    uint32_t len;
    uint8_t type, flags;
    uint32_t stream;
    const uint8_t *payload;       /* NULL for skipped frames */
};

static void invalid(struct dissect *dx, enum dir dir, ts_us_t ts, const struct frame *f,
                    const char *why)
{
    FINDING(dx, H2_FRAME_INVALID, dir, ts, "%s on stream %u: %s",
            h2_frame_kind_name(kind_of(f->type)), f->stream, why);
}

/* Strips padding (and the priority fields of HEADERS); false if the lengths do not add up. */
static bool unpad(const struct frame *f, struct cursor *c, size_t extra)
{
    size_t pad = 0;
    if (f->flags & FLAG_PADDED)
        pad = cursor_u8(c);
    if (!cursor_skip(c, extra) || pad > c->n)
        return false;
    c->n -= pad;
    return true;
}

/* Stream-id rules of a HEADERS frame (RFC 9113 §5.1, §5.1.1; RFC 7540 §3.2 for stream 1). */
static bool headers_stream(struct http2 *h, struct dissect *dx, enum dir dir,
                           const struct frame *f, ts_us_t ts)
{
    struct h2_dir *client = &h->d[DIR_C2S];
    if (dir == DIR_C2S) {
        if (!(f->stream & 1)) {
            invalid(dx, dir, ts, f, "client streams have odd numbers");
            return false;
        }
        if (f->stream == 1 && h->upgraded) {
            invalid(dx, dir, ts, f, "stream 1 was the upgrade request; it is half-closed "
                    "for the client");
            return false;
        }
        if (f->stream > client->highest_stream) {
            client->highest_stream = f->stream;
            h->d[dir].block.new_stream = true;
            struct h2_info *h2 = info(dx);
            if (h2 && !h->midstream) /* mid-connection: counted once it is a request */
                h2->streams++;
        }
        return true;
    }
    if (h->midstream)
        return true; /* the streams opened before the capture are unknown */
    bool known = (f->stream & 1) ? f->stream <= client->highest_stream
                                 : f->stream <= h->d[DIR_S2C].highest_stream;
    if (!known)
        invalid(dx, dir, ts, f, "the server answers on a stream nobody opened");
    return known;
}

static void start_block(struct http2 *h, enum dir dir, uint8_t type, uint32_t stream)
{
    struct block *b = &h->d[dir].block;
    block_reset(b);
    b->active = true;
    b->type = type;
    b->stream = stream;
    h->d[dir].block_seen = true;
}

static void frame_headers(struct http2 *h, struct dissect *dx, enum dir dir,
                          const struct frame *f, ts_us_t ts)
{
    struct cursor c = cursor_make(f->payload, f->len);
    if (f->stream == 0) {
        invalid(dx, dir, ts, f, "HEADERS on stream 0");
        return;
    }
    if (!unpad(f, &c, (f->flags & FLAG_PRIORITY) ? 5 : 0)) {
        invalid(dx, dir, ts, f, "padding longer than the frame");
        return;
    }
    start_block(h, dir, H2F_HEADERS, f->stream);
    headers_stream(h, dx, dir, f, ts);
    h->d[dir].block.end_stream = f->flags & FLAG_END_STREAM;
    h->d[dir].block.ws = h2ws_find(&h->ws, f->stream) != NULL; /* a response, or trailers */
    bool end = f->flags & FLAG_END_HEADERS;
    hpack_feed(h, dx, dir, c.p, c.n, end, ts);
    if (end)
        block_done(h, dx, dir, ts);
}

static void frame_push_promise(struct http2 *h, struct dissect *dx, enum dir dir,
                               const struct frame *f, ts_us_t ts)
{
    struct cursor c = cursor_make(f->payload, f->len);
    if (dir == DIR_C2S) {
        invalid(dx, dir, ts, f, "a client must not send PUSH_PROMISE (RFC 9113 §8.4)");
        return;
    }
    if (!h->client_push_enabled) /* mid-connection: only once its SETTINGS said so */
        invalid(dx, dir, ts, f, "push promised although the client disabled it");
    if (!unpad(f, &c, 0) || c.n < 4) {
        invalid(dx, dir, ts, f, "padding or promised stream id missing");
        return;
    }
    uint32_t promised = cursor_be32(&c) & 0x7FFFFFFFu;
    bool known = !h->midstream || h->d[DIR_S2C].highest_stream; /* the last one promised */
    if ((promised & 1) || (known && promised <= h->d[DIR_S2C].highest_stream))
        invalid(dx, dir, ts, f, "promised stream ids must be even and increasing");
    else
        h->d[DIR_S2C].highest_stream = promised;
    start_block(h, dir, H2F_PUSH_PROMISE, promised);
    bool end = f->flags & FLAG_END_HEADERS;
    hpack_feed(h, dx, dir, c.p, c.n, end, ts);
    if (end)
        block_done(h, dx, dir, ts);
}

/* RFC 8441 §3: the server enables the extended CONNECT, and may not take it back. */
static void connect_setting(struct http2 *h, struct dissect *dx, uint32_t v, ts_us_t ts)
{
    if (v == 0 && h->connect_ever && h->connect_enabled)
        FINDING(dx, WS_H2_SETTING_WITHDRAWN, DIR_S2C, ts,
                "SETTINGS_ENABLE_CONNECT_PROTOCOL = 0 after 1");
    h->connect_enabled = v == 1;
    h->connect_ever |= v == 1;
    h->connect_said = true;
}

static void frame_settings(struct http2 *h, struct dissect *dx, enum dir dir,
                           const struct frame *f, ts_us_t ts)
{
    if (f->stream != 0)
        invalid(dx, dir, ts, f, "SETTINGS must be on stream 0");
    if (f->flags & FLAG_ACK) {
        if (f->len)
            invalid(dx, dir, ts, f, "a SETTINGS ACK has no payload");
        return;
    }
    if (f->len % 6) {
        invalid(dx, dir, ts, f, "length is not a multiple of 6");
        return;
    }
    struct h2_info *h2 = info(dx);
    bool record = h2 && dir == DIR_S2C && !h2->server_settings_seen;
    for (uint32_t off = 0; off < f->len; off += 6) {
        const uint8_t *p = f->payload + off;
        uint16_t id = (uint16_t)(p[0] << 8 | p[1]);
        uint32_t v = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 8 | p[5];
        char why[128];
        if (!h2_setting_valid(id, v, dir == DIR_S2C, why, sizeof why))
            invalid(dx, dir, ts, f, why);
        else if (id == H2_SETTINGS_MAX_FRAME_SIZE)
            h->d[!dir].max_frame_size = v;    /* what this side accepts from the other */
        else if (id == H2_SETTINGS_HEADER_TABLE_SIZE && h->d[!dir].hpack) {
            h->d[!dir].hpack_capped = v > HPACK_TABLE_CAP;
            nghttp2_hd_inflate_change_table_size(h->d[!dir].hpack,
                                                 v > HPACK_TABLE_CAP ? HPACK_TABLE_CAP : v);
        }
        else if (id == H2_SETTINGS_ENABLE_PUSH && dir == DIR_C2S)
            h->client_push_enabled = v == 1;
        else if (id == H2_SETTINGS_ENABLE_CONNECT_PROTOCOL && dir == DIR_S2C)
            connect_setting(h, dx, v, ts);
        if (record && h2->nserver_settings < H2_MAX_SETTINGS)
            h2->server_settings[h2->nserver_settings++] = (struct h2_setting){ id, v };
    }
    if (record)
        h2->server_settings_seen = true;
}

/* Fixed lengths and stream-0 rules of the small frames (RFC 9113 §6.3-§6.9). */
static void frame_small(struct dissect *dx, enum dir dir, const struct frame *f, ts_us_t ts)
{
    switch (f->type) {
    case H2F_PRIORITY:
        if (f->stream == 0 || f->len != 5)
            invalid(dx, dir, ts, f, "PRIORITY needs a stream and 5 bytes");
        else if ((((uint32_t)f->payload[0] << 24 | (uint32_t)f->payload[1] << 16 |
                   (uint32_t)f->payload[2] << 8 | f->payload[3]) & 0x7FFFFFFFu) == f->stream)
            invalid(dx, dir, ts, f, "a stream cannot depend on itself (§5.3.1)");
        break;
    case H2F_RST_STREAM:
        if (f->stream == 0 || f->len != 4)
            invalid(dx, dir, ts, f, "RST_STREAM needs a stream and 4 bytes");
        break;
    case H2F_PING:
        if (f->stream != 0 || f->len != 8)
            invalid(dx, dir, ts, f, "PING is 8 bytes on stream 0");
        break;
    case H2F_GOAWAY:
        if (f->stream != 0 || f->len < 8)
            invalid(dx, dir, ts, f, "GOAWAY is at least 8 bytes on stream 0");
        break;
    case H2F_WINDOW_UPDATE:
        if (f->len != 4)
            invalid(dx, dir, ts, f, "WINDOW_UPDATE is 4 bytes");
        else if (((uint32_t)f->payload[0] << 24 | (uint32_t)f->payload[1] << 16 |
                  (uint32_t)f->payload[2] << 8 | f->payload[3]) == 0)
            invalid(dx, dir, ts, f, "a window increment of 0 (§6.9)");
        break;
    default:
        break;
    }
}

static void frame_whole(struct http2 *h, struct dissect *dx, enum dir dir,
                        const struct frame *f, ts_us_t ts)
{
    struct h2_dir *d = &h->d[dir];
    if (d->block.active && f->type != H2F_CONTINUATION) {
        invalid(dx, dir, ts, f, "a CONTINUATION was due (§6.10)");
        block_reset(&d->block);
        d->hpack_broken = true; /* the encoder's state went on without us */
    }
    switch (f->type) {
    case H2F_HEADERS:
        frame_headers(h, dx, dir, f, ts);
        break;
    case H2F_PUSH_PROMISE:
        frame_push_promise(h, dx, dir, f, ts);
        break;
    case H2F_CONTINUATION:
        if (h->midstream && !d->block_seen)
            break; /* the end of a block that began before the capture */
        if (!d->block.active || d->block.stream != f->stream) {
            invalid(dx, dir, ts, f, d->block.active ? "CONTINUATION of another stream's block"
                                                    : "CONTINUATION with no header block open");
            if (d->block.active) {
                block_reset(&d->block);
                d->hpack_broken = true;
            }
            return;
        }
        hpack_feed(h, dx, dir, f->payload, f->len, f->flags & FLAG_END_HEADERS, ts);
        if (f->flags & FLAG_END_HEADERS)
            block_done(h, dx, dir, ts);
        break;
    case H2F_SETTINGS:
        frame_settings(h, dx, dir, f, ts);
        break;
    default:
        frame_small(dx, dir, f, ts);
        if (f->type == H2F_RST_STREAM && f->len == 4 && h2ws_find(&h->ws, f->stream))
            h2ws_reset(&h->ws, h2ws_find(&h->ws, f->stream), dir, (uint32_t)f->payload[0] << 24 |
                       (uint32_t)f->payload[1] << 16 | (uint32_t)f->payload[2] << 8 |
                       f->payload[3], ts);
        break;
    }
}

/* Is the payload parsed whole (or skipped as it streams past)? */
static bool parsed_whole(const struct frame *f)
{
    return f->type != H2F_DATA && f->type <= 9 && f->len <= WHOLE_FRAME_MAX;
}

static void frame_event(struct h2_dir *d, struct dissect *dx, enum dir dir,
                        const struct frame *f, ts_us_t ts)
{
    struct session *s = dissect_session(dx);
    d->event = -1;
    if (!session_recording(s))
        return;
    char flags[64] = "";
    bool ack_type = f->type == H2F_SETTINGS || f->type == H2F_PING;
    if ((f->flags & FLAG_END_STREAM) && !ack_type && (f->type == H2F_DATA ||
                                                      f->type == H2F_HEADERS))
        strcat(flags, " END_STREAM");
    if ((f->flags & FLAG_ACK) && ack_type)
        strcat(flags, " ACK");
    if ((f->flags & FLAG_END_HEADERS) && (f->type == H2F_HEADERS ||
                                          f->type == H2F_PUSH_PROMISE ||
                                          f->type == H2F_CONTINUATION))
        strcat(flags, " END_HEADERS");
    d->event = session_event(s, ts, dir, PROTO_HTTP2, "%s stream=%u%s len=%u",
                             f->type <= 9 ? h2_frame_kind_name(kind_of(f->type)) : "UNKNOWN",
                             f->stream, flags, f->len);
}

/* A frame header: counts it and checks what can be checked before the payload. */
static void frame_begin(struct http2 *h, struct dissect *dx, enum dir dir,
                        const struct frame *f, ts_us_t ts)
{
    struct h2_dir *d = &h->d[dir];
    frame_event(d, dx, dir, f, ts);
    struct h2_info *h2 = info(dx);
    if (h2)
        h2->frames[dir][kind_of(f->type)]++;
    if (!d->first_frame_done) {
        d->first_frame_done = true;
        if (f->type != H2F_SETTINGS) {
            if (dir == DIR_S2C)
                FINDING(dx, H2C_SERVER_FIRST_FRAME_NOT_SETTINGS, dir, ts,
                        "the server's first frame is %s", h2_frame_kind_name(kind_of(f->type)));
            else
                FINDING(dx, H2C_CLIENT_PREFACE_MISSING, dir, ts, "the preface is followed "
                        "by %s, not SETTINGS", h2_frame_kind_name(kind_of(f->type)));
        }
    }
    if (f->len > d->max_frame_size)
        invalid(dx, dir, ts, f, "longer than the peer's MAX_FRAME_SIZE (§4.2)");
    if (f->type == H2F_DATA && f->stream == 0)
        invalid(dx, dir, ts, f, "DATA on stream 0");
    if (parsed_whole(f))
        return;
    if (d->block.active) {
        invalid(dx, dir, ts, f, "a CONTINUATION was due (§6.10)");
        block_reset(&d->block);
        d->hpack_broken = true;
    }
    if (f->type == H2F_HEADERS || f->type == H2F_CONTINUATION || f->type == H2F_PUSH_PROMISE)
        d->hpack_broken = true; /* a header block too big to decode here */
}

/* ---- DATA of a stream that carries a WebSocket (RFC 8441) ---- */

static void data_begin(struct http2 *h, struct h2_dir *d, const struct frame *f)
{
    bool ws = f->type == H2F_DATA && h2ws_find(&h->ws, f->stream);
    d->data_stream = ws ? f->stream : 0;
    d->data_end_stream = ws && (f->flags & FLAG_END_STREAM);
    d->pad_pending = ws && (f->flags & FLAG_PADDED);
    d->pad = 0;
}

/* The DATA frame's payload is over: END_STREAM ends the sender's half of the WebSocket. */
static void data_end(struct http2 *h, struct h2_dir *d, enum dir dir, ts_us_t ts)
{
    struct h2_ws *w = d->data_stream ? h2ws_find(&h->ws, d->data_stream) : NULL;
    if (w && d->data_end_stream)
        h2ws_end_stream(&h->ws, w, dir, ts);
    d->data_stream = 0;
}

/* Payload bytes of the DATA frame being read (d->skip still to come, the last d->pad of them
 * padding): the data part goes to the stream's WebSocket. */
static void data_payload(struct http2 *h, struct h2_dir *d, enum dir dir, const uint8_t *p,
                         size_t k, ts_us_t ts)
{
    size_t data_left = d->skip > d->pad ? d->skip - d->pad : 0;
    struct h2_ws *w = d->data_stream ? h2ws_find(&h->ws, d->data_stream) : NULL;
    if (w)
        h2ws_data(w, dir, p, k < data_left ? k : data_left, ts);
}

/* A connection taken for mid-connection turns out to begin with the client's preface (the
 * capture missed only the TCP handshake): it is prior knowledge after all. */
static void midstream_cancel(struct http2 *h, struct dissect *dx, ts_us_t ts)
{
    h->midstream = false;
    for (int i = 0; i < 2; i++) {
        struct h2_dir *d = &h->d[i];
        d->max_frame_size = DEFAULT_MAX_FRAME;
        d->first_frame_done = d->state == H2S_FRAME || d->state == H2S_SKIP;
        hpack_restart(d);
        nghttp2_hd_inflate_change_table_size(d->hpack, 4096); /* RFC 7541 §6.5.2 default */
        d->hpack_capped = false;
    }
    struct session *s = dissect_session(dx);
    struct h2_info *h2 = info(dx);
    if (!s || !h2 || s->outcome != OUTCOME_MIDSTREAM)
        return;
    h2->midstream = false;
    s->outcome = OUTCOME_PRIOR_KNOWLEDGE;
    session_finding(s, F_H2_PRIOR_KNOWLEDGE, DIR_C2S, ts,
                    "HTTP/2 started with the connection preface, no upgrade");
}

/* Mid-connection: the bytes up to the first frame boundary (frame_run) are skipped. Returns
 * the bytes skipped, 0 with d->state still H2S_HUNT to wait for more, 0 with the state moved
 * on when a frame begins at p. */
static size_t hunt(struct http2 *h, struct dissect *dx, enum dir dir, const uint8_t *p,
                   size_t n, ts_us_t ts)
{
    struct h2_dir *d = &h->d[dir];
    size_t k = n < PREFACE_LEN ? n : PREFACE_LEN;
    if (dir == DIR_C2S && memcmp(p, preface, k) == 0) {
        if (k < PREFACE_LEN)
            return 0;
        midstream_cancel(h, dx, ts);
        d->state = H2S_PREFACE;
        return 0;
    }
    size_t off = 0;
    for (; off < n; off++) {
        size_t whole;
        enum run_end e = frame_run(p + off, n - off, &whole);
        if (e == RUN_BAD)
            continue;
        if ((e == RUN_EXACT && whole >= 1) || whole >= HUNT_RUN) {
            d->state = H2S_FRAME;
            break;
        }
        break; /* plausible so far: wait for more bytes here */
    }
    struct h2_info *h2 = info(dx);
    if (h2)
        h2->resync_bytes[dir] += off;
    return off;
}

static size_t step(void *state, struct dissect *dx, enum dir dir, const uint8_t *p,
                   size_t n, ts_us_t ts)
{
    struct http2 *h = state;
    struct h2_dir *d = &h->d[dir];
    if (d->state == H2S_HUNT) {
        size_t k = hunt(h, dx, dir, p, n, ts);
        if (k || d->state == H2S_HUNT)
            return k;
    }
    switch (d->state) {
    case H2S_PREFACE: {
        size_t k = n < PREFACE_LEN ? n : PREFACE_LEN;
        if (memcmp(p, preface, k) != 0) {
            FINDING(dx, H2C_CLIENT_PREFACE_MISSING, dir, ts,
                    "the client's first bytes are not the HTTP/2 connection preface");
            d->state = H2S_LOST;
            return n;
        }
        if (k < PREFACE_LEN)
            return 0;
        struct h2_info *h2 = info(dx);
        if (h2)
            h2->client_preface = true;
        int ev = session_event(dissect_session(dx), ts, dir, PROTO_HTTP2, "connection preface");
        session_event_payload(dissect_session(dx), ev, p, PREFACE_LEN);
        d->state = H2S_FRAME;
        return PREFACE_LEN;
    }
    case H2S_FRAME: {
        if (n < FRAME_HEADER_LEN)
            return 0;
        struct frame f = {
            .len = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2],
            .type = p[3], .flags = p[4],
            .stream = ((uint32_t)p[5] << 24 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 8 |
                       p[8]) & 0x7FFFFFFFu,
        };
        bool whole = parsed_whole(&f);
        if (whole && n < FRAME_HEADER_LEN + f.len)
            return 0; /* wait for the rest; nothing was looked at yet */
        frame_begin(h, dx, dir, &f, ts);
        if (!whole) {
            data_begin(h, d, &f);
            d->skip = f.len;
            d->state = f.len ? H2S_SKIP : H2S_FRAME;
            if (!f.len)
                data_end(h, d, dir, ts);
            return FRAME_HEADER_LEN;
        }
        f.payload = p + FRAME_HEADER_LEN;
        if (f.type != H2F_HEADERS && f.type != H2F_PUSH_PROMISE && f.type != H2F_CONTINUATION)
            session_event_payload(dissect_session(dx), d->event, f.payload, f.len);
        frame_whole(h, dx, dir, &f, ts);
        return FRAME_HEADER_LEN + f.len;
    }
    case H2S_SKIP: {
        if (d->pad_pending) { /* RFC 9113 §6.1: the pad length comes first */
            d->pad_pending = false;
            d->skip--;
            d->pad = p[0] <= d->skip ? p[0] : d->skip;
            if (d->skip == 0) {
                d->state = H2S_FRAME;
                data_end(h, d, dir, ts);
            }
            return 1;
        }
        size_t k = n < d->skip ? n : d->skip;
        session_event_payload(dissect_session(dx), d->event, p, k);
        data_payload(h, d, dir, p, k, ts);
        d->skip -= (uint32_t)k;
        if (d->skip == 0) {
            d->state = H2S_FRAME;
            data_end(h, d, dir, ts);
        }
        return k;
    }
    case H2S_HUNT:
    case H2S_LOST:
        return n;
    }
    return n;
}

/* ---- the dissector interface ---- */

static size_t h2_data(void *state, struct dissect *dx, enum dir dir, const uint8_t *p, size_t n,
                      ts_us_t ts)
{
    return dissect_steps(dx, dir, step, state, p, n, ts);
}

static void h2_gap(void *state, struct dissect *dx, enum dir dir, uint64_t len, ts_us_t ts)
{
    struct http2 *h = state;
    struct h2_dir *d = &h->d[dir];
    (void)dx;
    struct h2_ws *w = d->data_stream ? h2ws_find(&h->ws, d->data_stream) : NULL;
    if (d->state == H2S_SKIP && len <= d->skip && !d->pad_pending) {
        if (w) /* the WebSocket lost what of it was not padding */
            h2ws_gap(w, dir, len < d->skip - d->pad ? len : d->skip - d->pad, ts);
        d->skip -= (uint32_t)len; /* inside a DATA payload: framing survives */
        if (d->pad > d->skip)
            d->pad = d->skip;
        if (d->skip == 0) {
            d->state = H2S_FRAME;
            data_end(h, d, dir, ts);
        }
        return;
    }
    if (w)
        h2ws_gap(w, dir, len, ts);
    if (h->midstream) {
        /* framing is found again by shape, as at the pick-up; HPACK starts afresh */
        d->state = H2S_HUNT;
        d->data_stream = 0;
        block_reset(&d->block);
        d->block_seen = false;
        hpack_restart(d);
        return;
    }
    /* a lost header block desynchronises HPACK for good; framing is lost too */
    d->state = H2S_LOST;
    d->hpack_broken = true;
}

/* No preface was seen: the capture (or the layer) began inside the connection. Settings,
 * HPACK tables and the streams opened before are unknown; each direction looks for a frame
 * boundary. */
static void midstream_begin(struct http2 *h, struct session *s, bool in_tls)
{
    h->midstream = true;
    for (int i = 0; i < 2; i++) {
        struct h2_dir *d = &h->d[i];
        d->state = H2S_HUNT;
        d->first_frame_done = true;  /* the first frames went by before the capture */
        d->max_frame_size = H2_MAX_FRAME_LIMIT;
        hpack_restart(d);
    }
    if (!s)
        return;
    s->outcome = OUTCOME_MIDSTREAM;
    s->transition = in_tls ? TRANSITION_H2 : TRANSITION_H2C;
    struct h2_info *h2 = h2_info_of(s);
    if (h2)
        h2->midstream = true;
}

static void *h2_create(struct dissect *dx)
{
    struct http2 *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    for (int d = 0; d < 2; d++) {
        h->d[d].max_frame_size = DEFAULT_MAX_FRAME;
        h->d[d].event = -1;
        h->d[d].state = d == DIR_C2S ? H2S_PREFACE : H2S_FRAME;
        if (nghttp2_hd_inflate_new(&h->d[d].hpack) != 0)
            h->d[d].hpack = NULL;
    }
    h->client_push_enabled = true; /* until the client's SETTINGS says otherwise */
    struct session *s = dissect_session(dx);
    if (s && s->transition == TRANSITION_H2C && s->response && s->response->status == 101) {
        h->upgraded = true;
        struct h2_info *h2 = h2_info_of(s);
        const struct http_head *req = s->request;
        if (req) {
            /* RFC 7540 §3.2: the upgrade request becomes stream 1 */
            const struct http_field *host = http_field_get(req, "Host");
            h->upgrade_path = strdup(req->target);
            h->upgrade_host = host ? strdup(host->value) : NULL;
            static const char *const hops[] = { "Via", "Forwarded", "X-Forwarded-For",
                                                "X-Forwarded-Host", "X-Forwarded-Proto" };
            for (size_t i = 0; i < sizeof hops / sizeof hops[0]; i++)
                h->upgrade_proxied |= http_field_get(req, hops[i]) != NULL;
            request_add(h2, 1, strdup(req->method), strdup(req->target),
                        host ? strdup(host->value) : NULL, NULL);
            if (h2)
                h2->streams++;
        }
        h->d[DIR_C2S].highest_stream = 1;
    } else if (!s || s->transition != TRANSITION_H2C) {
        ts_us_t ts = dissect_flow(dx)->last_ts;
        s = dissect_session_begin(dx, ts);
        if (dissect_midstream(dx, DIR_C2S) || dissect_midstream(dx, DIR_S2C))
            midstream_begin(h, s, dissect_carrier(dx) == PROTO_TLS);
        else if (s && dissect_carrier(dx) == PROTO_TLS) {
            /* inside TLS, HTTP/2 is what ALPN chose (RFC 9113 §3.2): no upgrade expected */
            s->outcome = OUTCOME_ALPN;
            s->transition = TRANSITION_H2;
            h2_info_of(s);
        } else if (s) {
            s->outcome = OUTCOME_PRIOR_KNOWLEDGE;
            s->transition = TRANSITION_H2C;
            h2_info_of(s);
            session_finding(s, F_H2_PRIOR_KNOWLEDGE, DIR_C2S, ts,
                            "HTTP/2 started with the connection preface, no upgrade");
        }
    }
    return h;
}

/* The connection ends: so do the WebSockets its streams carried. */
static void h2_close(void *state, struct dissect *dx, ts_us_t ts)
{
    struct http2 *h = state;
    h2ws_close_all(&h->ws, ts);
    /* RFC 9113 §3.4: after the 101 the client's first bytes must be the preface; a client
     * that closes without any (curl 7.88 with a small buffer) never spoke HTTP/2 */
    struct session *s = dissect_session(dx);
    if (h->upgraded && s && s->outcome == OUTCOME_SWITCHED &&
        h->d[DIR_C2S].state == H2S_PREFACE && !dissect_incomplete(dx))
        FINDING(dx, H2C_CLIENT_PREFACE_MISSING, DIR_C2S, ts, "the client closed the connection "
                "after the 101 without sending the connection preface");
}

static void h2_destroy(void *state)
{
    struct http2 *h = state;
    h2ws_free_all(&h->ws);
    for (int d = 0; d < 2; d++) {
        if (h->d[d].hpack)
            nghttp2_hd_inflate_del(h->d[d].hpack);
        block_reset(&h->d[d].block);
    }
    free(h->upgrade_path);
    free(h->upgrade_host);
    free(h);
}

/* The client's connection preface; picked up mid-connection, a run of frames (frame_run). */
static enum probe_result h2_probe(const uint8_t *p, size_t n, bool midstream, enum dir *sender)
{
    size_t k = n < PREFACE_LEN ? n : PREFACE_LEN;
    if (memcmp(p, preface, k) != 0) {
        size_t whole;
        if (!midstream || frame_run(p, n, &whole) == RUN_BAD)
            return PROBE_NO;
        return whole >= PROBE_RUN ? PROBE_YES : PROBE_MORE;
    }
    if (k < PREFACE_LEN)
        return PROBE_MORE;
    *sender = DIR_C2S;
    return PROBE_YES;
}

static bool h2_upgrade_token(struct span tok)
{
    return span_eq_ci(tok, "h2c") || span_eq_ci(tok, "h2");
}

static void h2_map_session_ids(void *part, uint64_t (*map)(void *ctx, uint64_t id), void *ctx)
{
    struct h2_info *h2 = part;
    for (uint32_t i = 0; i < h2->nwebsockets; i++)
        h2->websockets[i].session = map(ctx, h2->websockets[i].session);
}

const struct dissector http2_dissector = {
    .name = "http2",
    .proto = PROTO_HTTP2,
    .probe = h2_probe,
    .create = h2_create,
    .destroy = h2_destroy,
    .data = h2_data,
    .gap = h2_gap,
    .close = h2_close,
    .report_key = "h2c",
    .report_json = h2_report_json,
    .report_text = h2_report_text,
    .report_detail = h2_report_detail,
    .checks = h2_checks,
    .volume = h2_report_volume,
    .map_session_ids = h2_map_session_ids,
    .transition = TRANSITION_H2C,
    .upgrade_token = h2_upgrade_token,
    .upgrade_request = h2c_check_request,
    .upgrade_response = h2c_check_response,
};
