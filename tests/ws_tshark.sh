#!/bin/bash
# WebSocket frames per direction and opcode, as upscope counts them, equal tshark's count (an
# independent dissector) for every switched WebSocket session in the sample captures; and a
# capture cut after its handshake is still recognised, mid-stream, with the same frames.
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
