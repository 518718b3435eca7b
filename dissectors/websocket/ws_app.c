/* ws_app: the application protocol inside a WebSocket (see ws_app.h). */
#include "ws_app.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "findings.h"
#include "session.h"

/* How many data messages may fail to parse as the agreed subprotocol, none parsing, before
 * upscope says it was not spoken. */
#define MISMATCH_AFTER 2

static const char *const proto_names[WSAPP_COUNT] = {
    [WSAPP_NONE] = NULL, [WSAPP_MQTT] = "mqtt", [WSAPP_STOMP] = "stomp", [WSAPP_SIP] = "sip",
    [WSAPP_WAMP] = "wamp", [WSAPP_GRAPHQL_TRANSPORT_WS] = "graphql-transport-ws",
    [WSAPP_GRAPHQL_WS] = "graphql-ws", [WSAPP_SOCKETIO] = "socket.io",
    [WSAPP_ENGINEIO] = "engine.io", [WSAPP_JSON] = "json",
};

const char *ws_app_proto_name(enum ws_app_proto p)
{
    return p < WSAPP_COUNT ? proto_names[p] : NULL;
}

const char *ws_app_source_name(enum ws_app_source f)
{
    static const char *const names[] = { NULL, "subprotocol", "target", "content" };
    return f <= WSAPP_FROM_CONTENT ? names[f] : NULL;
}

const char *ws_app_handshake_name(enum ws_app_handshake h)
{
    static const char *const names[] = { NULL, "started", "completed", "refused" };
    return h <= WSAPP_HS_REFUSED ? names[h] : NULL;
}

/* Registered subprotocol names (IANA WebSocket Subprotocol Name Registry and common use). */
static const struct {
    const char *name;
    enum ws_app_proto proto;
} subprotocols[] = {
    { "mqtt", WSAPP_MQTT }, { "mqttv3.1", WSAPP_MQTT },
    { "v10.stomp", WSAPP_STOMP }, { "v11.stomp", WSAPP_STOMP }, { "v12.stomp", WSAPP_STOMP },
    { "stomp", WSAPP_STOMP }, { "sip", WSAPP_SIP }, { "wamp.2.json", WSAPP_WAMP },
    { "graphql-transport-ws", WSAPP_GRAPHQL_TRANSPORT_WS }, { "graphql-ws", WSAPP_GRAPHQL_WS },
};

void ws_app_begin(struct ws_app_info *ai, const char *subprotocol, const char *target)
{
    for (size_t i = 0; subprotocol && i < sizeof subprotocols / sizeof subprotocols[0]; i++)
        if (strcasecmp(subprotocol, subprotocols[i].name) == 0)
            ai->agreed = ai->proto = subprotocols[i].proto;
    /* Socket.IO names itself in the target, not in a subprotocol */
    if (ai->proto)
        ai->source = WSAPP_FROM_SUBPROTOCOL;
    if (!ai->proto && target && strstr(target, "/socket.io/") && strstr(target, "EIO=")) {
        ai->proto = WSAPP_ENGINEIO;
        ai->source = WSAPP_FROM_TARGET;
    }
}

/* ---- counting ---- */

static void count(struct ws_app_info *ai, enum dir dir, const char *name, size_t n)
{
    if (n >= WS_APP_TYPE_LEN)
        n = WS_APP_TYPE_LEN - 1;
    for (uint32_t i = 0; i < ai->ntypes; i++) {
        if (strlen(ai->types[i].name) == n && memcmp(ai->types[i].name, name, n) == 0) {
            ai->types[i].count[dir]++;
            return;
        }
    }
    if (ai->ntypes == WS_APP_TYPES) {
        ai->types_dropped++;
        return;
    }
    memcpy(ai->types[ai->ntypes].name, name, n);
    ai->types[ai->ntypes].name[n] = '\0';
    ai->types[ai->ntypes++].count[dir]++;
}

