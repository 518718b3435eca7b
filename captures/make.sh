#!/bin/bash
# Regenerates the sample captures on the loopback interface with real clients and servers.
# Needs root (tcpdump), and: tcpdump curl python3 python3-websockets.
#   captures/make.sh            all captures
#   captures/make.sh NAME...    only these (names without .pcap)
# Each capture holds one scenario on its own port; see captures/README.md for the list.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
peers="/usr/bin/python3 $here/peers.py"
pids=()

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

wait_port() { # PORT: wait until something listens there
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "make.sh: nothing listens on port $1" >&2
    return 1
}

# capture NAME PORT SERVER_CMD CLIENT_CMD: runs the server, starts tcpdump, runs the client.
capture() {
    local name=$1 port=$2 server=$3 client=$4
    local out="$here/$name.pcap"
    echo "== $name (port $port)"
    bash -c "$server" >/dev/null 2>&1 &
    local spid=$!
    pids+=("$spid")
    wait_port "$port"
    local log
    log=$(mktemp)
    tcpdump -i lo --immediate-mode -U -s 0 -w "$out.tmp" "tcp port $port" 2>"$log" &
    local tpid=$!
    for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.05; done
    sleep 0.2
    bash -c "$client" >/dev/null 2>&1 || echo "   (client exited with $?)"
    sleep 0.5
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
    mv "$out.tmp" "$out"
    rm -f "$log"
    echo "   $(tcpdump -r "$out" 2>/dev/null | wc -l) packets"
}

want() { # NAME: selected on the command line (or no selection)?
    [ ${#selected[@]} -eq 0 ] && return 0
    local s
    for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}
selected=("$@")

www=$(mktemp -d)
printf 'index page\n' >"$www/index.html"
head -c 3000 /dev/zero | tr '\0' 'a' >"$www/a.txt"
printf 'second file\n' >"$www/b.txt"

want http-keepalive && capture http-keepalive 18080 \
    "cd $www && $peers http-server 18080" \
    "curl -s http://127.0.0.1:18080/ http://127.0.0.1:18080/a.txt http://127.0.0.1:18080/b.txt \
     && curl -s -d 'name=upscope&x=1' http://127.0.0.1:18080/form -o /dev/null"

want ws-basic && capture ws-basic 18081 \
    "$peers ws-server 18081" "$peers ws-client 18081"

rm -rf "$www"
