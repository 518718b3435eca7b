#!/bin/bash
# What rides inside a WebSocket, on captures of real clients and servers (captures/h2ws/ws-*:
# mqtt.js against aedes, whole and split across messages, stompjs, socket.io, graphql-ws, SIP
# and WAMP by hand, a subprotocol agreed but not spoken). Oracles: tshark's MQTT (with
# mqtt-ws.lua) and SIP dissectors where it has them; otherwise the peers' own logs — MQTT packets
# as mqtt.js reported them, STOMP frames as stompjs reported them, and for the JSON and
# Engine.IO protocols every message the peers logged, classified here by a separate reading of
# their specifications with python's JSON parser.
. "$(dirname "$0")/lib.sh"
DIR="$CAPTURES/h2ws"
command -v tshark >/dev/null || { not_ok "tshark is installed"; done_testing; exit; }

# upscope's message types of one side, "NAME=count" sorted
types() { jq -r ".websocket.inner.types.$1 | to_entries | map(\"\(.key)=\(.value)\") | sort | join(\" \")"; }
# the peers' view: a log and a protocol -> "client: NAME=n ...\nserver: ..."
peer_types() {
    "$PY" - "$1" "$2" <<'EOF'
import collections, json, re, sys
log, proto = sys.argv[1], sys.argv[2]
counts = {"client": collections.Counter(), "server": collections.Counter()}
wamp = {1: "HELLO", 2: "WELCOME", 3: "ABORT", 6: "GOODBYE", 8: "ERROR", 16: "PUBLISH",
        32: "SUBSCRIBE", 36: "EVENT", 48: "CALL", 50: "RESULT"}
eio = ["open", "close", "ping", "pong", "message", "upgrade", "noop"]
sio = ["CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"]
for line in open(log):
    if proto == "mqtt":   # mqtt.js's own packet events: "client mqtt send|recv TYPE ..."
        m = re.match(r"client mqtt (send|recv) (\w+)", line)
        if m:
            counts["client" if m.group(1) == "send" else "server"][m.group(2)] += 1
        continue
    if proto == "stomp":  # stompjs's debug: ">>> CMD" sent, "<<< CMD" received
        m = re.match(r"client stomp (>>>|<<<) (\w+)", line)
        if m:
            counts["client" if m.group(1) == ">>>" else "server"][m.group(2)] += 1
        continue
    m = re.match(r"(client|server) send text len=\d+ (\".*\")$", line.rstrip("\n"))
    if not m:
        continue
    side, text = m.group(1), json.loads(m.group(2))
    if proto in ("graphql-transport-ws", "graphql-ws"):
        counts[side][json.loads(text)["type"]] += 1
    elif proto == "wamp":
        counts[side][wamp[json.loads(text)[0]]] += 1
    elif proto == "socket.io":
        t = int(text[0])
        counts[side][sio[int(text[1])] if t == 4 and len(text) > 1 else eio[t]] += 1
for side in ("client", "server"):
    print(" ".join(sorted("%s=%d" % kv for kv in counts[side].items())))
EOF
}

check_inner() { # NAME PROTOCOL SOURCE HANDSHAKE
    local name=$1
    "$UPSCOPE" -q -j "$TMP/$name.ndjson" -r "$DIR/$name.pcap"
    check_eq "$name: the inner protocol, how it was known, its handshake" "$2 $3 $4" \
        "$(jq -r '.websocket.inner | "\(.protocol) \(.detected_from) \(.handshake)"' "$TMP/$name.ndjson")"
}
check_types() { # NAME ORACLE-NAME FILE-WITH-TWO-LINES
    check_eq "$1: the client's messages by type, as $2 counts them" "$(sed -n 1p "$3")" \
        "$(types client <"$TMP/$1.ndjson")"
    check_eq "$1: the server's messages by type, as $2 counts them" "$(sed -n 2p "$3")" \
        "$(types server <"$TMP/$1.ndjson")"
}

