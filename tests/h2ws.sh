#!/bin/bash
# WebSockets over HTTP/2 (RFC 8441) on captures made by real software (captures/h2ws/: node's
# http2 with enableConnectProtocol, headless Chromium and Firefox ESR over TLS with their key
# logs, raw peers for what libraries refuse to do). tshark is the oracle for the HTTP/2 layer:
# frames per type, each extended CONNECT's header list and status, END_STREAM and RST_STREAM;
# the WebSocket frames inside each stream are decoded by captures/h2ws/oracle.sh from the DATA
# bytes tshark reassembled, and cross-checked against the peers' own logs. Then each deliberate
# violation of the raw peers must raise its finding, and nothing else may raise an error.
. "$(dirname "$0")/lib.sh"
DIR="$CAPTURES/h2ws"
command -v tshark >/dev/null || { not_ok "tshark is installed"; done_testing; exit; }

counts() { # "close=1 text=2" from a JSON object of counts (zeros left out), sorted
    jq -r 'to_entries | map(select(.value > 0)) | map("\(.key | ascii_downcase)=\(.value)") |
           sort | join(" ")'
}
sorted() { tr ' ' '\n' | grep . | sort | paste -sd' '; }

for pcap in "$DIR"/h2ws-*.pcap; do
    name=$(basename "$pcap" .pcap)
    keys=()
    [ -f "$DIR/$name.keys" ] && keys=(--keylog "$DIR/$name.keys")
    bash "$DIR/oracle.sh" "$name" >"$TMP/oracle" 2>/dev/null
    "$UPSCOPE" -q -j "$TMP/r.ndjson" "${keys[@]}" -r "$pcap"
    conn='select(.transition == "h2c" or .transition == "h2")'
    for d in c s; do
        side=$([ $d = c ] && echo client || echo server)
        want=$(sed -n "s/^h2 frames $d>.: \(.*\) (total.*/\1/p" "$TMP/oracle" | sorted)
        got=$(jq -s -c "[.[] | $conn | .h2c.frames.$side] | reduce .[] as \$f ({};
                 reduce (\$f | to_entries[]) as \$e (.; .[\$e.key] += \$e.value))" "$TMP/r.ndjson" |
              jq -r 'to_entries | map("\(.key)=\(.value)") | join(" ")' | sorted)
        check_eq "$name: HTTP/2 frames from the $side as tshark counts them" "$want" "$got"
    done
    # every extended CONNECT stream of the oracle: one WebSocket session
    streams=$(sed -n 's|^stream conn[0-9]*/\([0-9]*\) CONNECT$|\1|p' "$TMP/oracle")
    check_eq "$name: one WebSocket session per extended CONNECT" "$(echo $streams)" \
        "$(jq -r 'select(.transition == "websocket") | .websocket.h2_stream.id' "$TMP/r.ndjson" |
           sort -n | paste -sd' ')"
    for st in $streams; do
        block=$(sed -n "\|^stream conn[0-9]*/$st CONNECT\$|,/^[a-z]/p" "$TMP/oracle")
        ws=$(jq -c "select(.websocket.h2_stream.id == $st)" "$TMP/r.ndjson")
        o() { sed -n "s/^  $1//p" <<<"$block"; }
        check_eq "$name stream $st: the CONNECT's header list, in order" "$(o 'request  ')" \
            "$(jq -r '.request.headers | map("\(.[0]): \(.[1])") | join("; ")' <<<"$ws")"
        check_eq "$name stream $st: the response status" \
            "$(o 'response ' | sed -n 's/^:status: \([0-9]*\).*/\1/p')" \
            "$(jq -r '.response.status // empty' <<<"$ws")"
        ends=$(o 'DATA frames ' | sed 's/.*END_STREAM c>s=\([01]\) s>c=\([01]\).*/\1 \2/')
        check_eq "$name stream $st: END_STREAM each way" "$ends" \
            "$(jq -r '.websocket.h2_stream.end_stream | "\(if .client then 1 else 0 end) \(if .server then 1 else 0 end)"' <<<"$ws")"
        rst=$(o 'DATA frames ' | sed -n 's/.*RST_STREAM \(c>s\|s>c\) \([A-Z_]*\).*/\1 \2/p')
        check_eq "$name stream $st: RST_STREAM" "${rst:-none}" \
            "$(jq -r '.websocket.h2_stream.rst_stream | if . then "\(if .direction == "client" then "c>s" else "s>c" end) \(.error)" else "none" end' <<<"$ws")"
        for d in c s; do
            side=$([ $d = c ] && echo client || echo server)
            check_eq "$name stream $st: WebSocket frames from the $side (oracle.sh's decoding)" \
                "$(o "websocket $d>. (decoded by oracle.sh): [0-9]* frames: " | sorted)" \
                "$(jq -c ".websocket.frames.$side" <<<"$ws" | counts)"
            peer=$(sed -n "s/^peers log: $side stream=$st send [0-9]* messages: //p" "$TMP/oracle")
            [ -n "$peer" ] && check_eq "$name stream $st: the $side's own log of what it sent" \
                "$(sorted <<<"$peer")" "$(jq -c ".websocket.frames.$side" <<<"$ws" | counts)"
        done
        check_eq "$name stream $st: carried by HTTP/2 stream $st of the connection's session" \
            "http2 $st $(jq -r "$conn | .id" "$TMP/r.ndjson" | head -1)" \
            "$(jq -r '.carried_by[-1] | "\(.protocol) \(.stream) \(.session)"' <<<"$ws")"
    done
    check_eq "$name: the connection's report lists its WebSocket streams" "$(echo $streams)" \
        "$(jq -r "$conn | .h2c.websockets[].stream" "$TMP/r.ndjson" | sort -n | paste -sd' ')"
    jq -r '.findings[] | "\(.id) \(.severity)"' "$TMP/r.ndjson" | sort -u >"$TMP/findings"
    cp "$TMP/findings" "$TMP/findings-$name"
