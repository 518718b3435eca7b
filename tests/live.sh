#!/bin/bash
# Live capture on the loopback interface while real clients and servers (python3 websockets,
# captures/peers.py) talk: the text summary and NDJSON stream as sessions complete, SIGINT
# finishes cleanly with open sessions marked incomplete, -w writes a readable pcap, -Z drops
# root, and the UI shows live sessions as they happen. Capturing needs root (or CAP_NET_RAW).
. "$(dirname "$0")/lib.sh"
peers="$CAPTURES/peers.py"
pids=()
sock="upscope-live-$$"
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    tmux -L "$sock" kill-server 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

# what this script needs, said once instead of a failure per check
"$PY" -c "import websockets" 2>/dev/null ||
    skip_all "python3 websockets is not installed (apt-get install python3-websockets)"
"$UPSCOPE" -i lo -N >/dev/null 2>"$TMP/probe.err" & probe=$!
for _ in $(seq 50); do
    grep -q "listening on" "$TMP/probe.err" && break
    kill -0 $probe 2>/dev/null || break
    sleep 0.1
done
kill -INT $probe 2>/dev/null; wait $probe 2>/dev/null
grep -q "listening on" "$TMP/probe.err" ||
    skip_all "capturing on lo needs root or CAP_NET_RAW ($(head -1 "$TMP/probe.err"))"

# a free port in a range of our own, one per scenario
port=$((20000 + $$ % 20000))
next_port() { port=$((port + 1)); }

