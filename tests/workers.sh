#!/bin/bash
# --workers N: a reader thread and N worker threads give what one worker gives — the same
# NDJSON byte for byte (session ids, flow ids, order), the same summary and HTML report, the
# same counters — on every sample capture (key logs, tunnels, fragments, pcapng), on the
# benchmark generator's capture of a thousand interleaved connections (whose expected session
# counts come from bench/gen.py) with tshark's tcp.stream numbers as an independent check of the
# flow ids, and live. What it cannot combine with is refused in words.
. "$(dirname "$0")/lib.sh"
GEN="$top_srcdir/tests/pcapgen.py"

# under a checker (CI's valgrind: each run takes seconds) a few captures of each kind, not all
checked=${UPSCOPE_WRAPPER:+yes}

keylogs() { # CAPTURE → the --keylog options for the key logs beside it
    local d k
    d=$(dirname "$1")
    for k in "$d"/*.keys; do [ -f "$k" ] && printf -- '--keylog=%s\n' "$k"; done
}

# ---- every sample capture: one worker and several give the same bytes ----
n=0; differ=()
if [ -n "$checked" ]; then
    samples=("$CAPTURES"/ws-deflate.pcap "$CAPTURES"/h2c-curl.pcap "$CAPTURES"/tls/browser-wss.pcap
             "$CAPTURES"/corpus/nDPI__false_positives.pcapng "$CAPTURES"/connect/*wss*.pcap)
else
    samples=("$CAPTURES"/*.pcap* "$CAPTURES"/*/*.pcap*)
fi
for f in "${samples[@]}"; do
    [ -f "$f" ] || continue
    mapfile -t kl < <(keylogs "$f")
    for mode in "" --all; do
        "$UPSCOPE" -q $mode "${kl[@]}" -r "$f" -j "$TMP/one.ndjson" 2>/dev/null
        "$UPSCOPE" -q $mode "${kl[@]}" --workers 3 -r "$f" -j "$TMP/three.ndjson" 2>/dev/null
        n=$((n + 1))
        cmp -s "$TMP/one.ndjson" "$TMP/three.ndjson" || differ+=("$(basename "$f") $mode")
    done
done
check_eq "every sample capture ($n runs, with and without --all): --workers 3 writes the same NDJSON" \
    "" "${differ[*]}"
check "...and the samples were not all empty" test "$n" -gt "$([ -n "$checked" ] && echo 8 || echo 150)"

# key logs shared by the workers: the wss:// session is decrypted in both
f="$CAPTURES/tls/browser-wss.pcap"
check_eq "--workers 2 decrypts with the key log: the wss:// WebSocket is found" "websocket" \
    "$("$UPSCOPE" -q --workers 2 --keylog="$CAPTURES/tls/browser-wss.keys" -r "$f" -j - |
       jq -r 'select(.transition == "websocket") | .transition' | sort -u)"

