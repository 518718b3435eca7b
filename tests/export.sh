#!/bin/bash
# -w and --only: the packets of the reported sessions' connections, in capture order, whole
# connections (handshake to final ACK); write failures are an error, never a silently cut file.
# tshark is the oracle for which packets the input holds for those connections.
. "$(dirname "$0")/lib.sh"
GEN="$PY $top_srcdir/tests/pcapgen.py"

# several real captures overlapping in time, as on a busy link: plain HTTP keep-alive beside
# WebSocket and h2c upgrades, one with a bad Accept (an error)
$GEN interleave "$TMP/in.pcap" "$CAPTURES/http-keepalive.pcap" "$CAPTURES/ws-basic.pcap" \
    "$CAPTURES/ws-bad-accept.pcap" "$CAPTURES/h2c-curl.pcap" "$CAPTURES/ws-deflate.pcap" \
    "$CAPTURES/ws-rejected.pcap"

# packets as tshark lists them: time, ports, raw sequence number, length
packets() { # FILE [FILTER]
    local filter=(); [ -n "${2:-}" ] && filter=(-Y "$2")
    tshark -r "$1" "${filter[@]}" -T fields -e frame.time_epoch -e tcp.srcport -e tcp.dstport \
        -e tcp.seq_raw -e tcp.len 2>/dev/null
}
port_filter() { # client ports on stdin → "tcp.port in {...}"
    echo "tcp.port in {$(sort -un | paste -sd,)}"
}

"$UPSCOPE" -q -j "$TMP/all.ndjson" -w "$TMP/all.pcap" -r "$TMP/in.pcap"
check_eq "-w: exit status 0" 0 $?
filter=$(jq -r .client.port "$TMP/all.ndjson" | port_filter)
packets "$TMP/in.pcap" "$filter" >"$TMP/want"
packets "$TMP/all.pcap" >"$TMP/got"
check_eq "-w: tshark lists packets of the session connections" yes \
    "$([ "$(wc -l <"$TMP/want")" -gt 50 ] && echo yes)"
check_eq "-w: the session connections' packets, all of them, in capture order" \
    "$(md5sum <"$TMP/want")" "$(md5sum <"$TMP/got")"
check_eq "-w: and nothing of the plain HTTP connections" 0 \
    "$(packets "$TMP/all.pcap" "tcp.port == 18080" | wc -l)"
check_eq "-w: timestamps never go back" 0 \
    "$(cut -f1 "$TMP/got" | awk 'NR > 1 && $1 < prev { n++ } { prev = $1 } END { print n + 0 }')"

"$UPSCOPE" -q -j "$TMP/err.ndjson" --only=errors -w "$TMP/err.pcap" -r "$TMP/in.pcap"
check_eq "--only=errors: exit status 0" 0 $?
check_eq "--only=errors: the report has the error sessions only" \
    "$(jq -c 'select(.findings | map(.severity) | index("error"))' "$TMP/all.ndjson" | wc -l)" \
    "$(wc -l <"$TMP/err.ndjson")"
filter=$(jq -r .client.port "$TMP/err.ndjson" | port_filter)
packets "$TMP/in.pcap" "$filter" >"$TMP/want"
packets "$TMP/err.pcap" >"$TMP/got"
check_eq "--only=errors -w: tshark lists packets of the error connections" yes \
    "$([ "$(wc -l <"$TMP/want")" -gt 5 ] && echo yes)"
check_eq "--only=errors -w: whole connections, final ACKs included, in capture order" \
    "$(md5sum <"$TMP/want")" "$(md5sum <"$TMP/got")"
check_eq "--only=errors -w: upscope reads the file back to the same sessions" \
    "$(jq -c '[.transition, .outcome, .client.port]' "$TMP/err.ndjson")" \
    "$("$UPSCOPE" -q -j - --only=errors -r "$TMP/err.pcap" | jq -c '[.transition, .outcome, .client.port]')"

# a full disk is an error, with a message, not a cut file and status 0
"$UPSCOPE" -q -w /dev/full -r "$TMP/in.pcap" 2>"$TMP/full.err"
check_eq "-w /dev/full: exit status 1" 1 $?
check_contains "-w /dev/full: says what failed" "$TMP/full.err" "/dev/full: No space left on device"
"$UPSCOPE" -q --only=websocket -w /dev/full -r "$TMP/in.pcap" 2>"$TMP/full.err"
check_eq "--only -w /dev/full: exit status 1" 1 $?
"$UPSCOPE" -r "$TMP/in.pcap" >/dev/full 2>"$TMP/full.err"
check_eq "summary to /dev/full: exit status 1" 1 $?
check_contains "summary to /dev/full: says so" "$TMP/full.err" "writing the summary failed"
"$UPSCOPE" -q -j /dev/full -r "$TMP/in.pcap" 2>"$TMP/full.err"
check_eq "-j /dev/full: exit status 1" 1 $?
check_eq "-j /dev/full: says what failed, naming the file, once" \
    "upscope: writing the NDJSON report failed: /dev/full: No space left on device" \
    "$(cat "$TMP/full.err")"
# with nothing left to write to, reading stops (a full disk under a big capture: not minutes
# of work for nothing); the packets counted are fewer than the file's (tshark's count)
"$PY" "$top_srcdir/tests/pcapgen.py" many-ws 500 "$TMP/many.pcap"
"$UPSCOPE" -q --stats -j /dev/full -r "$TMP/many.pcap" 2>"$TMP/full.err"
check_eq "-j /dev/full, the only output: exit status 1" 1 $?
check "... and reading stopped early (packets read < the file's $(tshark -r "$TMP/many.pcap" 2>/dev/null | wc -l))" \
    test "$(awk '$1 == "packets" { print $2 }' "$TMP/full.err")" -lt \
    "$(tshark -r "$TMP/many.pcap" 2>/dev/null | wc -l)"
"$UPSCOPE" --stats -j /dev/full -r "$TMP/many.pcap" >"$TMP/out" 2>"$TMP/full.err"
status=$?
check_eq "-j /dev/full with the summary still written: status 1, read to the end" \
    "1 $(tshark -r "$TMP/many.pcap" 2>/dev/null | wc -l)" \
    "$status $(awk '$1 == "packets" { print $2 }' "$TMP/full.err")"
check_eq "... every session in the summary" 500 "$(grep -c '^#[0-9]' "$TMP/out")"

# a -w that cannot be opened: status 1 and no tally on standard output
"$UPSCOPE" -w /nonexistent/dir/x.pcap -r "$TMP/in.pcap" >"$TMP/out" 2>"$TMP/open.err"
check_eq "-w into a missing directory: exit status 1" 1 $?
check_eq "-w into a missing directory: no tally printed" 0 "$(wc -c <"$TMP/out")"

done_testing
