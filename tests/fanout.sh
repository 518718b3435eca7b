#!/bin/bash
# --fanout: two upscope processes in one AF_PACKET fanout group on one interface split its
# connections between them, and together report every session exactly once. The test makes
# its own network namespace with a veth pair and replays WebSocket sessions into one end with
# tcpreplay while both processes capture on the other. Needs root (namespaces, capture) and
# tcpreplay; skipped without them.
. "$(dirname "$0")/lib.sh"
SESSIONS=300
ns="upscope-fanout-$$"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

"$UPSCOPE" --fanout 3 -r "$CAPTURES/ws-basic.pcap" >/dev/null 2>"$TMP/usage.err"
check_eq "--fanout without -i is a usage error" 1 "$?"
check_contains "and says why" "$TMP/usage.err" "needs -i IFACE"
"$UPSCOPE" --fanout 65536 -i lo >/dev/null 2>&1
check_eq "a group past 65535 is refused" 1 "$?"

skip_rest() { ok "# SKIP the fanout run: $*"; done_testing; exit; }
[ "$(id -u)" = 0 ] || skip_rest "needs root"
command -v tcpreplay >/dev/null || skip_rest "tcpreplay is not installed"
ip netns add "$ns" 2>/dev/null || skip_rest "cannot create a network namespace"
in_ns() { ip netns exec "$ns" "$@"; }
ip -n "$ns" link add fo0 type veth peer name fo1 && ip -n "$ns" link set fo0 up &&
    ip -n "$ns" link set fo1 up || skip_rest "cannot make a veth pair"

"$PY" "$top_srcdir/tests/pcapgen.py" many-ws $SESSIONS "$TMP/ws.pcap"

wait_file() { # FILE TEXT: until FILE contains TEXT, at most 10 s
    for _ in $(seq 100); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
members=()
for m in 1 2; do
    # ip execs upscope: $! is upscope's own pid, for SIGINT
    ip netns exec "$ns" "$UPSCOPE" -i fo1 --fanout 4242 -N -q --stats -j "$TMP/m$m.ndjson" \
        >/dev/null 2>"$TMP/m$m.err" &
    pids+=($!); members+=($!)
    check "member $m joins the group and listens" wait_file "$TMP/m$m.err" "listening on fo1"
done
check "tcpreplay sends $SESSIONS sessions into the pair" in_ns tcpreplay -q -i fo0 "$TMP/ws.pcap"

# sessions: the lines with an id (a live run ends with its {"run": ...} record)
sessions_of() { jq -c 'select(.id)' "$@" 2>/dev/null; }
reported() { sessions_of "$TMP"/m?.ndjson | wc -l; }
for _ in $(seq 100); do [ "$(reported)" -ge $SESSIONS ] && break; sleep 0.1; done
for p in "${members[@]}"; do kill -INT "$p"; wait "$p"; done

n1=$(sessions_of "$TMP/m1.ndjson" | wc -l); n2=$(sessions_of "$TMP/m2.ndjson" | wc -l)
check_eq "together they report every session" $SESSIONS $((n1 + n2))
check_eq "each exactly once (no connection seen by both)" $SESSIONS \
    "$(sessions_of "$TMP"/m?.ndjson | jq -r '"\(.client.ip):\(.client.port)"' | sort -u | wc -l)"
check_eq "and each whole: switched, complete, a message each way" "$SESSIONS" \
    "$(jq -c 'select(.outcome == "switched" and .incomplete == false)' "$TMP"/m?.ndjson | wc -l)"
check_eq "each member's report ends with the run record: the kernel counters" "0 0" \
    "$(for m in 1 2; do tail -1 "$TMP/m$m.ndjson" | jq -r .run.kernel.dropped; done | paste -sd' ')"
check_eq "... matching --stats (received by filter)" \
    "$(stat_of pcap.received <"$TMP/m1.err")" "$(tail -1 "$TMP/m1.ndjson" | jq -r .run.kernel.received)"
check_eq "no session says the kernel dropped packets while it was open" "" \
    "$(jq -r 'select(.capture.drops_during) | .id' "$TMP"/m?.ndjson)"
check "the group split the work: member 1 reported some ($n1)" test "$n1" -gt 0
check "and member 2 some ($n2)" test "$n2" -gt 0
for m in 1 2; do
    check_eq "member $m: no kernel drops" 0 "$(stat_of pcap.dropped <"$TMP/m$m.err")"
done

# drops forced: a 1 KiB kernel buffer and no pause between packets. The run record counts
# them as --stats does, and sessions open while they happened say so
# ip execs upscope: $! is upscope's own pid, for SIGINT (a shell function's would not pass it)
ip netns exec "$ns" "$UPSCOPE" -i fo1 -B 1 -N -q --stats -j "$TMP/d.ndjson" >/dev/null 2>"$TMP/d.err" &
pids+=($!); small=$!
check "a 1 KiB buffer: upscope listens" wait_file "$TMP/d.err" "listening on fo1"
in_ns tcpreplay -q --topspeed -i fo0 "$TMP/ws.pcap" >/dev/null 2>&1
sleep 1; kill -INT $small; wait $small
dropped=$(tail -1 "$TMP/d.ndjson" | jq -r .run.kernel.dropped)
check "the kernel dropped packets ($dropped)" test "${dropped:-0}" -gt 0
check_eq "the run record's drops are --stats' ones" "$(stat_of pcap.dropped <"$TMP/d.err")" "$dropped"
check "sessions open while packets were dropped say so" \
    test "$(jq -c 'select(.capture.drops_during == true)' "$TMP/d.ndjson" | wc -l)" -gt 0
done_testing
