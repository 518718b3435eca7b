#!/bin/bash
# Regenerates the HTTP CONNECT (RFC 9110 §9.3.6) tunnel captures on the loopback interface:
# real clients talk to tinyproxy (127.0.0.1:18888, config tinyproxy.conf here), which opens
# TCP to a real server on 127.0.0.1:188xx. Only the client <-> proxy leg is captured
# (tcpdump 'tcp port 18888'). Needs root (tcpdump), and Debian 12's tinyproxy, tcpdump, tshark,
# curl, python3-websockets, iproute2 (ss), chromium (connect-chromium-wss only); installs
# tinyproxy when missing. Uses ../tls/test-cert.pem and ../tls/test-key.pem.
#   captures/connect/make.sh            all captures
#   captures/connect/make.sh NAME...    only these (names without .pcap)
# Beside NAME.pcap: NAME.log (what the peers and the proxy logged, see README.md) and, for the
# TLS captures, NAME.keys (the NSS key log the TLS client wrote).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py="/usr/bin/python3 $here/peers_connect.py"
cert=$here/../tls/test-cert.pem
proxy=18888
pids=()

cleanup() {
    for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

command -v tinyproxy >/dev/null || apt-get install -y tinyproxy >/dev/null

wait_listen() { # PORT: wait until something listens there (ss: no probe connection)
    for _ in $(seq 100); do
        [ -n "$(ss -Hltn "sport = :$1")" ] && return 0
        sleep 0.05
    done
    echo "make.sh: nothing listens on port $1" >&2
    return 1
}

stop() { # PID: kill its process group, wait for it
    kill -- "-$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# capture NAME SERVER_PORT SERVER_CMD CLIENT_CMD: starts tinyproxy and the server (each in its
# own process group; SERVER_CMD may be empty), tcpdump on the proxy port, runs the client,
# stops everything. The peers' stdout and tinyproxy's log (prefixed "tinyproxy: ") go to
# NAME.log. The commands see KEYS (NAME.keys) and WORK. A run whose capture shows a TCP
# retransmission, a segment tcpdump missed, or a drop tcpdump reports, is made again, up to
# three times.
capture() {
    local name=$1
    for _ in 1 2 3; do
        capture_once "$@"
        [ "$dropped" = 0 ] && [ "$(tshark -r "$here/$name.pcap" -Y 'tcp.analysis.retransmission ||
              tcp.analysis.lost_segment || tcp.analysis.ack_lost_segment' 2>/dev/null | wc -l)" = 0 ] \
            && return 0
        echo "   (TCP retransmission, or packets tcpdump missed or dropped; again)"
    done
}

capture_once() {
    local name=$1 sport=$2 server=$3 client=$4
    local out="$here/$name.pcap"
    export LOG="$here/$name.log" KEYS="$here/$name.keys"
    echo "== $name (proxy $proxy, server $sport)"
    : >"$LOG"
    rm -f "$KEYS"
    for port in "$proxy" "$sport"; do
        if [ -n "$(ss -Hltn "sport = :$port")" ]; then
            echo "make.sh: port $port is already in use" >&2
            return 1
        fi
    done
    setsid bash -c "cd '$here' && exec tinyproxy -d -c '$here/tinyproxy.conf' 2>&1 | sed -u 's/^/tinyproxy: /'" \
        >>"$LOG" &
    local ppid=$!
    pids+=("$ppid")
    wait_listen "$proxy"
    local spid=
    if [ -n "$server" ]; then
        setsid bash -c "$server" >>"$LOG" 2>&1 &
        spid=$!
        pids+=("$spid")
        wait_listen "$sport"
    fi
    local tlog
    tlog=$(mktemp)
    tcpdump -i lo --immediate-mode -U -B 8192 -s 0 -w "$out.tmp" "tcp port $proxy" 2>"$tlog" &
    local tpid=$!
    for _ in $(seq 100); do grep -q "listening on" "$tlog" && break; sleep 0.05; done
    sleep 0.2
    bash -c "$client" >>"$LOG" 2>&1 || echo "   (client exited with $?)"
    sleep 0.5
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    [ -z "$spid" ] || stop "$spid"
    stop "$ppid"
    mv "$out.tmp" "$out"
    chown --reference="$here" "$out" "$LOG"
    chmod 644 "$out" "$LOG"
    if [ -f "$KEYS" ]; then chown --reference="$here" "$KEYS"; chmod 644 "$KEYS"; fi
    dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$tlog")
    [ "$dropped" = 0 ] || echo "   tcpdump: ${dropped:-?} packets dropped by kernel"
    rm -f "$tlog"
    echo "   $(tcpdump -r "$out" 2>/dev/null | wc -l) packets, $(stat -c %s "$out") bytes$(
        [ -f "$KEYS" ] && echo ", $(grep -c '^[A-Z]' "$KEYS") secrets")"
}

want() { # NAME: selected on the command line (or no selection)?
    [ ${#selected[@]} -eq 0 ] && return 0
    local s
    for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}
selected=("$@")

export WORK
WORK=$(mktemp -d)
chmod 755 "$WORK"

# 1. ws:// through CONNECT: python websockets client given the tunnelled socket
want connect-ws && capture connect-ws 18801 \
    "exec $py ws-server 18801" "$py ws-client $proxy 18801"

# 2. https:// with curl: curl sends CONNECT by itself for an https URL and an http proxy
want connect-https && capture connect-https 18802 \
    "exec $py https-server 18802" \
    "SSLKEYLOGFILE=\$KEYS curl -v -sS -x http://127.0.0.1:$proxy --cacert $cert \
     https://127.0.0.1:18802/ 2>&1 | sed 's/^/curl: /'"

# 3. wss:// through CONNECT: TLS over the tunnel, the WebSocket upgrade inside the TLS
want connect-wss && capture connect-wss 18803 \
    "exec $py wss-server 18803" "$py wss-client $proxy 18803 \$KEYS"

# 4. refused CONNECTs: port 18804 is not a ConnectPort (403); 18806 is, but nothing listens
want connect-denied && capture connect-denied 18806 "" \
    "$py connect-only $proxy 18804 18806"

# 5. headless Chromium: a page over https and its wss:// WebSocket, both through the proxy.
# Chromium does not proxy loopback addresses unless told: --proxy-bypass-list='<-loopback>'.
want connect-chromium-wss && capture connect-chromium-wss 18805 \
    "exec $py page-server 18805" \
    "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
     --disable-background-networking --disable-component-update --disable-sync \
     --disable-default-apps --disable-domain-reliability --no-pings \
     --disable-client-side-phishing-detection --metrics-recording-only \
     --disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate,MediaRouter \
     --ignore-certificate-errors --user-data-dir=\$WORK/chromium \
     --host-resolver-rules='MAP * ~NOTFOUND , EXCLUDE 127.0.0.1' \
     --proxy-server=http://127.0.0.1:$proxy --proxy-bypass-list='<-loopback>' \
     --ssl-key-log-file=\$KEYS --dump-dom https://127.0.0.1:18805/ 2>/dev/null \
     | grep 'id=\"s\"' | sed 's/^/chromium dump-dom: /'"

rm -rf "$WORK"

# tshark's view of every capture (oracle.sh), for the README and the tests
for f in "$here"/*.pcap; do "$here/oracle.sh" "$(basename "$f" .pcap)"; echo; done \
    | sed "s#$here/##g" >"$here/oracle.txt"
chown --reference="$here" "$here/oracle.txt"