static void handshake(struct ws_app_info *ai, enum ws_app_handshake h, const char *detail)
{
    if (h == WSAPP_HS_STARTED && ai->handshake != WSAPP_HS_NONE)
        return;
    if (h != WSAPP_HS_STARTED && ai->handshake != WSAPP_HS_STARTED)
        return; /* an answer to nothing asked */
    ai->handshake = h;
    snprintf(ai->handshake_detail, sizeof ai->handshake_detail, "%s", detail);
}

/* ---- MQTT: a byte stream over binary messages (MQTT 3.1.1 §6, 5.0 §6) ---- */

static const char *const mqtt_types[16] = {
    "reserved", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
    "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT",
    "AUTH",
};

/* Is this the start of an MQTT CONNECT (protocol name "MQTT" or "MQIsdp")? */
static bool mqtt_connect_at(const uint8_t *p, size_t n)
{
    if (n < 2 || p[0] != 0x10)
        return false;
    size_t i = 1;
    while (i < n && i < 5 && (p[i] & 0x80))
        i++;
    i++;
    return (i + 6 <= n && memcmp(p + i, "\0\4MQTT", 6) == 0) ||
           (i + 8 <= n && memcmp(p + i, "\0\6MQIsdp", 8) == 0);
}

static void mqtt_packet(struct ws_app_info *ai, enum dir dir, uint8_t hdr, const uint8_t *body,
                        uint32_t got)
{
    int type = hdr >> 4;
    count(ai, dir, mqtt_types[type], strlen(mqtt_types[type]));
    char detail[64];
    if (type == 1 && dir == DIR_C2S) {
        handshake(ai, WSAPP_HS_STARTED, "CONNECT, no CONNACK");
    } else if (type == 2 && dir == DIR_S2C && got >= 2) {
        /* 3.1.1 §3.2.2.3 return code / 5.0 §3.2.2.2 reason code: 0 accepts */
        snprintf(detail, sizeof detail, "CONNECT -> CONNACK %u (%s)", body[1],
                 body[1] ? "refused" : "accepted");
        handshake(ai, body[1] ? WSAPP_HS_REFUSED : WSAPP_HS_COMPLETED, detail);
    }
}

static void mqtt_feed(struct ws_app_state *st, struct ws_app_info *ai, enum dir dir,
                      const uint8_t *p, size_t n)
{
    struct ws_app_dir *d = &st->d[dir];
    while (n && !d->mq_broken) {
        if (d->mq_in_body) {
            size_t k = d->mq_len - d->mq_got < n ? d->mq_len - d->mq_got : n;
            for (size_t i = 0; i < k && d->mq_got + i < sizeof d->mq_body; i++)
                d->mq_body[d->mq_got + i] = p[i];
            d->mq_got += (uint32_t)k;
            p += k;
            n -= k;
        } else if (d->mq_in_len) { /* the remaining length: 1 to 4 bytes, 7 bits each */
            d->mq_len |= (uint32_t)(p[0] & 0x7f) << d->mq_shift;
            d->mq_shift += 7;
            bool more = p[0] & 0x80;
            p++, n--;
            if (more && ++d->mq_lenbytes == 4) {
                d->mq_broken = true;
                ai->unparsed[dir]++;
                return;
            }
            if (!more) {
                d->mq_in_len = false;
                d->mq_in_body = true;
            }
        } else {
            if ((p[0] >> 4) == 0) { /* type 0 is reserved: not MQTT, or lost */
                d->mq_broken = true;
                ai->unparsed[dir]++;
                return;
            }
            d->mq_hdr = p[0];
            d->mq_len = d->mq_shift = d->mq_got = d->mq_lenbytes = 0;
            d->mq_in_len = true;
            p++, n--;
        }
        if (d->mq_in_body && d->mq_got == d->mq_len) {
            mqtt_packet(ai, dir, d->mq_hdr, d->mq_body, d->mq_got);
            d->mq_in_body = false;
        }
    }
}

/* ---- text protocols: the first line, or a JSON field ---- */