# tunnels and IP fragments: decapsulated and reassembled by the reader, in every variant
rm -rf "$TMP/v"; mkdir -p "$TMP/v"
"$PY" "$GEN" variants "$CAPTURES/ws-deflate.pcap" "$TMP/v"
differ=()
for v in "$TMP"/v/*.pcap; do
    args=(-r "$v"); [ "$(basename "$v")" = vxlan-4790.pcap ] && args+=(--tunnel-port=vxlan:4790)
    "$UPSCOPE" -q "${args[@]}" -j "$TMP/one.ndjson"
    "$UPSCOPE" -q --workers 2 "${args[@]}" -j "$TMP/two.ndjson"
    cmp -s "$TMP/one.ndjson" "$TMP/two.ndjson" || differ+=("$(basename "$v")")
    grep -q '"outcome":"switched"' "$TMP/two.ndjson" || differ+=("$(basename "$v"):none")
done
check_eq "tunnel and fragment variants ($(ls "$TMP"/v/*.pcap | wc -l)): the same, switched" "" \
    "${differ[*]}"

if [ -n "$checked" ]; then
    ok "# SKIP the thousand-connection capture and live: under a checker (UPSCOPE_WRAPPER)"
    done_testing
    exit
fi

# ---- a thousand connections, interleaved as on a busy link ----
"$PY" "$top_srcdir/bench/gen.py" --scale 0.01 --upscope "$UPSCOPE" "$TMP/bench.pcap" >/dev/null
big="$TMP/bench.pcap"
"$UPSCOPE" --all --stats -r "$big" -j "$TMP/all1.ndjson" --html "$TMP/one.html" \
    >"$TMP/sum1" 2>"$TMP/stats1"
for w in 2 4; do
    "$UPSCOPE" --all --stats --workers $w -r "$big" -j "$TMP/all$w.ndjson" --html "$TMP/w$w.html" \
        >"$TMP/sum$w" 2>"$TMP/stats$w"
    check "bench capture, --all: --workers $w writes the same NDJSON as one worker" \
        cmp "$TMP/all1.ndjson" "$TMP/all$w.ndjson"
    check "bench capture: --workers $w prints the same summary" cmp "$TMP/sum1" "$TMP/sum$w"
    # the report says when it was written: that line aside
    check "bench capture: --workers $w writes the same HTML report" \
        cmp <(grep -v ' UTC by upscope ' "$TMP/one.html") <(grep -v ' UTC by upscope ' "$TMP/w$w.html")
    # peaks are each worker's, summed (documented), and so is the count of --memcap's heap
    # measurements (each worker measures on its own packet count); every other counter is
    # the same
    check "bench capture: --workers $w counts the same (--stats, peaks and measurements aside)" \
        diff <(grep -vE '_peak|memcap.checks' "$TMP/stats1") \
            <(grep -vE '_peak|memcap.checks' "$TMP/stats$w")
done
check_eq "the capture is the busy one asked for: a thousand connections" 1051 \
    "$(stat_of flows.created <"$TMP/stats2")"
"$UPSCOPE" -q --workers 2 -r "$big" -j "$TMP/def2.ndjson"
counts() { jq -r '"\(.transition)/\(.outcome)"' "$1" | sort | uniq -c | awk '{print $2 "=" $1}'; }
want() { jq -r ".expected.$1 | to_entries[] | \"\(.key)=\(.value)\"" "$big.expected.json" | sort; }
check_eq "--workers 2: the sessions bench/gen.py put in the capture" "$(want default)" \
    "$(counts "$TMP/def2.ndjson" | sort)"
check_eq "--workers 2 --all: a session for every connection, as gen.py counts them" "$(want all)" \
    "$(counts "$TMP/all2.ndjson" | sort)"
check_eq "ids: 1..N in order, none twice" "$(seq "$(wc -l <"$TMP/all2.ndjson")")" \
    "$(jq -r .id "$TMP/all2.ndjson" | sort -n)"

# flow ids are Wireshark's tcp.stream numbers, however the connections were split
# (each endpoint of every TCP packet, with the stream tshark numbered it in)
tshark -r "$big" -Y tcp -T fields -e tcp.stream -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport \
    2>/dev/null | awk '{print $2 ":" $3 " " $1; print $4 ":" $5 " " $1}' | sort -u >"$TMP/ts"
jq -r 'select(.transition != "connect" and (.carried_by | length) == 0) |
       "\(.client.ip):\(.client.port) \(.flow_id - 1)"' "$TMP/all4.ndjson" | sort -u >"$TMP/us"
check_eq "--workers 4: every connection's tcp_stream is tshark's tcp.stream" "" \
    "$(join -v 2 "$TMP/ts" "$TMP/us" | head -3; join "$TMP/ts" "$TMP/us" | awk '$2 != $3' | head -3)"
check "...for over a thousand connections compared" \
    test "$(join "$TMP/ts" "$TMP/us" | wc -l)" -gt 1000

# -c COUNT: the reader stops there, the workers finish what they were given
check "-c 5000: the same reports with workers" cmp \
    <("$UPSCOPE" -q --all -c 5000 -r "$big" -j -) <("$UPSCOPE" -q --all -c 5000 --workers 2 -r "$big" -j -)

# ---- what it does not combine with ----
"$UPSCOPE" --workers 2 -r "$big" -w "$TMP/out.pcap" >/dev/null 2>"$TMP/err"; status=$?
check_eq "--workers with -w: refused (usage)" 1 "$status"
check_contains "...saying why" "$TMP/err" "--workers does not combine with -w"
"$UPSCOPE" --workers 0 -r "$big" >/dev/null 2>"$TMP/err"; status=$?
check_eq "--workers 0: refused" 1 "$status"
check_contains "...naming the range" "$TMP/err" "--workers"

# ---- live: the reader's clock reaches the workers ----
port=$((30000 + $$ % 20000))
"$UPSCOPE" -i lo -N --workers 2 -j "$TMP/live.ndjson" tcp port $port >"$TMP/live.out" \
    2>"$TMP/live.err" &
up=$!
for _ in $(seq 50); do
    grep -q "listening on" "$TMP/live.err" && break
    kill -0 $up 2>/dev/null || break
    sleep 0.1
done
if ! grep -q "listening on" "$TMP/live.err"; then
    kill $up 2>/dev/null; wait $up 2>/dev/null
    skip "live with --workers" "capturing on lo needs root or CAP_NET_RAW"
elif ! "$PY" -c "import websockets" 2>/dev/null; then
    kill $up 2>/dev/null; wait $up 2>/dev/null
    skip "live with --workers" "python3 websockets is not installed"
else
    "$PY" "$CAPTURES/peers.py" ws-server $port >/dev/null 2>&1 & srv=$!
    sleep 0.5
    "$PY" "$CAPTURES/peers.py" ws-client $port >/dev/null 2>&1
    for _ in $(seq 50); do grep -q switched "$TMP/live.out" && break; sleep 0.1; done
    kill -INT $up; wait $up; status=$?
    kill $srv 2>/dev/null; wait $srv 2>/dev/null
    check_eq "live, --workers 2: a clean exit on SIGINT" 0 "$status"
    check_contains "live, --workers 2: the WebSocket session is reported as it ends" \
        "$TMP/live.out" "websocket switched (101 Switching Protocols)"
    check_eq "live, --workers 2: its NDJSON line" "websocket/switched" \
        "$(jq -r '"\(.transition)/\(.outcome)"' "$TMP/live.ndjson" | head -1)"
    check_contains "live, --workers 2: the capture counters" "$TMP/live.err" "packets captured"

    # a quiet link: the clock alone ends an idle session, and its report comes out then,
    # not when the next packet happens to arrive
    port=$((port + 1))
    "$UPSCOPE" -i lo -N --workers 2 --flow-timeout=2 -j "$TMP/idle.ndjson" tcp port $port \
        >"$TMP/idle.out" 2>"$TMP/idle.err" &
    up=$!
    for _ in $(seq 50); do grep -q "listening on" "$TMP/idle.err" && break; sleep 0.1; done
    "$PY" "$CAPTURES/peers.py" ws-server $port >/dev/null 2>&1 & srv=$!
    sleep 0.5
    "$PY" "$CAPTURES/peers.py" ws-client $port hold=10 >/dev/null 2>&1 & cli=$!
    for _ in $(seq 80); do grep -q '"incomplete":true' "$TMP/idle.ndjson" 2>/dev/null && break
                           sleep 0.1; done
    kill -0 $cli 2>/dev/null && alive=yes || alive=no
    check_eq "live, --workers 2, quiet link: the idle session reported while it still holds" \
        "yes websocket/switched" \
        "$alive $(jq -r 'select(.incomplete) | "\(.transition)/\(.outcome)"' "$TMP/idle.ndjson" 2>/dev/null | head -1)"
    kill $cli $srv 2>/dev/null; wait $cli $srv 2>/dev/null
    kill -INT $up; wait $up
fi

done_testing
