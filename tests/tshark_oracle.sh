#!/bin/bash
# tshark as an independent oracle: for every switched session in the sample captures,
# WebSocket frames per direction and opcode, and HTTP/2 frames per direction and type, equal
# tshark's counts; the TLS ClientHello after an RFC 2817 upgrade (SNI, ALPN, versions) is what
# tshark reads when told the bytes after the 101 are TLS; and a WebSocket capture cut after its
# handshake is still recognised, mid-stream, with the same frames.
. "$(dirname "$0")/lib.sh"

# tshark's counts for one connection: "client OPCODE" / "server OPCODE" lines, sorted
tshark_frames() { # FILE SERVER_PORT CLIENT_PORT
    tshark -r "$1" -d "tcp.port==$2,http" -Y "websocket && tcp.port==$3" \
        -T fields -e tcp.srcport -e websocket.opcode 2>/dev/null |
        awk -v c="$3" '{ n = split($2, ops, ","); for (i = 1; i <= n; i++)
                             print ($1 == c ? "client" : "server"), ops[i] }' | sort | uniq -c |
        awk '{ print $2, $3, $1 }'
}

upscope_frames() { # one session's JSON on stdin → the same shape
    jq -r '.websocket.frames | to_entries[] | .key as $d | .value | to_entries[] |
           select(.value > 0) | [$d, .key, .value] | @tsv' |
        awk -F'\t' 'BEGIN { op["continuation"] = 0; op["text"] = 1; op["binary"] = 2;
                            op["close"] = 8; op["ping"] = 9; op["pong"] = 10 }
                    $2 != "reserved" { print $1, op[$2], $3 }' | sort
}

