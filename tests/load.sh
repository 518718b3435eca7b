#!/bin/bash
# Adversarial load (issue 11): each generator of tests/loadgen.py at two sizes (x1 and x4)
# with default settings. Asserts peak RSS <= 512 MiB, CPU time roughly linear in the input (x4
# the input: at most x6 the time), the --stats counters that say what was evicted, capped or
# declared a gap, that every line of -j is valid JSON and that every capped session says so.
#
# LOAD_SCALE (percent, default 100) scales the sizes down: the sanitizer run sets
# LOAD_SCALE=10. LOAD_RSS_MIB (default 512) is the RSS bound; 0 skips it (ASan's shadow memory
# and quarantine are not upscope's). Captures are streamed through a pipe, never stored. Under
# UPSCOPE_WRAPPER (valgrind) the script is skipped: minutes per run, and RSS is the checker's.
. "$(dirname "$0")/lib.sh"
gen="$PY $top_srcdir/tests/loadgen.py"
scale=${LOAD_SCALE:-100}
rss_max=${LOAD_RSS_MIB:-512}
tmp=$TMP

[ -z "${UPSCOPE_WRAPPER:-}" ] || skip_all "under a checker (UPSCOPE_WRAPPER)"
command -v jq >/dev/null || skip_all "jq missing"
[ -x /usr/bin/time ] || skip_all "/usr/bin/time missing (apt-get install time)"

scaled() { echo $(( $1 * scale / 100 > 0 ? $1 * scale / 100 : 1 )); }
# expect NAME TEST-ARGS...: a check (test(1) syntax), named when it fails
expect() { local name=$1; shift; if [ "$@" ]; then ok "$name"; else not_ok "$name"; fi; }

# run NAME GENERATOR-ARGS -- UPSCOPE-ARGS: streams the capture into upscope -q --stats -j;
# leaves $tmp/NAME.json, .stats and sets rss (KiB) and cpu (centiseconds, user + system).
run() {
    name=$1; shift
    gargs=
    while [ "$1" != "--" ]; do gargs="$gargs $1"; shift; done
    shift
    $gen $gargs - | /usr/bin/time -o "$tmp/$name.time" -f "%M %U %S" \
        "$UPSCOPE" -q --stats -j "$tmp/$name.json" "$@" -r - 2>"$tmp/$name.stats"
    st=$?
    expect "$name: upscope exits 0" $st -eq 0
    set -- $(cat "$tmp/$name.time")
    rss=$1
    cpu=$(echo "$2 $3" | awk '{ printf "%d", ($1 + $2) * 100 }')
    echo "# $name: peak RSS $((rss / 1024)) MiB, CPU $(echo "$cpu" | awk '{ printf "%.2f", $1 / 100 }') s"
    if [ "$rss_max" -ne 0 ]; then
        expect "$name: peak RSS $((rss / 1024)) MiB <= $rss_max MiB" $((rss / 1024)) -le "$rss_max"
    fi
    check "$name: every line of -j is valid JSON" jq -c . "$tmp/$name.json"
    lines=$(wc -l <"$tmp/$name.json")
}

stat() { awk -v k="$2" '$1 == k { print $2 }' "$tmp/$1.stats"; }

# linear NAME1 NAME4 CPU1 CPU4: x4 the input costs at most x6 the CPU (0.5 s floor for x1: a
# busy shared machine jitters more than that)
linear() {
    base=$(( $3 > 50 ? $3 : 50 ))
    expect "$2: CPU $4 cs within 6 x $1's ($3 cs)" "$4" -le $((base * 6))
}

# every session a --memcap or --max-flows eviction ended says so, one session per connection
evictions_reported() {
    ev=$(stat "$1" flows.evicted)
    said=$(jq -c 'select(.lifecycle.tcp.end == "evicted" and .incomplete)' "$tmp/$1.json" |
           wc -l)
    expect "$1: flows.evicted $ev = sessions marked evicted ($said)" "$said" -eq "$ev"
}