done

# what each raw peer did wrong on purpose (captures/h2ws/README.md), and only that
expect() { # NAME "ID..." : these findings, and no other error or warning
    local f="$TMP/findings-$1"
    for id in $2; do
        check_contains "$1: $id" "$f" "$id "
    done
    check_eq "$1: no other error or warning" "" \
        "$(grep -E ' (error|warning)$' "$f" | cut -d' ' -f1 | grep -vxF -e "${2// /$'\n'}" -e H2_CONNECTION_HEADER | paste -sd' ')"
}
expect h2ws-connect-without-setting "WS_H2_CONNECT_WITHOUT_SETTING"
expect h2ws-bad-status "WS_H2_BAD_STATUS"
expect h2ws-key-headers "WS_H2_FORBIDDEN_HEADER WS_H2_KEY_HEADER"
expect h2ws-key-headers-node "WS_H2_FORBIDDEN_HEADER WS_H2_KEY_HEADER WS_H2_STREAM_RESET"
expect h2ws-data-before-200 "WS_H2_DATA_BEFORE_RESPONSE"
expect h2ws-setting-withdrawn "WS_H2_SETTING_WITHDRAWN WS_H2_CONNECT_WITHOUT_SETTING"
expect h2ws-unmasked "WS_CLIENT_FRAME_UNMASKED"
for name in h2ws-node-cleartext h2ws-node-tls h2ws-chromium h2ws-firefox-server-ends; do
    check_eq "$name: real software, no error or warning" "" \
        "$(grep -E ' (error|warning)$' "$TMP/findings-$name" | paste -sd' ')"
done
check_contains "h2ws-firefox: Firefox's RST_STREAM after the close handshake, said so" \
    "$TMP/findings-h2ws-firefox" "WS_H2_STREAM_RESET info"

# the summary says how the stream ended, and the connection names its WebSocket session
"$UPSCOPE" --keylog "$DIR/h2ws-firefox.keys" -r "$DIR/h2ws-firefox.pcap" >"$TMP/sum"
check_contains "summary: the stream and how it ended" "$TMP/sum" \
    "stream      HTTP/2 stream 5 of session #1: END_STREAM from neither side; RST_STREAM(CANCEL) from the client"
check_contains "summary: the connection's request names the WebSocket session" "$TMP/sum" \
    "stream 5 CONNECT /ws :protocol websocket -> 200, WebSocket session #2"
check_eq "jq 'select(.transition==\"websocket\")' finds every WebSocket, whatever carries it" 2 \
    "$("$UPSCOPE" -q -j - -r "$DIR/h2ws-node-two.pcap" | jq -s '[.[] | select(.transition == "websocket")] | length')"

done_testing
