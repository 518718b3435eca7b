/* ws_app: what rides inside a WebSocket. The application protocol its messages carry is named
 * by the agreed subprotocol and recognised from the messages themselves: MQTT 3.1.1 / 5.0
 * (OASIS; a byte stream across binary messages, packets may span them), STOMP 1.0-1.2, SIP
 * (RFC 7118), WAMP v2 (JSON), graphql-transport-ws and the older graphql-ws
 * (subscriptions-transport-ws), Socket.IO over Engine.IO v4, and JSON. Each message is counted
 * by its type in that protocol; for the protocols with a handshake (MQTT CONNECT/CONNACK, STOMP
 * CONNECT/CONNECTED, WAMP HELLO/WELCOME, graphql connection_init/ack, Socket.IO CONNECT) whether
 * it completed. A subprotocol agreed in the handshake but not spoken is a finding.
 *
 * The websocket dissector feeds each direction's message content (decompressed) and message
 * ends; ws_app keeps the first WS_APP_HEAD bytes of each message and MQTT's stream state. */
#ifndef UPSCOPE_WS_APP_H
#define UPSCOPE_WS_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "packet.h"

struct session;

enum ws_app_proto { WSAPP_NONE, WSAPP_MQTT, WSAPP_STOMP, WSAPP_SIP, WSAPP_WAMP,
                    WSAPP_GRAPHQL_TRANSPORT_WS, WSAPP_GRAPHQL_WS, WSAPP_SOCKETIO, WSAPP_ENGINEIO,
                    WSAPP_JSON, WSAPP_COUNT };

/* How the protocol was known: the agreed subprotocol, the request target (Socket.IO's
 * /socket.io/?EIO=4), or the messages themselves. */
enum ws_app_source { WSAPP_FROM_NONE, WSAPP_FROM_SUBPROTOCOL, WSAPP_FROM_TARGET,
                     WSAPP_FROM_CONTENT };

enum ws_app_handshake { WSAPP_HS_NONE, WSAPP_HS_STARTED, WSAPP_HS_COMPLETED, WSAPP_HS_REFUSED };

#define WS_APP_TYPES 24
#define WS_APP_TYPE_LEN 24

/* The results: a part of the session's WebSocket part (ws_session.h). */
struct ws_app_info {
    enum ws_app_proto proto;           /* what the messages are (NONE: not recognised) */
    enum ws_app_proto agreed;          /* what the agreed subprotocol names (NONE: none known) */
    enum ws_app_source source;
    enum ws_app_handshake handshake;
    char handshake_detail[64];         /* "CONNECT -> CONNACK (0 accepted)" */
    struct {
        char name[WS_APP_TYPE_LEN];
        uint32_t count[2];
    } types[WS_APP_TYPES];             /* message types per direction, in order first seen */
    uint32_t ntypes, types_dropped;
    uint32_t unparsed[2];              /* messages that are not the protocol's */
};

#define WS_APP_HEAD 1024

/* The parser's state per direction, and for the connection, in the WebSocket dissector. */
struct ws_app_dir {
    uint8_t head[WS_APP_HEAD];         /* the first bytes of the message in progress */
    size_t head_len;
    uint64_t len;
    /* MQTT: the packet being read across messages */
    uint8_t mq_hdr, mq_lenbytes;
    uint32_t mq_len, mq_shift, mq_got;
    bool mq_in_len, mq_in_body, mq_broken;
    uint8_t mq_body[8];
};

struct ws_app_state {
    struct ws_app_dir d[2];
    bool checked_mismatch;
};

/* Names the application protocol the agreed subprotocol stands for (NULL: none agreed);
 * target: the request's target (Socket.IO's /socket.io/?EIO=4 has no subprotocol). */
void ws_app_begin(struct ws_app_info *ai, const char *subprotocol, const char *target);

/* Content of the message in progress (decompressed), and its end. */
void ws_app_bytes(struct ws_app_state *st, struct ws_app_info *ai, enum dir dir,
                  const uint8_t *p, size_t n, bool binary);
void ws_app_message_end(struct ws_app_state *st, struct ws_app_info *ai, struct session *s,
                        enum dir dir, bool binary, ts_us_t ts);

/* A message lost to a gap (or not decompressed): forgotten; the MQTT stream is lost with it. */
void ws_app_message_lost(struct ws_app_state *st, enum dir dir);

/* Does the analysis want the content of this direction's message in progress? (The dissector
 * skips unmasking what no one reads.) */
bool ws_app_wants(const struct ws_app_state *st, const struct ws_app_info *ai, enum dir dir);

const char *ws_app_proto_name(enum ws_app_proto p);
const char *ws_app_source_name(enum ws_app_source f);
const char *ws_app_handshake_name(enum ws_app_handshake h);

#endif
