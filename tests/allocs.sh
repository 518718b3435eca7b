#!/bin/bash
# Heap allocations on the common path: a connection's packets after its start allocate nothing.
# A malloc-counting shim (tests/malloc_count.c, LD_PRELOAD) counts every allocation of a run;
# the same two long-lived connections (a WebSocket session, a plain HTTP/1.1 download, made by
# tests/pcapgen.py long) with 100 times more packets must take exactly as many allocations, with
# one worker and with --workers 2. What a connection costs when it starts is measured on the
# benchmark generator's capture and bounded.
. "$(dirname "$0")/lib.sh"
GEN="$top_srcdir/tests/pcapgen.py"

[ -n "${UPSCOPE_WRAPPER:-}" ] && skip_all "under a checker (UPSCOPE_WRAPPER): it replaces malloc"
if nm "$UPSCOPE" 2>/dev/null | grep -q __asan_init || ldd "$UPSCOPE" 2>/dev/null | grep -q libasan; then
    skip_all "a sanitizer build: ASan replaces malloc"
fi
${CC:-cc} -O2 -shared -fPIC -o "$TMP/malloc_count.so" "$top_srcdir/tests/malloc_count.c" \
    2>"$TMP/cc.err" || skip_all "no C compiler to build the shim ($(head -1 "$TMP/cc.err"))"

allocs() { # ARGS...: the run's heap allocations
    LD_PRELOAD="$TMP/malloc_count.so" MALLOC_COUNT_FILE="$TMP/count" "$UPSCOPE" "$@" \
        >/dev/null 2>&1
    cat "$TMP/count"
}
packets() { "$UPSCOPE" -q --stats -r "$1" 2>&1 >/dev/null | stat_of packets; }

"$PY" "$GEN" long 20 "$TMP/short.pcap"
"$PY" "$GEN" long 2000 "$TMP/long.pcap"
short=$(packets "$TMP/short.pcap"); long=$(packets "$TMP/long.pcap")
check "the long capture has 5,000 packets more" test $((long - short)) -gt 5000
a=$(allocs -q -r "$TMP/short.pcap"); b=$(allocs -q -r "$TMP/long.pcap")
check "the shim counts (a run allocates)" test "$a" -gt 1000
check_eq "one worker: $((long - short)) more packets, no more allocations" "$a" "$b"
a=$(allocs -q --all -r "$TMP/short.pcap"); b=$(allocs -q --all -r "$TMP/long.pcap")
check_eq "--all: the same" "$a" "$b"
a=$(allocs -q --workers 2 -r "$TMP/short.pcap"); b=$(allocs -q --workers 2 -r "$TMP/long.pcap")
# (threads starting race with the reader: a run's total varies by one either way)
d=$((b > a ? b - a : a - b))
check "--workers 2: no more allocations either, packets cross in rings ($a, then $b)" test "$d" -le 2
check_eq "both sessions are there" "websocket/switched" \
    "$("$UPSCOPE" -q -r "$TMP/long.pcap" -j - | jq -r '"\(.transition)/\(.outcome)"')"

# what starting a connection costs: flow, connection state, nDPI's flow, heads, buffers
"$PY" "$top_srcdir/bench/gen.py" --scale 0.01 --upscope "$UPSCOPE" "$TMP/bench.pcap" >/dev/null
base=$(allocs -q -c 1 -r "$TMP/bench.pcap"); all=$(allocs -q -r "$TMP/bench.pcap")
conns=$("$UPSCOPE" -q --stats -r "$TMP/bench.pcap" 2>&1 >/dev/null | stat_of flows.created)
per=$(( (all - base) / conns ))
echo "# bench capture: $((all - base)) allocations for $conns connections: $per per connection"
check "a connection's start costs at most 40 allocations (now $per)" test "$per" -le 40

done_testing
