#!/usr/bin/env python3
"""gen: builds the benchmark capture, deterministically, from the real captures in captures/.

  bench/gen.py [--scale S] [--repeat K] [--seed N] OUT.pcap

A busy link: every capture in captures/*.pcap, captures/tls/*.pcap (and captures/h2ws/ if
present) is cloned many times, each clone with its own client and server addresses, client
ports, sequence numbers and start time, interleaved in time with bulk plain HTTP/1.1
downloads and TLS downloads (a real TLS handshake from captures/tls followed by application
data records). At --scale 1: about 105,000 TCP connections and 1.2 GB, 7 % of the connections
upgrading (WebSocket with and without permessage-deflate, h2c, HTTP/2 prior knowledge, the
RFC 2817 TLS upgrade). --scale 0.01 makes a small one for quick runs and CI.

--repeat K writes the same capture K times one after the other (each copy later in time and on
addresses of its own): a capture K times longer, not more concurrent (the growth check).

Beside OUT it writes OUT.expected.json: the sessions upscope must report, counted per
"transition/outcome", for the default run and for --all, found by running upscope (bench/run
passes UPSCOPE) on each template capture alone and multiplying by its clones; where the test
suite has a reviewed expected report (tests/expected/NAME.ndjson) the template's counts are
checked against it first. Also the numbers of connections, packets and bytes written.

Speed: templates are parsed once; a clone rewrites only addresses, ports, sequence numbers and
times of pre-split frames, and records are written in large joined chunks. IP and TCP
checksums are left as in the template (wrong after the rewrite, as with checksum offload;
upscope, tcpdump, nDPI and tshark do not check them by default).
"""
import argparse
import collections
import glob
import heapq
import json
import os
import random
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(TOP, "tests"))
import pcapgen  # noqa: E402  (the house pcap library)

M32 = 0xFFFFFFFF
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
T0 = 1800000000000000          # the capture's first microsecond
PATTERN = bytes(range(256))    # body and record bytes
CONN_RATE = 2000.0             # new connections per second of capture time (sets concurrency)

# The mix at --scale 1, in connections.
MIX = {
    "upgrade": 7350,           # clones of the upgrade captures (7 %)
    "template_other": 2650,    # clones of the other real captures (keep-alive HTTP, TLS)
    "http_small": 60000,       # HTTP/1.1 keep-alive, 1 or 2 requests of 0.5 to 10 KB
    "tls_small": 34700,        # TLS handshake (real) and 1 to 8 KB of records
    "http_bulk": 150,          # 1 to 2 MB downloads
    "tls_bulk": 150,
}


class Template:
    """One capture (or a synthetic connection set), split once into patchable pieces.

    Each packet: (relative time, connection index, side (0: the connection's client),
    header bytes before the addresses, tcp flags, seq, ack, bytes after seq/ack)."""

    def __init__(self, name, packets):
        self.name = name
        self.pkts = []
        conns = {}
        t0 = packets[0].ts if packets else 0
        for p in packets:
            if not p.tcp or (p.frame[14] & 15) != 5:
                continue  # non-TCP or IP options: not in any template used here
            k = (p.src, p.sport, p.dst, p.dport)
            rk = (p.dst, p.dport, p.src, p.sport)
            if k in conns:
                ci, side = conns[k], 0
            elif rk in conns:
                ci, side = conns[rk], 1
            else:
                # the first packet's sender is the client unless it is a SYN-ACK
                if p.flags & pcapgen.SYN and p.flags & pcapgen.ACK:
                    conns[rk] = ci = len(conns)
                    side = 1
                else:
                    conns[k] = ci = len(conns)
                    side = 0
            f = p.frame
            self.pkts.append((p.ts - t0, ci, side, f[:26], p.flags & pcapgen.ACK, p.seq,
                              p.ack, f[46:], p.orig - len(p.frame)))
        self.nconns = len(conns)
        # per connection: (client port, server port) as in the capture
        self.ports = [None] * self.nconns
        for (src, sp, dst, dp), ci in conns.items():
            self.ports[ci] = (sp, dp)
        self.duration = self.pkts[-1][0] if self.pkts else 0
        self.bytes = sum(16 + 26 + 20 + len(x[7]) for x in self.pkts)
        self.expected = {"default": {}, "all": {}}


