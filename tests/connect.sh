#!/bin/bash
# HTTP CONNECT tunnels (RFC 9110 §9.3.6) on captures of real software through tinyproxy
# (captures/connect/: a python websockets client, curl, python over TLS, Chromium): every
# CONNECT is a session with the proxy's answer, and what a tunnel carries is dissected as a
# connection of its own. tshark is the oracle for the CONNECTs, the answers, the TLS hellos and
# the WebSocket frames inside (it follows a tunnel by the target's port, or by its TLS
# heuristic with the key log); pcapgen.py's connect-raw adds what libraries will not send.
. "$(dirname "$0")/lib.sh"
DIR="$CAPTURES/connect"

# tshark's decoding options for NAME, as captures/connect/oracle.sh chooses them
topts() { # NAME
    if [ -f "$DIR/$1.keys" ]; then
        echo "-o tls.keylog_file:$DIR/$1.keys"
    else
        tshark -r "$DIR/$1.pcap" -Y http.request.method==CONNECT -T fields -e http.request.uri \
            2>/dev/null | sed 's/.*://' | sort -u | sed 's/^/-d tcp.port==/; s/$/,http/'
    fi
}
report() { # NAME → $TMP/NAME.ndjson
    local keys=()
    [ -f "$DIR/$1.keys" ] && keys=(--keylog "$DIR/$1.keys")
    "$UPSCOPE" -q -j "$TMP/$1.ndjson" -r "$DIR/$1.pcap" "${keys[@]}"
}