static size_t line_len(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] != '\n' && p[i] != '\r')
        i++;
    return i;
}

static bool all_upper(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 'A' || p[i] > 'Z')
            return false;
    return n > 0;
}

static bool in_list(const uint8_t *p, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && memcmp(*list, p, n) == 0)
            return true;
    return false;
}

/* STOMP 1.2 §"Frames and Commands": COMMAND EOL headers EOL body NUL; a lone EOL is a heart-beat. */
static bool stomp_message(struct ws_app_info *ai, enum dir dir, const uint8_t *p, size_t n)
{
    static const char *const commands[] = { "CONNECT", "STOMP", "CONNECTED", "SEND", "SUBSCRIBE",
        "UNSUBSCRIBE", "ACK", "NACK", "BEGIN", "COMMIT", "ABORT", "DISCONNECT", "MESSAGE",
        "RECEIPT", "ERROR", NULL };
    if (n && line_len(p, n) == 0) {
        count(ai, dir, "heart-beat", 10);
        return true;
    }
    size_t l = line_len(p, n);
    if (l == n || !in_list(p, l, commands))
        return false;
    count(ai, dir, (const char *)p, l);
    if (dir == DIR_C2S && (in_list(p, l, (const char *const[]){ "CONNECT", "STOMP", NULL })))
        handshake(ai, WSAPP_HS_STARTED, "CONNECT, no CONNECTED");
    else if (dir == DIR_S2C && l == 9 && memcmp(p, "CONNECTED", 9) == 0)
        handshake(ai, WSAPP_HS_COMPLETED, "CONNECT -> CONNECTED");
    else if (dir == DIR_S2C && l == 5 && memcmp(p, "ERROR", 5) == 0)
        handshake(ai, WSAPP_HS_REFUSED, "CONNECT -> ERROR");
    return true;
}

/* RFC 3261 §7.1, §7.2 (over WebSocket: RFC 7118): a request line or a status line. */
static bool sip_message(struct ws_app_info *ai, enum dir dir, const uint8_t *p, size_t n)
{
    size_t l = line_len(p, n);
    if (l >= 11 && memcmp(p, "SIP/2.0 ", 8) == 0 && p[8] >= '1' && p[8] <= '6') {
        count(ai, dir, (const char *)p + 8, 3);
        return true;
    }
    const uint8_t *sp = memchr(p, ' ', l);
    if (!sp || l < 8 || memcmp(p + l - 8, " SIP/2.0", 8) != 0 || !all_upper(p, (size_t)(sp - p)))
        return false;
    count(ai, dir, (const char *)p, (size_t)(sp - p));
    return true;
}