def synth(name, conns):
    """A template made of pcapgen.Conn-built connections."""
    packets = []
    for c in conns:
        packets += c.out
    packets.sort(key=lambda p: p.ts)
    return Template(name, packets)


def http_conn(rng, sizes, mss=1448):
    """A keep-alive HTTP/1.1 connection: one GET per size, each answered with that many body
    bytes, the client acknowledging every second segment."""
    c = pcapgen.Conn(pcapgen.ip4(1), pcapgen.ip4(2), 40000, 80, 0, step=30,
                     isn=(rng.getrandbits(32), rng.getrandbits(32))).handshake()
    for i, size in enumerate(sizes):
        c.send(0, b"GET /static/%d/asset-%d.js HTTP/1.1\r\nHost: cdn.example.test\r\n"
               b"User-Agent: bench/1.0\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n\r\n"
               % (i, size))
        body = (PATTERN * (size // len(PATTERN) + 1))[:size]
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/javascript\r\n"
                b"Content-Length: %d\r\nCache-Control: max-age=3600\r\n\r\n" % size)
        data = head + body
        for n, off in enumerate(range(0, len(data), mss)):
            c._pkt(1, pcapgen.PSH | pcapgen.ACK, data[off:off + mss])
            if n % 2:
                c._pkt(0, pcapgen.ACK)
        c._pkt(0, pcapgen.ACK)
    return c.close()


def tls_parts():
    """The client's and server's first flights of a real TLS connection (captures/tls)."""
    pk = pcapgen.read(os.path.join(TOP, "captures", "tls", "https-curl-http11.pcap"))
    port = pcapgen.server_port_of(pk)
    client = b"".join(p.payload for p in pk if p.tcp and p.dport == port)
    server = b"".join(p.payload for p in pk if p.tcp and p.sport == port)
    # ClientHello record and the server's handshake flight (the first records up to 4 KB)
    return client[:5 + struct.unpack(">H", client[3:5])[0]], server[:4096]


def tls_conn(rng, hello, flight, size, mss=1448):
    """A TLS download: the real hellos, then `size` bytes of application data records."""
    c = pcapgen.Conn(pcapgen.ip4(1), pcapgen.ip4(2), 40000, 443, 0, step=30,
                     isn=(rng.getrandbits(32), rng.getrandbits(32))).handshake()
    c.send(0, hello)
    c.send(1, flight)
    c.send(0, b"\x17\x03\x03\x00\x40" + bytes(64))   # a request
    recs = b""
    while len(recs) < size:
        n = min(16384 + 17, size - len(recs) + 22)
        recs += b"\x17\x03\x03" + struct.pack(">H", n) + (PATTERN * (n // len(PATTERN) + 1))[:n]
    for n, off in enumerate(range(0, len(recs), mss)):
        c._pkt(1, pcapgen.PSH | pcapgen.ACK, recs[off:off + mss])
        if n % 2:
            c._pkt(0, pcapgen.ACK)
    c._pkt(0, pcapgen.ACK)
    return c.close()


def real_templates():
    names = sorted(glob.glob(os.path.join(TOP, "captures", "*.pcap")) +
                   glob.glob(os.path.join(TOP, "captures", "tls", "*.pcap")) +
                   glob.glob(os.path.join(TOP, "captures", "h2ws", "*.pcap")))
    return [Template(os.path.relpath(n, TOP), pcapgen.read(n)) for n in names]


def kinds_of(ndjson_text):
    out = collections.Counter()
    for line in ndjson_text.splitlines():
        if line.strip():
            r = json.loads(line)
            out["%s/%s" % (r["transition"], r["outcome"])] += 1
    return dict(out)


def expect_from_upscope(upscope, tmpl, tmpdir):
    """The sessions upscope reports on this template alone (default and --all), checked
    against the test suite's reviewed report where there is one."""
    path = os.path.join(tmpdir, "template.pcap")
    with open(path, "wb") as f:
        f.write(PCAP_HEADER)
        for (ts, ci, side, head, ackf, seq, ack, tail, cut) in tmpl.pkts:
            a, b = (1, 2) if side == 0 else (2, 1)
            cp, sp = tmpl.ports[ci]
            ports = struct.pack(">HH", cp, sp) if side == 0 else struct.pack(">HH", sp, cp)
            frame = (head + pcapgen.ip4(a + 16 * ci) + pcapgen.ip4(b + 16 * ci) + ports
                     + struct.pack(">II", seq, ack) + tail)
            f.write(struct.pack("<IIII", (T0 + ts) // 1000000, (T0 + ts) % 1000000,
                                len(frame), len(frame) + cut) + frame)
    for mode, extra in (("default", []), ("all", ["--all"])):
        out = subprocess.run([upscope, "-q", "-j", "-", *extra, "-r", path], check=True,
                             capture_output=True).stdout.decode()
        tmpl.expected[mode] = kinds_of(out)
    stem = os.path.splitext(os.path.basename(tmpl.name))[0]
    reviewed = os.path.join(TOP, "tests", "expected", stem + ".ndjson")
    if os.path.exists(reviewed) and "/" not in tmpl.name.replace("captures/", "", 1):
        want = kinds_of(open(reviewed).read())
        if want != tmpl.expected["default"]:
            sys.exit("gen: %s cloned gives %s, tests/expected says %s" %
                     (tmpl.name, tmpl.expected["default"], want))


def build_templates(rng, upscope, tmpdir):
    real = real_templates()
    hello, flight = tls_parts()
    small_http = [synth("http-small-%d" % i,
                        [http_conn(rng, [rng.randint(500, 10000)
                                         for _ in range(rng.randint(1, 2))])])
                  for i in range(48)]
    small_tls = [synth("tls-small-%d" % i, [tls_conn(rng, hello, flight,
                                                     rng.randint(1000, 8000))])
                 for i in range(48)]
    bulk_http = [synth("http-bulk-%d" % i, [http_conn(rng, [rng.randint(1000000, 2000000)])])
                 for i in range(6)]
    bulk_tls = [synth("tls-bulk-%d" % i, [tls_conn(rng, hello, flight,
                                                   rng.randint(1000000, 2000000))])
                for i in range(6)]
    for t in real:
        expect_from_upscope(upscope, t, tmpdir)
    for t in small_http + small_tls + bulk_http + bulk_tls:
        t.expected = {"default": {}, "all": {"none/none": t.nconns}}
    upgrade = [t for t in real if t.expected["default"] and
               any(not k.startswith("none/") for k in t.expected["default"])]
    other = [t for t in real if t not in upgrade]
    return {"upgrade": upgrade, "template_other": other, "http_small": small_http,
            "tls_small": small_tls, "http_bulk": bulk_http, "tls_bulk": bulk_tls}


def schedule(rng, groups, scale):
    """The clones, in start-time order: (start, template)."""
    units = []
    for kind, count in MIX.items():
        pool = groups[kind]
        n_conn = max(1, round(count * scale))
        made = 0
        i = 0
        while made < n_conn:
            t = pool[i % len(pool)]
            units.append(t)
            made += t.nconns
            i += 1
    rng.shuffle(units)
    out, t = [], 0.0
    for tmpl in units:
        t += rng.expovariate(CONN_RATE / max(1, tmpl.nconns))
        out.append((int(t * 1e6), tmpl))
    return out


def addr(base, n):
    return bytes([base, (n >> 16) & 255, (n >> 8) & 255, n & 255])


def clone_ports(ports, n):
    """A clone's ports: the higher (ephemeral, the client's) moved within 32768-60999, the
    lower (the server's) kept, so which side looks like the server does not change."""
    a, b = ports
    eph = 32768 + n % 28232
    return (eph, b) if a > b else (a, eph)


def clone_packets(tmpl, start, clone_id, rng):
    """The template's packets as this clone: (ts, record bytes), in time order."""
    cli = addr(10, clone_id & 0xFFFFFF)                 # one client address per clone
    srv = addr(172, 0x100000 | (clone_id % 4093))       # servers: a pool shared by clones
    d = [(rng.getrandbits(32), rng.getrandbits(32)) for _ in range(tmpl.nconns)]
    pre = []
    for ci in range(tmpl.nconns):
        cp, sp = clone_ports(tmpl.ports[ci], clone_id * 5 + ci)
        pre.append((cli + srv + struct.pack(">HH", cp, sp), srv + cli + struct.pack(">HH", sp, cp)))
    pack_rec = struct.Struct("<IIII").pack
    pack_sa = struct.Struct(">II").pack
    for (ts, ci, side, head, ackf, seq, ack, tail, cut) in tmpl.pkts:
        ds = d[ci]
        seq = (seq + ds[side]) & M32
        if ackf:
            ack = (ack + ds[1 - side]) & M32
        n = 26 + 12 + 8 + len(tail)
        t = T0 + start + ts
        yield t, b"".join((pack_rec(t // 1000000, t % 1000000, n, n + cut), head,
                           pre[ci][side], pack_sa(seq, ack), tail))


def write_capture(path, plan, repeat, seed):
    """Merges every clone's packets in time order and writes them, in large chunks."""
    span = plan[-1][0] + 1000000 if plan else 0
    stats = collections.Counter()
    heap = []
    order = 0
    chunk, chunk_bytes = [], 0
    with open(path, "wb") as f:
        f.write(PCAP_HEADER)
        for r in range(repeat):
            rng = random.Random(seed * 1000003 + r)
            offset = r * (span + tmpl_tail(plan))
            i = 0
            while i < len(plan) or heap:
                next_start = plan[i][0] + offset if i < len(plan) else None
                if next_start is not None and (not heap or
                                               next_start <= heap[0][0] - T0):
                    start, tmpl = plan[i]
                    gen = clone_packets(tmpl, start + offset, r * len(plan) + i, rng)
                    first = next(gen, None)
                    if first:
                        heapq.heappush(heap, (first[0], order, first[1], gen))
                        order += 1
                    stats["connections"] += tmpl.nconns
                    i += 1
                    continue
                t, o, rec, gen = heap[0]
                chunk.append(rec)
                chunk_bytes += len(rec)
                stats["packets"] += 1
                nxt = next(gen, None)
                if nxt:
                    heapq.heapreplace(heap, (nxt[0], o, nxt[1], gen))
                else:
                    heapq.heappop(heap)
                if chunk_bytes >= 8 << 20:
                    f.write(b"".join(chunk))
                    stats["bytes"] += chunk_bytes
                    chunk, chunk_bytes = [], 0
        f.write(b"".join(chunk))
        stats["bytes"] += chunk_bytes + len(PCAP_HEADER)
    return stats


def tmpl_tail(plan):
    return max((t.duration for _, t in plan), default=0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--upscope", default=os.environ.get("UPSCOPE",
                                                        os.path.join(TOP, "upscope")))
    a = ap.parse_args()
    rng = random.Random(a.seed)
    tmpdir = os.path.dirname(os.path.abspath(a.out))
    groups = build_templates(rng, a.upscope, tmpdir)
    os.unlink(os.path.join(tmpdir, "template.pcap"))
    plan = schedule(rng, groups, a.scale)
    stats = write_capture(a.out, plan, a.repeat, a.seed)
    expected = {"default": collections.Counter(), "all": collections.Counter()}
    upgrading = 0
    for _, t in plan:
        for mode in expected:
            expected[mode].update(t.expected[mode])
        upgrading += sum(v for k, v in t.expected["default"].items() if not k.startswith("none/"))
    result = {
        "scale": a.scale, "repeat": a.repeat, "seed": a.seed,
        "connections": stats["connections"], "packets": stats["packets"],
        "bytes": stats["bytes"],
        "upgrade_sessions": upgrading * a.repeat,
        "upgrading_percent": round(100.0 * upgrading * a.repeat /
                                   max(1, stats["connections"]), 2),
        "expected": {m: {k: v * a.repeat for k, v in sorted(c.items())}
                     for m, c in expected.items()},
    }
    with open(a.out + ".expected.json", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print("gen: %s: %d connections, %d packets, %.1f MB, %.1f %% upgrading" %
          (a.out, result["connections"], result["packets"], result["bytes"] / 1e6,
           result["upgrading_percent"]))


if __name__ == "__main__":
    main()