# tshark's MQTT and SIP dissectors
tshark_types() { # NAME: "tshark inner c>s: MQTT CONNECT=1 ..." lines of oracle.sh
    bash "$DIR/oracle.sh" "$1" 2>/dev/null >"$TMP/oracle"
    for d in c s; do
        sed -n "s/^tshark inner $d>.: //p" "$TMP/oracle" | sed 's/\(MQTT\|SIP\) //g' |
            tr ' ' '\n' | grep . | sort | paste -sd' '
    done
}
for name in ws-mqtt ws-sip; do
    tshark_types "$name" >"$TMP/oracle-$name"
done
check_inner ws-mqtt mqtt subprotocol completed
check_types ws-mqtt tshark "$TMP/oracle-ws-mqtt"
peer_types "$DIR/ws-mqtt.log" mqtt >"$TMP/peer"
check_types ws-mqtt "mqtt.js" "$TMP/peer"
check_eq "ws-mqtt: CONNACK accepted" "CONNECT -> CONNACK 0 (accepted)" \
    "$(jq -r .websocket.inner.handshake_detail "$TMP/ws-mqtt.ndjson")"

# MQTT packets spread over 55 WebSocket messages: tshark reads garbage, mqtt.js is the oracle
check_inner ws-mqtt-split mqtt subprotocol completed
peer_types "$DIR/ws-mqtt-split.log" mqtt >"$TMP/peer"
check_types ws-mqtt-split "mqtt.js" "$TMP/peer"

check_inner ws-sip sip subprotocol null
check_types ws-sip tshark "$TMP/oracle-ws-sip"

check_inner ws-stomp stomp subprotocol completed
peer_types "$DIR/ws-stomp.log" stomp >"$TMP/peer"
check_types ws-stomp stompjs "$TMP/peer"

check_inner ws-graphql graphql-transport-ws subprotocol completed
peer_types "$DIR/ws-graphql.log" graphql-transport-ws >"$TMP/peer"
check_types ws-graphql "the peers' logged JSON" "$TMP/peer"

check_inner ws-wamp wamp subprotocol completed
peer_types "$DIR/ws-wamp.log" wamp >"$TMP/peer"
check_types ws-wamp "the peers' logged JSON" "$TMP/peer"

check_inner ws-socketio socket.io target completed
peer_types "$DIR/ws-socketio.log" socket.io >"$TMP/peer"
check_types ws-socketio "the peers' logged packets" "$TMP/peer"

# "mqtt" agreed, JSON sent: the finding, and what the messages really are
check_inner ws-mqtt-mismatch json content null
check_eq "ws-mqtt-mismatch: the subprotocol named mqtt" mqtt \
    "$(jq -r .websocket.inner.subprotocol_protocol "$TMP/ws-mqtt-mismatch.ndjson")"
check_eq "ws-mqtt-mismatch: WS_SUBPROTOCOL_NOT_SPOKEN, once, for the connection" \
    "WS_SUBPROTOCOL_NOT_SPOKEN connection" \
    "$(jq -r '.findings[] | "\(.id) \(.direction)"' "$TMP/ws-mqtt-mismatch.ndjson")"
for name in ws-mqtt ws-mqtt-split ws-sip ws-stomp ws-graphql ws-wamp ws-socketio; do
    check_eq "$name: no finding of a subprotocol not spoken" 0 \
        "$(jq '[.findings[] | select(.id == "WS_SUBPROTOCOL_NOT_SPOKEN")] | length' "$TMP/$name.ndjson")"
done

# the summary names it
"$UPSCOPE" -r "$DIR/ws-stomp.pcap" >"$TMP/sum"
check_contains "summary: the inner protocol and its handshake" "$TMP/sum" \
    "inner       stomp (from the subprotocol); CONNECT -> CONNECTED"
check_contains "summary: the messages by type" "$TMP/sum" "client: 1 CONNECT, 1 SUBSCRIBE, 2 SEND"

# a WebSocket with no recognisable content says nothing of an inner protocol
check_eq "ws-basic: no inner protocol claimed" null \
    "$("$UPSCOPE" -q -j - -r "$CAPTURES/ws-basic.pcap" | jq -c .websocket.inner)"

done_testing
