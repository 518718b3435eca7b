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

reported() { cat "$TMP"/m?.ndjson 2>/dev/null | wc -l; }
for _ in $(seq 100); do [ "$(reported)" -ge $SESSIONS ] && break; sleep 0.1; done
for p in "${members[@]}"; do kill -INT "$p"; wait "$p"; done

n1=$(wc -l <"$TMP/m1.ndjson"); n2=$(wc -l <"$TMP/m2.ndjson")
check_eq "together they report every session" $SESSIONS $((n1 + n2))
check_eq "each exactly once (no connection seen by both)" $SESSIONS \
    "$(jq -r '"\(.client.ip):\(.client.port)"' "$TMP"/m?.ndjson | sort -u | wc -l)"
check_eq "and each whole: switched, complete, a message each way" "$SESSIONS" \
    "$(jq -c 'select(.outcome == "switched" and .incomplete == false)' "$TMP"/m?.ndjson | wc -l)"
check "the group split the work: member 1 reported some ($n1)" test "$n1" -gt 0
check "and member 2 some ($n2)" test "$n2" -gt 0
for m in 1 2; do
    check_eq "member $m: no kernel drops" 0 "$(stat_of pcap.dropped <"$TMP/m$m.err")"
done
done_testing
