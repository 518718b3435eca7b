#!/bin/bash
# A real capture whose server ACKs come before the client data they acknowledge
# (captures/reorder/: a mirror port that buffers the client -> server direction, merged with
# the other direction's port; README.md there). upscope's reorder window must absorb it: the
# same WebSocket session as on the undelayed reference capture of the same packets, no gap.
# tshark is the oracle for the frames and for the reordering itself. With no window
# (--reorder-packets=0) the same capture does make gaps: the window is what absorbs it.
. "$(dirname "$0")/lib.sh"
dir="$CAPTURES/reorder"
re="$dir/ws-reorder.pcap" ref="$dir/ws-reorder-ref.pcap"
command -v jq >/dev/null || skip_all "no jq"

"$UPSCOPE" -q -j "$TMP/re.ndjson" -r "$re"
"$UPSCOPE" -q -j "$TMP/ref.ndjson" -r "$ref"

# What may legitimately differ between the two captures of one session:
#  .capture (file name), .start/.end/.request.time/.response.time and .lifecycle (time stamps:
#   the mirror port stamps client packets when they leave its buffer, a few ms late);
#  .frame everywhere (the frame numbers of a reordered file are not the reference's);
#  .stats.packets/.stats.bytes (the server's last ACK comes after the client's FIN in the
#   reference, so it is after the connection's end there, before it in the reordered file);
#  .websocket.close.initiator (the server's echoed close frame is captured before the
#   client's delayed one: from the capture's order the server closed first).
# Kept: the handshake, .websocket (frames, messages, bytes, close code and reason, replied),
# .findings, .incomplete, .stats.stream_bytes and .stats.gaps.
norm='del(.capture, .start, .end, .lifecycle, .stats.packets, .stats.bytes,
          .request.time, .response.time, .websocket.close.initiator)
      | walk(if type == "object" then del(.frame) else . end)'
check_eq "one session in each capture" "1 1" \
    "$(wc -l <"$TMP/re.ndjson") $(wc -l <"$TMP/ref.ndjson")"
check_eq "the reordered capture's session is the reference's (less what the order changes)" \
    "$(jq -S -c "$norm" "$TMP/ref.ndjson")" "$(jq -S -c "$norm" "$TMP/re.ndjson")"
check_eq "a WebSocket switched, 5 messages each way, close 1000 'bye' replied" \
    "websocket switched 5 5 1000 bye true" \
    "$(jq -r '"\(.transition) \(.outcome) \(.websocket.messages.client) \(.websocket.messages.server) \(.websocket.close.code) \(.websocket.close.reason) \(.websocket.close.replied)"' \
        "$TMP/re.ndjson")"
check_eq "no gap either way, no STREAM_GAP, not incomplete" "0 0 0 false" \
    "$(jq -r '"\(.stats.gaps.client) \(.stats.gaps.server) \([.findings[] | select(.id == "STREAM_GAP")] | length) \(.incomplete)"' \
        "$TMP/re.ndjson")"
check_eq "every byte of both streams delivered (the reference's stream_bytes)" \
    "$(jq -c .stats.stream_bytes "$TMP/ref.ndjson")" "$(jq -c .stats.stream_bytes "$TMP/re.ndjson")"

# tshark: frames per direction and opcode in the reordered capture
port=$(jq -r .server.port "$TMP/re.ndjson")
tshark -r "$re" -d "tcp.port==$port,http" -o tcp.reassemble_out_of_order:TRUE -Y websocket \
    -T fields -e tcp.srcport -e websocket.opcode 2>/dev/null >"$TMP/ts.txt"
ts_frames=$(awk -v s="$port" '{ n[($1 == s ? "server" : "client") " " $2]++ }
    END { for (k in n) print k, n[k] }' "$TMP/ts.txt" | sort)
up_frames=$(jq -r '.websocket.frames | to_entries[] | .key as $d | .value | to_entries[]
    | select(.value > 0)
    | "\($d) \({continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10, reserved: -1}[.key]) \(.value)"' \
    "$TMP/re.ndjson" | sort)
check "tshark decodes WebSocket frames in the reordered capture" test -s "$TMP/ts.txt"
check_eq "upscope's frames per direction and opcode are tshark's" "$ts_frames" "$up_frames"

# the capture really is reordered: tshark sees ACKs of data it has not seen yet (none in the
# reference)
flags='tcp.analysis.ack_lost_segment || tcp.analysis.out_of_order'
n_re=$(tshark -r "$re" -Y "$flags" 2>/dev/null | wc -l)
n_ref=$(tshark -r "$ref" -Y "$flags" 2>/dev/null | wc -l)
check "tshark: ACKs before their data in the reordered capture ($n_re)" test "$n_re" -gt 0
check_eq "... and none in the reference" 0 "$n_ref"

# with no window the same capture has gaps
"$UPSCOPE" -q -j "$TMP/nowin.ndjson" --reorder-packets=0 -r "$re"
check "--reorder-packets=0: gaps in the client's stream, a STREAM_GAP finding" \
    jq -e '.stats.gaps.client > 0 and ([.findings[] | select(.id == "STREAM_GAP")] | length) > 0' \
    "$TMP/nowin.ndjson"
"$UPSCOPE" -q -j "$TMP/nowin.ndjson" --reorder-packets=0 -r "$ref"
check_eq "--reorder-packets=0 on the reference: no gap (nothing to wait for there)" "0 0" \
    "$(jq -r '"\(.stats.gaps.client) \(.stats.gaps.server)"' "$TMP/nowin.ndjson")"
done_testing