static const uint8_t *skip_ws(const uint8_t *p, const uint8_t *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* The string value of "type" in a JSON object (no escapes), or false. */
static bool json_type(const uint8_t *p, size_t n, const uint8_t **v, size_t *vn)
{
    const uint8_t *end = p + n, *q = skip_ws(p, end);
    if (q == end || *q != '{')
        return false;
    for (q = p; q + 6 <= end; q++) {
        if (memcmp(q, "\"type\"", 6) != 0)
            continue;
        const uint8_t *c = skip_ws(q + 6, end);
        if (c == end || *c != ':')
            continue;
        c = skip_ws(c + 1, end);
        if (c == end || *c != '"')
            continue;
        const uint8_t *close = memchr(c + 1, '"', (size_t)(end - c - 1));
        if (!close)
            return false;
        *v = c + 1;
        *vn = (size_t)(close - c - 1);
        return true;
    }
    return false;
}

/* graphql-transport-ws (the graphql-ws library's PROTOCOL.md) and the older graphql-ws
 * (subscriptions-transport-ws): JSON objects with a "type". */
static bool graphql_message(struct ws_app_info *ai, enum dir dir, const uint8_t *p, size_t n,
                            bool transport_ws)
{
    static const char *const transport[] = { "connection_init", "connection_ack", "ping",
        "pong", "subscribe", "next", "error", "complete", NULL };
    static const char *const legacy[] = { "connection_init", "connection_ack",
        "connection_error", "ka", "start", "data", "error", "complete", "stop",
        "connection_terminate", NULL };
    const uint8_t *v;
    size_t vn;
    if (!json_type(p, n, &v, &vn) || !in_list(v, vn, transport_ws ? transport : legacy))
        return false;
    count(ai, dir, (const char *)v, vn);
    if (dir == DIR_C2S && vn == 15 && memcmp(v, "connection_init", 15) == 0)
        handshake(ai, WSAPP_HS_STARTED, "connection_init, no connection_ack");
    else if (dir == DIR_S2C && vn == 14 && memcmp(v, "connection_ack", 14) == 0)
        handshake(ai, WSAPP_HS_COMPLETED, "connection_init -> connection_ack");
    else if (dir == DIR_S2C && vn == 16 && memcmp(v, "connection_error", 16) == 0)
        handshake(ai, WSAPP_HS_REFUSED, "connection_init -> connection_error");
    return true;
}

/* WAMP v2 (JSON serialisation): [code, ...] with the message codes of the basic profile. */
static bool wamp_message(struct ws_app_info *ai, enum dir dir, const uint8_t *p, size_t n)
{
    static const struct { int code; const char *name; } codes[] = {
        { 1, "HELLO" }, { 2, "WELCOME" }, { 3, "ABORT" }, { 4, "CHALLENGE" },
        { 5, "AUTHENTICATE" }, { 6, "GOODBYE" }, { 8, "ERROR" }, { 16, "PUBLISH" },
        { 17, "PUBLISHED" }, { 32, "SUBSCRIBE" }, { 33, "SUBSCRIBED" }, { 34, "UNSUBSCRIBE" },
        { 35, "UNSUBSCRIBED" }, { 36, "EVENT" }, { 48, "CALL" }, { 49, "CANCEL" },
        { 50, "RESULT" }, { 64, "REGISTER" }, { 65, "REGISTERED" }, { 66, "UNREGISTER" },
        { 67, "UNREGISTERED" }, { 68, "INVOCATION" }, { 69, "INTERRUPT" }, { 70, "YIELD" },
    };
    const uint8_t *end = p + n, *q = skip_ws(p, end);
    if (q == end || *q != '[')
        return false;
    q = skip_ws(q + 1, end);
    int code = 0, digits = 0;
    for (; q < end && *q >= '0' && *q <= '9' && digits < 3; q++, digits++)
        code = code * 10 + (*q - '0');
    q = skip_ws(q, end);
    if (!digits || q == end || *q != ',')
        return false;
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        if (codes[i].code != code)
            continue;
        count(ai, dir, codes[i].name, strlen(codes[i].name));
        if (code == 1 && dir == DIR_C2S)
            handshake(ai, WSAPP_HS_STARTED, "HELLO, no WELCOME");
        else if (code == 2 && dir == DIR_S2C)
            handshake(ai, WSAPP_HS_COMPLETED, "HELLO -> WELCOME");
        else if (code == 3 && dir == DIR_S2C)
            handshake(ai, WSAPP_HS_REFUSED, "HELLO -> ABORT");
        return true;
    }
    return false;
}

/* Engine.IO v4 packets ("0" open ... "6" noop); a "4" message carries a Socket.IO packet
 * ("0" CONNECT ... "6" BINARY_ACK). */
