#!/bin/bash
# End to end: upscope's NDJSON report for every sample capture equals the expected report
# checked in beside it (tests/expected/, reviewed by hand against tshark; regenerate with
# tests/update-expected.sh). Also: every line is valid JSON with the contract's keys.
. "$(dirname "$0")/lib.sh"
EXPECTED="$top_srcdir/tests/expected"

for pcap in "$CAPTURES"/*.pcap "$CAPTURES"/corpus/*.pcap*; do
    name=$(basename "$pcap"); name=${name%.pcapng}; name=${name%.pcap}
    "$UPSCOPE" -q -j "$TMP/out.ndjson" -r "$pcap" 2>"$TMP/err"
    if ! jq -S -c '.capture.source |= (split("/") | last)' "$TMP/out.ndjson" >"$TMP/got" \
            2>>"$TMP/err"; then
        not_ok "$name: report is valid NDJSON"; sed 's/^/#   /' "$TMP/err"; continue
    fi
    if diff -u "$EXPECTED/$name.ndjson" "$TMP/got" >"$TMP/diff"; then
        ok "$name: report matches tests/expected/$name.ndjson"
    else
        not_ok "$name: report matches tests/expected/$name.ndjson"
        head -40 "$TMP/diff" | sed 's/^/#   /'
    fi
done

# the contract: keys every report line carries
pcap="$CAPTURES/ws-deflate.pcap"
"$UPSCOPE" -q -j - -r "$pcap" >"$TMP/one.ndjson"
for key in id client.ip client.port server.ip server.port start end transition outcome encapsulation \
           request.method request.target request.version request.headers response.status \
           response.reason response.headers websocket.key websocket.accept \
           websocket.accept_expected websocket.accept_valid websocket.version \
           websocket.subprotocols_offered websocket.subprotocol websocket.extensions_offered \
           websocket.extensions websocket.frames.client.text websocket.frames.server.pong \
           websocket.messages websocket.close.code websocket.close.reason \
           websocket.close.initiator findings stats.packets.client stats.bytes.server \
           stats.gaps.client; do
    leaf=${key##*.}
    parent=$(jq -nc --arg k "$key" '$k | split(".") | .[:-1]')
    check_eq "report has key $key" true \
        "$(jq -c --argjson p "$parent" --arg l "$leaf" 'getpath($p) | has($l)' "$TMP/one.ndjson")"
done
check_eq "start is RFC 3339 UTC with microseconds" 1 \
    "$(jq -r '.start' "$TMP/one.ndjson" | grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$')"

done_testing
