#!/bin/bash
# Snaplen-cut captures (tcpdump -s 160, captures/snaplen/): the session is reported as far as
# the captured bytes go, marked truncated with the bytes missing each way, and raises no
# finding that could rest on what was cut. tshark is the oracle for the frames of the request
# and the 101 and for the bytes cut (frame.len - frame.cap_len); captures/README.md for what
# the session did (ws-basic's: a text and a binary message echoed, ping/pong, close 1000).
. "$(dirname "$0")/lib.sh"
pcap="$CAPTURES/snaplen/ws-snap160.pcap"
"$UPSCOPE" -q -j "$TMP/r.ndjson" -r "$pcap"
check_eq "-s 160: one session, a WebSocket switched" "websocket switched" \
    "$(jq -r '"\(.transition) \(.outcome)"' "$TMP/r.ndjson")"
info() { tshark -r "$pcap" -T fields -e frame.number -e _ws.col.Info 2>/dev/null; }
check_eq "the request's and the 101's frames are those tshark shows cut" \
    "$(info | grep -F 'GET /chat HTTP/1.1 [Packet size limited' | cut -f1) $(info |
       grep -F '101 Switching Protocols [Packet size limited' | cut -f1)" \
    "$(jq -r '"\(.request.frame) \(.response.frame)"' "$TMP/r.ndjson")"
check_eq "the request's lines that were captured: Host, Upgrade, Connection (the key was cut)" \
    "Host Upgrade Connection" "$(jq -r '[.request.headers[][0]] | join(" ")' "$TMP/r.ndjson")"
port=$(jq -r .client.port "$TMP/r.ndjson")
check_eq "missing bytes per direction: tshark's frame.len - frame.cap_len, summed" \
    "$(tshark -r "$pcap" -T fields -e tcp.srcport -e frame.len -e frame.cap_len 2>/dev/null |
       awk -v c="$port" '{ m[$1 == c ? "client" : "server"] += $2 - $3 }
                         END { printf "%d %d", m["client"], m["server"] }')" \
    "$(jq -r '"\(.truncated.missing_bytes.client) \(.truncated.missing_bytes.server)"' "$TMP/r.ndjson")"
check_eq "no finding (the missing key, Accept and frame payloads are not the peers' fault)" 0 \
    "$(jq '.findings | length' "$TMP/r.ndjson")"
check "... those withheld are counted" test "$(jq .truncated.findings_withheld "$TMP/r.ndjson")" -gt 0
check_eq "the frames' headers were captured: the session's frames (captures/README: ws-basic's)" \
    "text 1 binary 1 close 1 ping 1|text 1 binary 1 close 1 pong 1" \
    "$(jq -r '[.websocket.frames.client, .websocket.frames.server] | map(to_entries |
              map(select(.value > 0) | "\(.key) \(.value)") | join(" ")) | join("|")' "$TMP/r.ndjson")"
# -s 96: only the request line survives whole, and the 101's status line is cut inside its
# reason phrase: the 101 answered what the request asked, the protocol is not known
pcap96="$CAPTURES/snaplen/ws-snap96.pcap"
"$UPSCOPE" -q -j "$TMP/r96.ndjson" -r "$pcap96"
info96() { tshark -r "$pcap96" -T fields -e frame.number -e _ws.col.Info 2>/dev/null; }
check_eq "-s 96: one session, switched by the 101, to a protocol the capture does not show" \
    "switched none /chat 101" \
    "$(jq -r '"\(.outcome) \(.transition) \(.request.target) \(.response.status)"' "$TMP/r96.ndjson")"
# (tshark decodes the GET; the cut status line it shows as "Continuation": its captured bytes,
# tcp.payload, are the oracle there)
first101=$(tshark -r "$pcap96" -Y 'tcp.srcport == 18096 && tcp.len > 0' -T fields -e frame.number \
           -e tcp.payload 2>/dev/null | head -1 |
           awk '{ print $1, $2 }' | while read -r f hex; do
               printf '%s %s\n' "$f" "$("$PY" -c 'import sys; print(bytes.fromhex(sys.argv[1])[:12].decode())' "$hex")"; done)
check_eq "-s 96: the server's first bytes are a 101's status line (tshark's tcp.payload)" \
    "HTTP/1.1 101" "${first101#* }"
check_eq "-s 96: the request's and the 101's frames as tshark shows them" \
    "$(info96 | grep -F 'GET /chat HTTP/1.1' | cut -f1 | head -1) ${first101%% *}" \
    "$(jq -r '"\(.request.frame) \(.response.frame)"' "$TMP/r96.ndjson")"
port96=$(jq -r .client.port "$TMP/r96.ndjson")
check_eq "-s 96: missing bytes per direction as tshark's lengths say" \
    "$(tshark -r "$pcap96" -T fields -e tcp.srcport -e frame.len -e frame.cap_len 2>/dev/null |
       awk -v c="$port96" '{ m[$1 == c ? "client" : "server"] += $2 - $3 }
                          END { printf "%d %d", m["client"], m["server"] }')" \
    "$(jq -r '"\(.truncated.missing_bytes.client) \(.truncated.missing_bytes.server)"' "$TMP/r96.ndjson")"
check_eq "-s 96: no finding" 0 "$(jq '.findings | length' "$TMP/r96.ndjson")"
"$UPSCOPE" -r "$pcap" >"$TMP/sum.txt"
check_contains "the summary says what was cut" "$TMP/sum.txt" \
    "truncated   the snap length cut 275/275 bytes client/server"
check_eq "a capture that is not cut has \"truncated\": null" null \
    "$("$UPSCOPE" -q -j - -r "$CAPTURES/ws-basic.pcap" | jq -c .truncated)"
done_testing
