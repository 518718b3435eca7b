#!/bin/bash
# Makes a capture whose ACKs come before the data they acknowledge, as a mirror (SPAN) port
# that buffers one direction shows it, and the same session's undelayed capture:
#   ws-reorder.pcap      the two mirror ports merged by time stamp (what upscope must absorb)
#   ws-reorder-ref.pcap  the same packets, taken on the server's own veth (the reference)
#   ws-reorder.log       what the client and the server did (messages, sizes, close code)
# Two network namespaces, upscope-rs (server, 10.77.0.1) and upscope-rc (client, 10.77.0.2),
# joined by a veth pair (vs <-> vc). In upscope-rs, tc (clsact + u32 + `mirred egress mirror`)
# copies what vs receives (client -> server) to the veth mc2s and what vs sends
# (server -> client) to ms2c. mc2s has a tbf qdisc at 32 Mbit/s (RATE=... to change): a slow
# mirror port with a buffer, so a burst of client data waits there (up to ~6 ms, ~40 packets)
# while the server's ACKs of it leave ms2c at once. tcpdump on mc2s time-stamps a packet when
# it leaves the buffer; mergecap merges the two by time stamp. (This kernel has no netem, nor
# matchall: tbf and u32 instead.)
# Offloads are off on the veths, so every packet is one TCP segment (<= 1514 bytes).
# Needs root, iproute2, tcpdump, mergecap, tshark, ethtool (installed if missing),
# /usr/bin/python3 with websockets. Idempotent: removes what an earlier run left, and
# removes its namespaces when done. A run whose mirror port dropped a packet, whose tcpdump
# dropped one, or whose merged capture shows no ACK before its data, is made again (3 tries).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=ws-reorder
ns_s=upscope-rs ns_c=upscope-rc
port=18090
rate=${RATE:-32mbit}
py=/usr/bin/python3
work=$(mktemp -d)
pids=()

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    ip netns del "$ns_s" 2>/dev/null || true
    ip netns del "$ns_c" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

command -v ethtool >/dev/null || apt-get install -y ethtool >/dev/null

# The peers: an echo server and a client (websockets 10.4), each logging what it did.
cat >"$work/peers.py" <<'EOF'
import asyncio, sys
import websockets

def log(*a):
    print(*a, flush=True)

def desc(m):
    return "%s %d bytes" % ("text" if isinstance(m, str) else "binary", len(m))

async def server(port):
    async def echo(ws, path=None):
        log("server: connection from %s:%d, path %s" % (*ws.remote_address[:2], ws.path))
        async for m in ws:
            log("server: received", desc(m), "- echoing it")
            await ws.send(m)
        log("server: closed, code %s reason %r" % (ws.close_code, ws.close_reason))
    async with websockets.serve(echo, "10.77.0.1", port, max_size=None, compression=None):
        await asyncio.Future()

async def client(port):
    msgs = ["hello reorder",
            "t" * 20000,                                  # 14 segments each way
            bytes(i % 251 for i in range(20000)),
            ["fragment one, ", "fragment two, ", "fragment three"],  # one message, 3 frames
            bytes(range(256)) * 100]                      # 25600 bytes
    async with websockets.connect("ws://10.77.0.1:%d/chat" % port, max_size=None,
                                  compression=None) as ws:
        log("client: connected to 10.77.0.1:%d /chat" % port)
        for i, m in enumerate(msgs):
            if isinstance(m, list):
                log("client: sends text %d bytes in %d fragments" % (sum(map(len, m)), len(m)))
            else:
                log("client: sends", desc(m))
            await ws.send(m)
            r = await ws.recv()
            want = "".join(m) if isinstance(m, list) else m
            log("client: received", desc(r), "(the echo)" if r == want else "(NOT the echo)")
            if i == 2:
                pong = await ws.ping(b"still there?")
                await pong
                log("client: ping 'still there?' answered by its pong")
        await ws.close(code=1000, reason="bye")
        log("client: closed, code %s reason %r" % (ws.close_code, ws.close_reason))

asyncio.run({"server": server, "client": client}[sys.argv[1]](int(sys.argv[2])))
EOF