wait_file() { # FILE TEXT: until FILE contains TEXT, at most 10 s
    for _ in $(seq 100); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

server() { "$PY" "$peers" ws-server "$1" >/dev/null 2>&1 & pids+=($!); sleep 0.5; }

# start_upscope OUT_PREFIX ARGS...: in the background, waits until it listens
start_upscope() {
    local out=$1; shift
    "$UPSCOPE" "$@" >"$out.out" 2>"$out.err" &
    up=$!
    pids+=("$up")
    wait_file "$out.err" "listening on lo"
}

# 1. -N: a complete session, then SIGINT
next_port; server $port
check "-N: upscope listens on lo" start_upscope "$TMP/a" -i lo -N -j "$TMP/a.ndjson" \
    tcp port $port
"$PY" "$peers" ws-client $port >/dev/null 2>&1
check "-N: the session's summary is printed as it completes" wait_file "$TMP/a.out" \
    "websocket switched (101 Switching Protocols)"
check "-N: its NDJSON line is flushed at once" wait_file "$TMP/a.ndjson" '"outcome":"switched"'
kill -INT $up; wait $up; status=$?
check_eq "SIGINT: a clean exit" 0 "$status"
check_contains "SIGINT: the capture counters are printed" "$TMP/a.err" "packets captured"
check_eq "-N: one session, complete" "switched websocket false" \
    "$(jq -r 'select(.id) | [.outcome, .transition, .incomplete] | join(" ")' "$TMP/a.ndjson")"
check_eq "live: the report ends with the run record (interface, ended, kernel counters)" \
    "lo true capture stopped 0" \
    "$(tail -1 "$TMP/a.ndjson" | jq -r '.run | "\(.source) \(.live) \(.ended) \(.kernel.dropped)"')"
check_eq "... its packets and received counts as the stderr line says" \
    "$(sed -n 's/^upscope: \([0-9]*\) packets captured, \([0-9]*\) received by filter.*/\1 \2/p' "$TMP/a.err")" \
    "$(tail -1 "$TMP/a.ndjson" | jq -r '.run | "\(.packets) \(.kernel.received)"')"

# 2. SIGINT while a session is open: reported, marked incomplete; -w writes it
next_port; server $port
check "open session: upscope listens" start_upscope "$TMP/b" -i lo -q -j "$TMP/b.ndjson" \
    -w "$TMP/b.pcap" tcp port $port
"$PY" "$peers" ws-client $port hold=30 >/dev/null 2>&1 & client=$!; pids+=("$client")
sleep 2
kill -TERM $up; wait $up; status=$?
check_eq "SIGTERM with an open session: a clean exit" 0 "$status"
check_eq "the open session is reported as incomplete" "switched true" \
    "$(jq -r 'select(.id) | [.outcome, .incomplete] | join(" ")' "$TMP/b.ndjson")"
check_eq "-w: the pcap holds the session" "switched" \
    "$("$UPSCOPE" -q -j - -r "$TMP/b.pcap" | jq -r .outcome)"
check "-w: the pcap is valid for capinfos" capinfos "$TMP/b.pcap"
kill $client 2>/dev/null

# 2b. a quiet link: an idle connection still times out on the wall clock (no packet arrives to
# advance packet time; the client holds its WebSocket open, silent, well past the timeout)
next_port; server $port
check "quiet link: upscope listens" start_upscope "$TMP/q" -i lo -q -j "$TMP/q.ndjson" \
    --flow-timeout=2 tcp port $port
"$PY" "$peers" ws-client $port hold=15 >/dev/null 2>&1 & client=$!; pids+=("$client")
check "quiet link: the idle session is reported after --flow-timeout" wait_file \
    "$TMP/q.ndjson" '"incomplete":true'
check "quiet link: while its client still holds the connection open" kill -0 $client
kill -INT $up; wait $up
kill $client 2>/dev/null
check_eq "quiet link: reported once, as switched and incomplete" "switched true" \
    "$(jq -r 'select(.id) | [.outcome, .incomplete] | join(" ")' "$TMP/q.ndjson")"

# 3. -Z: root dropped once the capture is open
if [ "$(id -u)" = 0 ]; then
    next_port; server $port
    chmod 777 "$TMP"
    check "-Z nobody: upscope listens" start_upscope "$TMP/c" -i lo -N -Z nobody \
        -j "$TMP/c.ndjson" tcp port $port
    check_eq "-Z nobody: it runs as nobody" nobody "$(ps -o user= -p $up | tr -d ' ')"
    "$PY" "$peers" ws-client $port >/dev/null 2>&1
    check "-Z nobody: and still sees the session" wait_file "$TMP/c.ndjson" '"switched"'
    check_eq "-Z nobody: its report file belongs to nobody" nobody "$(stat -c %U "$TMP/c.ndjson")"
    kill -INT $up; wait $up
else
    "$UPSCOPE" -i lo -Z nobody -N >/dev/null 2>"$TMP/c.err"
    check_contains "-Z without root is refused" "$TMP/c.err" "there is nothing to drop"
fi

# 4. the UI, live: sessions appear while they happen
if ! have_pty; then
    skip "UI live" "no pseudo-terminal here ($(head -1 "$TMP/pty.err"))"
    done_testing
    exit
fi
next_port; server $port
tmux -L "$sock" new-session -d -s live -x 120 -y 30 \
    "env LANG=C.UTF-8 '$UPSCOPE' -i lo tcp port $port; echo EXITED \$?; sleep 600"
pane() { tmux -L "$sock" capture-pane -p -t live; }
wait_pane() { for _ in $(seq 100); do pane | grep -qF -- "$1" && return 0; sleep 0.1; done; return 1; }
check "UI live: it starts on a terminal by default" wait_pane "live: lo"
"$PY" "$peers" ws-client $port hold=3 >/dev/null 2>&1 & pids+=($!)
check "UI live: the open session shows while it lasts" wait_pane "switched*"
check "UI live: and is marked ended once it closes" wait_pane "switched "
wait_pane_re() { for _ in $(seq 100); do pane | grep -qE -- "$1" && return 0; sleep 0.1; done; return 1; }
check "UI live: the status bar counts the session's packets on a quiet link" \
    wait_pane_re "pkts [1-9][0-9]* +drops 0"
tmux -L "$sock" send-keys -t live q
check "UI live: q quits cleanly" wait_pane "EXITED 0"

done_testing