# 1. open WebSockets, each left mid-frame (2^63 length, unfinished fragments, unflushed deflate)
n1=$(scaled 25000); n4=$((n1 * 4))
run ws1 ws-open "$n1" --; c1=$cpu; l1=$lines
run ws4 ws-open "$n4" --; c4=$cpu
expect "ws1: every session reported ($l1 of $n1)" "$l1" -eq "$n1"
expect "ws4: every session reported ($lines of $n4)" "$lines" -eq "$n4"
linear ws1 ws4 "$c1" "$c4"
evictions_reported ws4
partial=$(jq -c 'select(.websocket.partial.messages.client == 1)' "$tmp/ws4.json" | wc -l)
expect "ws4: every session says its message was left partial ($partial of $n4)" "$partial" -eq "$n4"
expect "ws4: the default --memcap is 384 MiB" "$(stat ws4 memcap.limit)" -eq $((384 << 20))
if [ "$scale" -ge 100 ]; then
    # 100,000 sessions take ~1.5 GiB uncapped: the default memcap must have acted
    expect "ws4: the default memcap evicted ($(stat ws4 memcap.evicted))" "$(stat ws4 memcap.evicted)" -gt 0
fi

# 1b. a small --memcap: the heap stays near it and evictions are counted
run wsmem ws-open "$n1" -- --memcap=32
peak=$(stat wsmem memcap.heap_peak)
expect "wsmem: --memcap=32 evicted ($(stat wsmem memcap.evicted))" "$(stat wsmem memcap.evicted)" -gt 0
expect "wsmem: the heap peaked at $peak bytes, within 36 MiB" "$peak" -gt 0 -a "$peak" -le $((36 << 20))
expect "wsmem: every session reported ($lines of $n1)" "$lines" -eq "$n1"
evictions_reported wsmem

# 2. h2c connections with 1,000 open streams and a full HPACK table each
h1=$(scaled 1000); h4=$((h1 * 4))
run h2c1 h2c "$h1" 1000 --; c1=$cpu; l1=$lines
run h2c4 h2c "$h4" 1000 --; c4=$cpu
expect "h2c: every session reported ($l1/$lines of $h1/$h4)" "$l1/$lines" = "$h1/$h4"
linear h2c1 h2c4 "$c1" "$c4"
evictions_reported h2c4
n_ok=$(jq -c 'select(.h2c.streams == 1021 and .h2c.requests_dropped == 957 and .findings == [])' \
     "$tmp/h2c1.json" | wc -l)
expect "h2c1: every session counts 1021 streams, 957 requests dropped, no finding ($n_ok of $h1)" \
    "$n_ok" -eq "$h1"

# 3. a deflate bomb: 256 MiB and 1 GiB of zeros in one message, then a small message
b1=$(( $(scaled 256) > 64 ? $(scaled 256) : 65 )); b4=$((b1 * 4))
run bomb1 deflate-bomb "$b1" --; c1=$cpu
run bomb4 deflate-bomb "$b4" --; c4=$cpu
linear bomb1 bomb4 "$c1" "$c4"
for b in bomb1 bomb4; do
    check "$b: 2 messages, WS_DEFLATE_CAPPED and no other finding (no false deflate error)" \
        jq -e '.websocket.messages.client == 2 and ([.findings[].id] == ["WS_DEFLATE_CAPPED"])' \
        "$tmp/$b.json"
done

# 4. a 1 MB header line and a million headers, then an upgrade on the same connection
run head big-head --
expect "head: within 10 s of CPU ($cpu cs)" "$cpu" -le 1000
check "head: both heads HTTP_HEADER_TOO_LARGE, the upgrade after them switched" \
    jq -se '.[0].findings[0].id == "HTTP_HEADER_TOO_LARGE" and .[0].findings[0].count == 2 and
            .[1].outcome == "switched"' "$tmp/head.json"

# 5. connections with a 1 MiB hole and data after it (--all: each is reported)
o1=$(scaled 25000); o4=$((o1 * 4))
run holes1 holes "$o1" -- --all; c1=$cpu
run holes4 holes "$o4" -- --all; c4=$cpu
linear holes1 holes4 "$c1" "$c4"
for h in holes1:$o1 holes4:$o4; do
    name=${h%%:*}; n=${h#*:}
    expect "$name: reasm.gaps counts every hole ($(stat "$name" reasm.gaps) of $n)" \
        "$(stat "$name" reasm.gaps)" -eq "$n"
    said=$(jq -c 'select(.stats.gaps.client == 1 and any(.findings[]; .id == "STREAM_GAP"))' \
           "$tmp/$name.json" | wc -l)
    expect "$name: every session reports its gap ($said of $n)" "$said" -eq "$n"
done
if [ "$scale" -ge 100 ]; then
    # 100,000 queued segments pass the 64 MiB of out-of-order bytes allowed in all
    expect "holes4: the 64 MiB queue cap was hit, counted ($(stat holes4 reasm.queue_limit_hits))" \
        "$(stat holes4 reasm.queue_limit_hits)" -gt 0
fi

done_testing