setup() {
    ip netns del "$ns_s" 2>/dev/null || true
    ip netns del "$ns_c" 2>/dev/null || true
    ip netns add "$ns_s"
    ip netns add "$ns_c"
    for ns in "$ns_s" "$ns_c"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip -n "$ns" link set lo up
    done
    ip -n "$ns_s" link add vs type veth peer name vc netns "$ns_c"
    ip -n "$ns_s" addr add 10.77.0.1/24 dev vs
    ip -n "$ns_c" addr add 10.77.0.2/24 dev vc
    # the mirror ports: veths whose other end (up, no address) drops what it gets
    ip -n "$ns_s" link add mc2s type veth peer name mc2s-end
    ip -n "$ns_s" link add ms2c type veth peer name ms2c-end
    for d in vs mc2s mc2s-end ms2c ms2c-end; do
        ip netns exec "$ns_s" ethtool -K "$d" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
        ip -n "$ns_s" link set "$d" up
    done
    ip netns exec "$ns_c" ethtool -K vc tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    ip -n "$ns_c" link set vc up
    # the buffering mirror port: $rate, a 2 KB bucket, up to 1 s of queue (no drop)
    tc -n "$ns_s" qdisc add dev mc2s root tbf rate "$rate" burst 2kb latency 1s
    tc -n "$ns_s" qdisc add dev vs clsact
    tc -n "$ns_s" filter add dev vs ingress protocol ip u32 match u32 0 0 \
        action mirred egress mirror dev mc2s
    tc -n "$ns_s" filter add dev vs egress protocol ip u32 match u32 0 0 \
        action mirred egress mirror dev ms2c
}

# tcpdump in the server's namespace: IFACE FILE
dump() {
    ip netns exec "$ns_s" tcpdump -i "$1" -n --immediate-mode -U -B 4096 -s 0 \
        -w "$2" "tcp port $port" 2>"$2.err" &
    pids+=($!)
}

once() {
    setup
    ip netns exec "$ns_s" "$py" "$work/peers.py" server "$port" >"$work/server.log" 2>&1 &
    local spid=$!
    pids+=("$spid")
    dump vs "$work/ref.pcap"
    dump mc2s "$work/c2s.pcap"
    dump ms2c "$work/s2c.pcap"
    for _ in $(seq 100); do
        [ "$(cat "$work"/*.pcap.err | grep -c 'listening on')" = 3 ] &&
            [ -n "$(ip netns exec "$ns_s" ss -Hltn "sport = :$port")" ] && break
        sleep 0.1
    done
    ip netns exec "$ns_c" "$py" "$work/peers.py" client "$port" >"$work/client.log" 2>&1 ||
        echo "   (client exited with $?)"
    sleep 1.5 # the mirror port's buffer drains
    kill "${pids[@]:1}" 2>/dev/null || true
    wait "${pids[@]:1}" 2>/dev/null || true
    kill "$spid" 2>/dev/null || true
    wait "$spid" 2>/dev/null || true
    pids=()
    tbf_drops=$(tc -n "$ns_s" -s qdisc show dev mc2s | sed -n 's/.*dropped \([0-9]*\).*/\1/p' | head -1)
    dump_drops=$(cat "$work"/*.pcap.err | sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' |
        awk '{ s += $1 } END { print s + 0 }')
    ip netns del "$ns_s"
    ip netns del "$ns_c"
    mergecap -F pcap -w "$work/merged.pcap" "$work/c2s.pcap" "$work/s2c.pcap"
    flagged=$(tshark -r "$work/merged.pcap" -Y 'tcp.analysis.ack_lost_segment' 2>/dev/null | wc -l)
    echo "   mirror port drops ${tbf_drops:-?}, tcpdump drops $dump_drops," \
        "ACKs of segments not yet captured: $flagged"
    [ "${tbf_drops:-1}" = 0 ] && [ "$dump_drops" = 0 ] && [ "$flagged" -gt 0 ]
}

echo "== $name (server 10.77.0.1:$port, mirror port c2s at $rate)"
for try in 1 2 3; do
    once && break
    [ "$try" = 3 ] && { echo "make.sh: no good capture in 3 tries" >&2; exit 1; }
    echo "   again"
done
cp "$work/merged.pcap" "$here/$name.pcap"
cp "$work/ref.pcap" "$here/$name-ref.pcap"
cat "$work/server.log" "$work/client.log" >"$here/$name.log"
chown --reference="$here" "$here/$name.pcap" "$here/$name-ref.pcap" "$here/$name.log"
chmod 644 "$here/$name.pcap" "$here/$name-ref.pcap" "$here/$name.log"
for f in "$name.pcap" "$name-ref.pcap"; do
    echo "   $f: $(tcpdump -r "$here/$f" 2>/dev/null | wc -l) packets, $(stat -c %s "$here/$f") bytes"
done
echo "   tshark on $name.pcap:" \
    "ack_lost_segment $(tshark -r "$here/$name.pcap" -Y tcp.analysis.ack_lost_segment 2>/dev/null | wc -l)," \
    "out_of_order $(tshark -r "$here/$name.pcap" -Y tcp.analysis.out_of_order 2>/dev/null | wc -l)," \
    "either $(tshark -r "$here/$name.pcap" -Y 'tcp.analysis.ack_lost_segment || tcp.analysis.out_of_order' 2>/dev/null | wc -l);" \
    "on $name-ref.pcap: either $(tshark -r "$here/$name-ref.pcap" -Y 'tcp.analysis.ack_lost_segment || tcp.analysis.out_of_order' 2>/dev/null | wc -l)"