static bool socketio_message(struct ws_app_info *ai, enum dir dir, const uint8_t *p, size_t n,
                             bool binary)
{
    static const char *const eio[] = { "open", "close", "ping", "pong", "message", "upgrade",
                                       "noop" };
    static const char *const sio[] = { "CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR",
                                       "BINARY_EVENT", "BINARY_ACK" };
    if (binary) { /* the attachments of a BINARY_EVENT / BINARY_ACK */
        count(ai, dir, "attachment", 10);
        return true;
    }
    if (n == 0 || p[0] < '0' || p[0] > '6')
        return false;
    if (p[0] == '0' && (n < 2 || p[1] != '{'))
        return false; /* open carries the handshake's JSON */
    if (p[0] != '4' || n < 2 || p[1] < '0' || p[1] > '6') {
        count(ai, dir, eio[p[0] - '0'], strlen(eio[p[0] - '0']));
        return true;
    }
    ai->proto = WSAPP_SOCKETIO;
    int t = p[1] - '0';
    count(ai, dir, sio[t], strlen(sio[t]));
    if (t == 0 && dir == DIR_C2S)
        handshake(ai, WSAPP_HS_STARTED, "CONNECT, no answer");
    else if (t == 0 && dir == DIR_S2C)
        handshake(ai, WSAPP_HS_COMPLETED, "CONNECT -> CONNECT");
    else if (t == 4 && dir == DIR_S2C)
        handshake(ai, WSAPP_HS_REFUSED, "CONNECT -> CONNECT_ERROR");
    return true;
}

static bool contains(const uint8_t *p, size_t n, const char *what)
{
    size_t k = strlen(what);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, what, k) == 0)
            return true;
    return false;
}

static bool is_json(const uint8_t *p, size_t n)
{
    const uint8_t *q = skip_ws(p, p + n);
    return q < p + n && (*q == '{' || *q == '[');
}

/* One whole message (its first bytes) as protocol `proto`; false if it is not one of its. */
static bool parse_as(struct ws_app_info *ai, enum ws_app_proto proto, enum dir dir,
                     const uint8_t *p, size_t n, bool binary)
{
    switch (proto) {
    case WSAPP_STOMP: return stomp_message(ai, dir, p, n);
    case WSAPP_SIP: return !binary && sip_message(ai, dir, p, n);
    case WSAPP_WAMP: return !binary && wamp_message(ai, dir, p, n);
    case WSAPP_GRAPHQL_TRANSPORT_WS: return !binary && graphql_message(ai, dir, p, n, true);
    case WSAPP_GRAPHQL_WS: return !binary && graphql_message(ai, dir, p, n, false);
    case WSAPP_SOCKETIO:
    case WSAPP_ENGINEIO: return socketio_message(ai, dir, p, n, binary);
    case WSAPP_JSON: return !binary && is_json(p, n);
    default: return false;
    }
}

/* What a message looks like, tried from the most particular shape to the most general. Without
 * a subprotocol to go by, a protocol is believed only from a message that can open it (its
 * handshake), so that JSON with a "type" is not taken for graphql. */
static enum ws_app_proto recognise(const uint8_t *p, size_t n, bool binary)
{
    static const char *const stomp[] = { "CONNECT", "STOMP", "CONNECTED", NULL };
    static const char *const wamp[] = { "HELLO", "WELCOME", NULL };
    static const char *const graphql[] = { "connection_init", "connection_ack", NULL };
    static const struct {
        enum ws_app_proto proto;
        const char *const *openers;    /* NULL: any message of it */
    } order[] = { { WSAPP_STOMP, stomp }, { WSAPP_SIP, NULL }, { WSAPP_WAMP, wamp },
                  { WSAPP_GRAPHQL_TRANSPORT_WS, graphql }, { WSAPP_JSON, NULL } };
    if (binary)
        return mqtt_connect_at(p, n) ? WSAPP_MQTT : WSAPP_NONE;
    if (n >= 2 && p[0] == '0' && p[1] == '{' && contains(p, n, "\"sid\""))
        return WSAPP_ENGINEIO; /* Engine.IO's open packet */
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        for (int d = 0; d < 2; d++) {
            struct ws_app_info scratch;
            memset(&scratch, 0, sizeof scratch);
            if (!parse_as(&scratch, order[i].proto, (enum dir)d, p, n, false))
                continue;
            const char *type = scratch.ntypes ? scratch.types[0].name : "";
            if (!order[i].openers ||
                in_list((const uint8_t *)type, strlen(type), order[i].openers))
                return order[i].proto;
        }
    }
    return WSAPP_NONE;
}