for pcap in "$CAPTURES"/*.pcap "$CAPTURES"/corpus/*.pcap*; do
    name=$(basename "$pcap")
    # tshark starts WebSocket only after the 101, so it cannot see the frame this client sent
    # before it (check_http's client_data_before_switch covers what upscope does with it)
    [ "$name" = ws-early-data.pcap ] && continue
    "$UPSCOPE" -q -j - -r "$pcap" |
        jq -c 'select(.transition == "websocket" and .outcome == "switched")' >"$TMP/ws.ndjson"
    while read -r line; do
        sp=$(jq -r .server.port <<<"$line"); cp=$(jq -r .client.port <<<"$line")
        want=$(tshark_frames "$pcap" "$sp" "$cp")
        got=$(upscope_frames <<<"$line")
        check_eq "$name (client port $cp): frames per opcode match tshark" "$want" "$got"
    done <"$TMP/ws.ndjson"
done

# HTTP/2: frames per direction and type (tshark follows the h2c upgrade by itself; prior
# knowledge it must be told, or it loses frames a server sends before the client's preface)
h2_tshark_frames() { # FILE SERVER_PORT CLIENT_PORT PROTO
    tshark -r "$1" -d "tcp.port==$2,$4" -Y "http2 && tcp.port==$3" \
        -T fields -e tcp.srcport -e http2.type 2>/dev/null |
        awk -v c="$3" '{ n = split($2, t, ","); for (i = 1; i <= n; i++)
                             print ($1 == c ? "client" : "server"), t[i] }' | sort | uniq -c |
        awk '{ print $2, $3, $1 }'
}
h2_upscope_frames() {
    jq -r '.h2c.frames | to_entries[] | .key as $d | .value | to_entries[] |
           [$d, .key, .value] | @tsv' |
        awk -F'\t' 'BEGIN { split("DATA HEADERS PRIORITY RST_STREAM SETTINGS PUSH_PROMISE PING " \
                                   "GOAWAY WINDOW_UPDATE CONTINUATION", names, " ");
                            for (i in names) type[names[i]] = i - 1 }
                    $2 != "UNKNOWN" { print $1, type[$2], $3 }' | sort
}
for pcap in "$CAPTURES"/h2*.pcap "$CAPTURES"/corpus/*http2*.pcap; do
    name=$(basename "$pcap")
    "$UPSCOPE" -q -j - -r "$pcap" |
        jq -c 'select(.transition == "h2c" and (.outcome == "switched" or
                                               .outcome == "prior_knowledge"))' >"$TMP/h2.ndjson"
    [[ $name == *http2* ]] && check "$name: HTTP/2 sessions found" test -s "$TMP/h2.ndjson"
    "$UPSCOPE" -q -j - -r "$pcap" | jq -c 'select(.transition == "connect")' >"$TMP/tunnels.ndjson"
    while read -r line; do
        sp=$(jq -r .server.port <<<"$line"); cp=$(jq -r .client.port <<<"$line")
        # in a CONNECT tunnel tshark picks the dissector by the tunnel target's port
        tunnel=$(jq -r '.carried_by[] | select(.protocol == "connect") | .session' <<<"$line")
        [ -n "$tunnel" ] && sp=$(jq -r --argjson id "$tunnel" \
            'select(.id == $id) | .connect.target | split(":") | last' "$TMP/tunnels.ndjson")
        proto=$([ "$(jq -r .outcome <<<"$line")" = prior_knowledge ] && echo http2 || echo http)
        check_eq "$name (client port $cp): HTTP/2 frames per type match tshark" \
            "$(h2_tshark_frames "$pcap" "$sp" "$cp" "$proto")" "$(h2_upscope_frames <<<"$line")"
    done <"$TMP/h2.ndjson"
done
# pivoting to Wireshark: the connection's tcp.stream, the upgrade request's and the 101's frame
for pcap in "$CAPTURES"/ws-*.pcap "$CAPTURES"/h2c-*.pcap "$CAPTURES"/tls-*.pcap; do
    name=$(basename "$pcap")
    "$UPSCOPE" -q -j - -r "$pcap" | jq -c 'select(.outcome == "switched")' >"$TMP/sw.ndjson"
    while read -r line; do
        sp=$(jq -r .server.port <<<"$line"); cp=$(jq -r .client.port <<<"$line")
        stream=$(tshark -r "$pcap" -Y "tcp.port == $cp" -T fields -e tcp.stream 2>/dev/null |
                 head -1)
        resp=$(tshark -r "$pcap" -d "tcp.port==$sp,http" -Y "tcp.stream == $stream &&
               http.response.code == 101" -T fields -e frame.number 2>/dev/null | head -1)
        # the upgrade request the 101 answers: the last one before it (a 426 may come first)
        req=$(tshark -r "$pcap" -d "tcp.port==$sp,http" -Y "tcp.stream == $stream && http.upgrade &&
              http.request && frame.number < $resp" -T fields -e frame.number 2>/dev/null |
              tail -1)
        check_eq "$name (client port $cp): tcp.stream, request and 101 frames as tshark numbers them" \
            "$stream $req $resp" \
            "$(jq -r '"\(.capture.tcp_stream) \(.request.frame) \(.response.frame)"' <<<"$line")"
    done <"$TMP/sw.ndjson"
done

# a server that speaks first (nghttpd sends its SETTINGS before the client's preface, RFC 9113
# §3.4): its SETTINGS are seen, not lost while the client's side was still unknown
check_eq "server speaks first: the server's SETTINGS are recorded" true \
    "$("$UPSCOPE" -q -j - -r "$CAPTURES/corpus/suricata-verify__http2-errorcode__input.pcap" |
       jq -r 'select(.transition == "h2c") | .h2c.server_settings != null' | sort -u)"

# TLS after RFC 2817: tshark needs to be told where TLS starts; upscope finds it itself
for cap in tls-upgrade-options tls-upgrade-get; do
    "$UPSCOPE" -q -j "$TMP/tls.ndjson" -r "$CAPTURES/$cap.pcap"
    sp=$(jq -r .server.port "$TMP/tls.ndjson")
    "$PY" "$top_srcdir/tests/relink.py" "$CAPTURES/$cap.pcap" "$TMP/tls.pcap" "after:HTTP/1.1 101"
    want=$(tshark -r "$TMP/tls.pcap" -d "tcp.port==$sp,tls" -Y "tls.handshake.type == 1" -T fields \
           -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str 2>/dev/null)
    got=$(jq -r '[.tls.sni, (.tls.alpn | join(","))] | @tsv' "$TMP/tls.ndjson")
    check_eq "$cap: ClientHello SNI and ALPN match tshark" "$want" "$got"
    check_eq "$cap: versions offered" "TLS 1.3,TLS 1.2,TLS 1.1,TLS 1.0" \
        "$(jq -r '.tls.versions | join(",")' "$TMP/tls.ndjson")"
done

# mid-stream: the handshake cut away, the frames recognised by their shape
for cap in ws-basic ws-big; do
    "$PY" "$top_srcdir/tests/relink.py" "$CAPTURES/$cap.pcap" "$TMP/mid.pcap" \
        "after:HTTP/1.1 101"
    full=$("$UPSCOPE" -q -j - -r "$CAPTURES/$cap.pcap" | upscope_frames)
    "$UPSCOPE" -q -j - -r "$TMP/mid.pcap" >"$TMP/mid.ndjson"
    check_eq "$cap cut after the 101: one mid-stream WebSocket session" "midstream websocket" \
        "$(jq -r '.outcome + " " + .transition' "$TMP/mid.ndjson")"
    check_eq "$cap cut after the 101: the same frames as with the handshake" "$full" \
        "$(upscope_frames <"$TMP/mid.ndjson")"
done

done_testing