for pcap in "$DIR"/*.pcap; do
    name=$(basename "$pcap" .pcap)
    report "$name"
    check_eq "$name: upscope reads it" 0 $?
    # every CONNECT request: its connection, frame and target
    check_eq "$name: a session for every CONNECT (stream, frame, target as tshark)" \
        "$(tshark -r "$pcap" -Y 'http.request.method == "CONNECT"' -T fields -e tcp.stream \
           -e frame.number -e http.request.uri 2>/dev/null | sort)" \
        "$(jq -r 'select(.transition == "connect") |
                  [.capture.tcp_stream, .request.frame, .request.target] | @tsv' \
              "$TMP/$name.ndjson" | sort)"
    # the proxy's answers: status per connection; a 2xx has no body, so tshark's frame is the
    # head's too (an error page's it gives to the FIN that ends its body)
    check_eq "$name: each CONNECT's answer (stream, status)" \
        "$(tshark -r "$pcap" -Y 'http.response && http.request_in' -T fields -e tcp.stream \
           -e http.response.code -e http.request_in 2>/dev/null |
           while read -r st code req; do
               tshark -r "$pcap" -Y "frame.number == $req && http.request.method == \"CONNECT\"" \
                   2>/dev/null | grep -q . && echo "$st $code"
           done | sort)" \
        "$(jq -r 'select(.transition == "connect") | "\(.capture.tcp_stream) \(.response.status)"' \
              "$TMP/$name.ndjson" | sort)"
    check_eq "$name: 2xx is switched, anything else declined" "" \
        "$(jq -r 'select(.transition == "connect") |
                  select((.response.status / 100 | floor == 2) != (.outcome == "switched")) |
                  .id' "$TMP/$name.ndjson")"
    check_eq "$name: the 200s' frames as tshark numbers them" \
        "$(tshark -r "$pcap" -Y 'http.response.code == 200 && http.response.phrase == "Connection established"' \
           -T fields -e frame.number 2>/dev/null | sort -n)" \
        "$(jq -r 'select(.transition == "connect" and .outcome == "switched") | .response.frame' \
              "$TMP/$name.ndjson" | sort -n)"
done

# the sessions inside a tunnel name it: the CONNECT session of the same connection
for name in connect-ws connect-wss connect-chromium-wss; do
    check_eq "$name: the WebSocket inside names its tunnel" "ok" \
        "$(jq -s -r '(map(select(.transition == "connect" and .outcome == "switched")) |
                      map({key: (.capture.tcp_stream | tostring), value: .id}) | from_entries)
                     as $tunnel | map(select(.transition == "websocket")) |
                     if length == 0 then "none" else
                     map(.carried_by[0] == {"protocol": "connect",
                                            "session": $tunnel[.capture.tcp_stream | tostring]})
                     | if all then "ok" else "wrong" end end' "$TMP/$name.ndjson")"
    # its frames per direction and opcode, as tshark decodes the tunnel
    stream=$(jq -r 'select(.transition == "websocket") | .capture.tcp_stream' "$TMP/$name.ndjson")
    cport=$(jq -r 'select(.transition == "websocket") | .client.port' "$TMP/$name.ndjson")
    # shellcheck disable=SC2046
    check_eq "$name: the WebSocket's frames per opcode match tshark's" \
        "$(tshark -r "$DIR/$name.pcap" $(topts "$name") -Y "websocket && tcp.stream == $stream" \
           -T fields -e tcp.srcport -e websocket.opcode 2>/dev/null |
           awk -v c="$cport" '{ n = split($2, o, ","); for (i = 1; i <= n; i++)
                                    print ($1 == c ? "client" : "server"), o[i] }' |
           sort | uniq -c | awk '{ print $2, $3, $1 }')" \
        "$(jq -r 'select(.transition == "websocket") | .websocket.frames | to_entries[] |
                  .key as $d | .value | to_entries[] | select(.value > 0) |
                  [$d, ({"continuation":0,"text":1,"binary":2,"close":8,"ping":9,"pong":10}[.key]),
                   .value] | @tsv' "$TMP/$name.ndjson" | tr '\t' ' ' | sort)"
done
check_eq "connect-ws: the WebSocket closed 1000 both ways (the client's log)" "1000 true" \
    "$(jq -r 'select(.transition == "websocket") | "\(.websocket.close.code) \(.websocket.close.replied)"' \
       "$TMP/connect-ws.ndjson")"
check_eq "connect-ws: the tunnel says it carried HTTP/1.1 and one session" "http1 1" \
    "$(jq -r 'select(.transition == "connect") | "\(.connect.carries) \(.connect.sessions)"' \
       "$TMP/connect-ws.ndjson")"

# TLS in a tunnel is the tunnel session's: the hellos as tshark reads them
for name in connect-https connect-wss connect-chromium-wss; do
    while read -r stream; do
        want=$(tshark -r "$DIR/$name.pcap" -o "tls.keylog_file:$DIR/$name.keys" \
               -Y "tcp.stream == $stream && tls.handshake.type == 1" -T fields \
               -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str \
               2>/dev/null | head -1)
        got=$(jq -r --argjson s "$stream" 'select(.transition == "connect" and
                    .capture.tcp_stream == $s) | [(.tls.sni // ""), (.tls.alpn | join(","))] | @tsv' \
              "$TMP/$name.ndjson")
        check_eq "$name: tunnel in tcp.stream $stream: its TLS SNI and ALPN offered (tshark)" \
            "$want" "$got"
    done < <(jq -r 'select(.transition == "connect" and .outcome == "switched") |
                    .capture.tcp_stream' "$TMP/$name.ndjson")
    check_eq "$name: every tunnel's TLS decrypted with the key log" "" \
        "$(jq -r 'select(.transition == "connect" and .outcome == "switched") |
                  select(.tls.decrypted != true) | .id' "$TMP/$name.ndjson")"
done
check_eq "connect-wss: the SNI is the inner name, the target the address (the README)" \
    "upscope.test 127.0.0.1:18803 TLS 1.3 http/1.1" \
    "$(jq -r 'select(.transition == "connect") |
              "\(.tls.sni) \(.connect.target) \(.tls.server_version) \(.tls.server_alpn)"' \
       "$TMP/connect-wss.ndjson")"
check_eq "connect-denied: 403 (port not allowed) and 500 (nothing listening), as tinyproxy logged" \
    "403 Access violation|500 Unable to connect" \
    "$(jq -r '"\(.response.status) \(.response.reason)"' "$TMP/connect-denied.ndjson" | sort |
       paste -sd'|')"

# what libraries do not send
"$PY" "$top_srcdir/tests/pcapgen.py" connect-raw "$TMP/raw.pcap"
"$UPSCOPE" -q -j "$TMP/raw.ndjson" -r "$TMP/raw.pcap"
check_eq "raw: a target without a port: CONNECT_TARGET_INVALID, the client's" \
    "example.com client" \
    "$(jq -r 'select(.findings[].id == "CONNECT_TARGET_INVALID") |
              "\(.request.target) \(.findings[0].direction)"' "$TMP/raw.ndjson")"
check_eq "raw: a 200 with Content-Length: CONNECT_2XX_FRAMING_HEADER, the server's" "server" \
    "$(jq -r '.findings[] | select(.id == "CONNECT_2XX_FRAMING_HEADER") | .direction' \
       "$TMP/raw.ndjson")"
check_eq "raw: the handshake sent before the 200 still reaches the tunnel: a WebSocket" \
    "switched 1 1" \
    "$(jq -r 'select(.transition == "websocket") |
              "\(.outcome) \(.websocket.messages.client) \(.websocket.messages.server)"' \
       "$TMP/raw.ndjson")"
check_eq "raw: a 407, then the retry on the same connection: declined, then a tunnel" \
    "407 declined|200 switched http2" \
    "$(jq -r 'select(.client.port == 41003 and .transition == "connect") |
              "\(.response.status) \(.outcome)\(if .connect then " " + .connect.carries else "" end)"' \
       "$TMP/raw.ndjson" | paste -sd'|')"
check_eq "raw: HTTP/2 with prior knowledge in the tunnel, its frames counted" \
    '{"client":{"SETTINGS":2},"server":{"SETTINGS":2}}' \
    "$(jq -c 'select(.transition == "h2c") | .h2c.frames' "$TMP/raw.ndjson")"

# the summary and the checklist
"$UPSCOPE" -r "$DIR/connect-wss.pcap" --keylog "$DIR/connect-wss.keys" >"$TMP/sum.txt" 2>&1
check_contains "summary: the tunnel's line" "$TMP/sum.txt" \
    "tunnel      127.0.0.1:18803, carrying tls;"
check_contains "summary: the CONNECT session's head line" "$TMP/sum.txt" "connect switched (200"
check_contains "summary: the WebSocket says what carries it" "$TMP/sum.txt" \
    "inside      connect of #1, tls"
done_testing