/* ---- the WebSocket dissector's calls ---- */

void ws_app_bytes(struct ws_app_state *st, struct ws_app_info *ai, enum dir dir,
                  const uint8_t *p, size_t n, bool binary)
{
    struct ws_app_dir *d = &st->d[dir];
    size_t k = WS_APP_HEAD - d->head_len < n ? WS_APP_HEAD - d->head_len : n;
    memcpy(d->head + d->head_len, p, k);
    d->head_len += k;
    d->len += n;
    if (ai->proto == WSAPP_MQTT && binary)
        mqtt_feed(st, ai, dir, p, n);
}

/* The agreed subprotocol is not what the messages are: say so once, and name what they are. */
static void check_mismatch(struct ws_app_state *st, struct ws_app_info *ai, struct session *s,
                           enum dir dir, const uint8_t *p, size_t n, bool binary, ts_us_t ts)
{
    bool parsed_any = false;
    for (uint32_t i = 0; i < ai->ntypes; i++)
        parsed_any |= ai->types[i].count[0] || ai->types[i].count[1];
    if (st->checked_mismatch || parsed_any ||
        ai->unparsed[0] + ai->unparsed[1] < MISMATCH_AFTER)
        return;
    st->checked_mismatch = true;
    enum ws_app_proto seen = recognise(p, n, binary);
    const char *agreed = ws_app_proto_name(ai->agreed), *what = ws_app_proto_name(seen);
    (void)dir; /* both sides agreed on it: the connection's finding */
    session_finding(s, F_WS_SUBPROTOCOL_NOT_SPOKEN, -1, ts, "subprotocol \"%s\" was agreed, "
                    "but the messages are %s%s", agreed ? agreed : "?", what ? "" : "not ",
                    what ? what : "it");
    ai->proto = seen;
    ai->source = seen ? WSAPP_FROM_CONTENT : WSAPP_FROM_NONE;
}

void ws_app_message_end(struct ws_app_state *st, struct ws_app_info *ai, struct session *s,
                        enum dir dir, bool binary, ts_us_t ts)
{
    struct ws_app_dir *d = &st->d[dir];
    const uint8_t *p = d->head;
    size_t n = d->head_len;
    if (ai->proto == WSAPP_NONE && !st->checked_mismatch) {
        ai->proto = recognise(p, n, binary);
        ai->source = ai->proto ? WSAPP_FROM_CONTENT : WSAPP_FROM_NONE;
        if (ai->proto == WSAPP_MQTT) { /* the stream starts with this message */
            d->mq_broken = d->len > n;
            mqtt_feed(st, ai, dir, p, n);
        } else if (ai->proto != WSAPP_NONE) {
            parse_as(ai, ai->proto, dir, p, n, binary);
        }
    } else if (ai->proto == WSAPP_MQTT) {
        if (!binary) /* MQTT 3.1.1 §6.0: control packets travel in binary messages only */
            ai->unparsed[dir]++;
    } else if (ai->proto != WSAPP_NONE && !parse_as(ai, ai->proto, dir, p, n, binary)) {
        ai->unparsed[dir]++;
    }
    if (ai->agreed != WSAPP_NONE && ai->proto == ai->agreed)
        check_mismatch(st, ai, s, dir, p, n, binary, ts);
    d->head_len = 0;
    d->len = 0;
}

void ws_app_message_lost(struct ws_app_state *st, enum dir dir)
{
    st->d[dir].head_len = 0;
    st->d[dir].len = 0;
    st->d[dir].mq_broken = true;
}

bool ws_app_wants(const struct ws_app_state *st, const struct ws_app_info *ai, enum dir dir)
{
    return ai->proto == WSAPP_MQTT ? !st->d[dir].mq_broken : st->d[dir].head_len < WS_APP_HEAD;
}
