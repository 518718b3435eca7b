#!/bin/bash
# Regenerates the WebSocket lifecycle captures ("why did my WebSocket die?": timings, how it
# ended, pings and pongs, idle timeouts) on the loopback interface, with real clients, servers
# and proxies (see README.md). Needs root (tcpdump), and Debian 12's tcpdump, tshark,
# python3-websockets, haproxy and nginx (nginx-light is enough), iproute2 (ss): it installs those
# that are missing with apt-get.
#   captures/life/make.sh            all captures
#   captures/life/make.sh NAME...    only these (names without .pcap)
# Each capture holds one scenario on its own port (19600-19699). Beside NAME.pcap goes NAME.log:
# every WebSocket frame each peer sent and received, with its wall-clock time, and how each peer
# saw the connection end (life.py's docstring has the format), plus the proxy's own log lines.
# After the captures, oracle.txt is remade (oracle.sh of every capture).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py="/usr/bin/python3 $here/life.py"
export here py
pids=()

cleanup() {
    for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

wait_listen() { # PORT: wait until something listens there (no probe connection: ss)
    for _ in $(seq 100); do
        [ -n "$(ss -Hltn "sport = :$1")" ] && return 0
        sleep 0.05
    done
    echo "make.sh: nothing listens on port $1" >&2
    return 1
}

# capture NAME PORT SERVER_CMD CLIENT_CMD [BACKEND_PORT]: runs the server (in its own process
# group: a proxy and its backend are killed together), starts tcpdump on PORT only, runs the
# client. Both peers' stdout goes to NAME.log. A run whose capture shows a TCP retransmission
# (the loopback sends tail loss probes when a peer is slow to ACK on a busy machine) is made
# again, up to three times.
capture() {
    local name=$1
    for _ in 1 2 3; do
        capture_once "$@"
        [ "$(tshark -r "$here/$name.pcap" -Y tcp.analysis.retransmission 2>/dev/null | wc -l)" = 0 ] \
            && return 0
        echo "   (TCP retransmission in the capture; again)"
    done
}

capture_once() {
    local name=$1 port=$2 server=$3 client=$4 backend=${5:-}
    local out="$here/$name.pcap"
    export LOG="$here/$name.log"
    echo "== $name (port $port)"
    : >"$LOG"
    setsid bash -c "$server" >>"$LOG" &
    local spid=$!
    pids+=("$spid")
    wait_listen "$port"
    [ -z "$backend" ] || wait_listen "$backend"
    local tlog
    tlog=$(mktemp)
    tcpdump -i lo --immediate-mode -U -s 0 -w "$out.tmp" "tcp port $port" 2>"$tlog" &
    local tpid=$!
    for _ in $(seq 100); do grep -q "listening on" "$tlog" && break; sleep 0.05; done
    sleep 0.2
    bash -c "$client" >>"$LOG" || echo "   (client exited with $?)"
    sleep 0.5
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    kill -- "-$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
    mv "$out.tmp" "$out"
    chown --reference="$here" "$out" "$LOG"
    chmod 644 "$out" "$LOG"
    rm -f "$tlog"
    echo "   $(tcpdump -r "$out" 2>/dev/null | wc -l) packets, $(stat -c %s "$out") bytes"
}

want() { # NAME: selected on the command line (or no selection)?
    [ ${#selected[@]} -eq 0 ] && return 0
    local s
    for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}
selected=("$@")

# the Debian packages it needs, installed when missing (make.sh runs as root anyway)
missing=()
for c in tcpdump:tcpdump tshark:tshark haproxy:haproxy nginx:nginx-light ss:iproute2; do
    command -v "${c%%:*}" >/dev/null || missing+=("${c#*:}")
done
/usr/bin/python3 -c 'import websockets' 2>/dev/null || missing+=(python3-websockets)
if [ ${#missing[@]} -gt 0 ]; then
    echo "== apt-get install ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

WORK=$(mktemp -d)
export WORK
trap 'cleanup; rm -rf "$WORK"' EXIT

# ---- python websockets at both ends ----
want life-clean && capture life-clean 19600 \
    "exec $py ws-server 19600" "$py clean-client 19600"

want life-unsolicited-pong && capture life-unsolicited-pong 19605 \
    "exec $py ws-server 19605" "$py pong-client 19605"

# ---- raw peers that misbehave ----
want life-ping-unanswered && capture life-ping-unanswered 19602 \
    "exec $py hung-server 19602" "$py ping-client 19602"

want life-close-unanswered && capture life-close-unanswered 19603 \
    "exec $py close-server 19603" "$py close-client 19603"

want life-rst-in-flight && capture life-rst-in-flight 19604 \
    "exec $py big-server 19604" "$py big-client 19604"

# ---- a proxy's idle timeout between a websockets client and a websockets server ----
# haproxy (HTTP mode, timeout tunnel 1s) on 19601 in front of the backend on 19651; only the
# client side (19601) is captured. Its log lines (stdout, log-format in haproxy.cfg) go to the log
# through a pipe: written straight to NAME.log they overwrote the client's lines (haproxy's
# fcntl on its stdout drops O_APPEND from the file description it shares with the backend).
want life-idle-haproxy && capture life-idle-haproxy 19601 \
    "$py ws-server 19651 label=backend & haproxy -db -f $here/haproxy.cfg | cat" \
    "$py idle-client 19601 sessions=3" 19651

# nginx (proxy_pass with the Upgrade headers, proxy_read_timeout 1s) on 19606 in front of the
# backend on 19656, one process (master_process off), its files under a scratch prefix; its
# error log (stderr, level info) and access log (stdout) go to the log, marked "nginx".
want life-nginx-idle && capture life-nginx-idle 19606 \
    "$py ws-server 19656 label=backend & mkdir -p \$WORK/nginx/logs \$WORK/nginx/tmp \
     && exec nginx -p \$WORK/nginx -c $here/nginx.conf -e stderr 2>&1 | sed -u 's/^/nginx /'" \
    "$py idle-client 19606 sessions=1" 19656

# ---- what tshark sees in all of them ----
for f in "$here"/life-*.pcap; do
    "$here/oracle.sh" "$(basename "$f" .pcap)"
    echo
done >"$here/oracle.txt"
chown --reference="$here" "$here/oracle.txt"
echo "== oracle.txt"
