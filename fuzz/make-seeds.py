#!/usr/bin/env python3
"""make-seeds: seed corpora for the fuzz targets, derived from the real captures.

  make-seeds.py OUTDIR CAPTURE...

Writes OUTDIR/<target>/<capture>-<n> for each target: the capture itself (pipeline), each TCP
connection's bytes as a script of chunks (http1, and http2/tls/websocket past the handshake
their prelude provides), its segments as records (reasm), the TLS hello bodies (tls), the
upgrades sealed as if they had run inside TLS (tls_decrypt), key logs and pcapng files with
secrets (keylog), the packets as records (decode), pcapng and plain pcap files (pcapng); a few
captures also in every tunnel and fragment variant tests/pcapgen.py makes (decode, and pipeline
as pcap files) and as pcapng written in two ways (pcapng, pipeline).
Nothing here is committed: `make fuzz` and tests/fuzz_replay.sh make them when they run."""
import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import pcapgen  # noqa: E402
import relink  # noqa: E402

MAX = 65536


def connections(packets):
    """TCP packets grouped by connection, in order; side 0 sent the SYN (or spoke first)."""
    conns = {}
    for p in packets:
        if not p.tcp:
            continue
        a, b = (p.src, p.sport), (p.dst, p.dport)
        key = (a, b) if (a, b) < (b, a) else (b, a)
        c = conns.setdefault(key, {"client": None, "packets": []})
        if c["client"] is None and (p.flags & pcapgen.SYN and not p.flags & pcapgen.ACK
                                    or p.payload):
            c["client"] = a
        c["packets"].append(p)
    return list(conns.values())


def chunk(direction, data, kind=0):
    out = b""
    for i in range(0, max(len(data), 1), 0xFFFF):
        piece = data[i:i + 0xFFFF]
        out += struct.pack("<BH", direction | kind << 1, len(piece)) + piece
    return out


def script(conn, skip=(0, 0)):
    """The connection's payload as chunks, leaving out the first skip[d] bytes of direction d."""
    out, left = b"", list(skip)
    for p in conn["packets"]:
        if not p.payload:
            continue
        d = 0 if (p.src, p.sport) == conn["client"] else 1
        data = p.payload
        if left[d]:
            cut = min(left[d], len(data))
            left[d] -= cut
            data = data[cut:]
        if data:
            out += chunk(d, data)
    return out


def head_ends(conn):
    """Bytes up to and including the first message head of each direction."""
    stream = [b"", b""]
    for p in conn["packets"]:
        if p.payload:
            stream[0 if (p.src, p.sport) == conn["client"] else 1] += p.payload
    ends = []
    for s in stream:
        i = s.find(b"\r\n\r\n")
        ends.append(i + 4 if i >= 0 else 0)
    return ends, stream


def records(conn):
    out = b""
    for p in conn["packets"]:
        side = 0 if (p.src, p.sport) == conn["client"] else 1
        out += struct.pack(">BBIIHH", p.flags, side | 0xF0, p.seq, p.ack, p.win,
                           len(p.payload)) + p.payload
    return out


def tls_hellos(stream):
    out, i = [], 0
    while i + 5 <= len(stream):
        if stream[i] == 22 and stream[i + 1] == 3:
            n = struct.unpack(">H", stream[i + 3:i + 5])[0]
            rec = stream[i + 5:i + 5 + n]
            if len(rec) >= 4 and rec[0] in (1, 2):
                out.append(rec[4:])
            i += 5 + n
        else:
            i += 1
    return out


def sealed_script(conn, flags):
    """The connection's payload as fuzz_tls_decrypt records (both directions moved to their
    application keys first): what ran in clear, as if it had run inside TLS."""
    out = struct.pack("<BH", 0 | 3 << 1, 0) + struct.pack("<BH", 1 | 3 << 1, 0)
    out += struct.pack("<BH", 0 | 3 << 1, 0) + struct.pack("<BH", 1 | 3 << 1, 0)
    for p in conn["packets"]:
        d = 0 if (p.src, p.sport) == conn["client"] else 1
        for i in range(0, len(p.payload), 16384):
            piece = b"\x17" + p.payload[i:i + 16384]
            out += struct.pack("<BH", d, len(piece)) + piece
    return bytes([flags]) + out


SUBPROTOCOLS = [b"mqtt", b"v12.stomp", b"sip", b"wamp.2.json", b"graphql-transport-ws",
                b"graphql-ws", b"chat"]


def subprotocol_index(head):
    """fuzz_websocket's choice of subprotocol (byte 1 bits 2-5) for a request head."""
    low = head.lower()
    if b"/socket.io/" in low:
        return 8
    for line in low.split(b"\r\n"):
        if line.startswith(b"sec-websocket-protocol:"):
            offered = [p.strip() for p in line.split(b":", 1)[1].split(b",")]
            for i, name in enumerate(SUBPROTOCOLS):
                if name in offered:
                    return i + 1
    return 0
VARIANT_SOURCES = ("ws-basic", "h2c-curl", "ws-deflate")


def decode_records(packets):
    """fuzz_decode's input: Ethernet, then each frame as [len 2][cut][seconds] + bytes."""
    out, last = b"\x00", None
    for p in packets:
        sec = 0 if last is None else min(255, max(0, (p.ts - last) // 1000000))
        last = p.ts
        out += struct.pack("<HBB", len(p.frame), min(255, p.orig - len(p.frame)), sec) + p.frame
    return out


def variant_seeds(outdir, base, packets):
    for mode in pcapgen.VARIANTS + ("frag4-other",):
        v = pcapgen.variant(packets, mode)
        write(outdir, "decode", "%s-%s" % (base, mode), decode_records(v))
        write(outdir, "pipeline", "%s-%s" % (base, mode), pcapgen.pcap_bytes(v))


def pcapng_seeds(outdir, base, path):
    """The capture as pcapng, plainly and in relink.py's odd form (big-endian, two sections,
    other time stamp units, an obsolete block), for pcapng and pipeline."""
    recs = relink.read_pcap(path)
    for mode, writer in (("ng", relink.write_pcapng), ("ng-odd", relink.write_pcapng_odd)):
        with tempfile.NamedTemporaryFile() as t:
            writer(t.name, recs)
            data = open(t.name, "rb").read()
        write(outdir, "pcapng", "%s-%s" % (base, mode), data)
        write(outdir, "pipeline", "%s-%s" % (base, mode), data)


def write(outdir, target, name, data):
    if not data or len(data) > MAX:
        return
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    outdir, captures = sys.argv[1], sys.argv[2:]
    for path in captures:
        base = os.path.basename(path).split(".")[0]
        with open(path, "rb") as f:
            raw = f.read()
        write(outdir, "pipeline", base, raw)
        keys = os.path.splitext(path)[0] + ".keys"
        if os.path.exists(keys):
            with open(keys, "rb") as f:
                write(outdir, "keylog", base, b"\x00\x40" + f.read())
        if path.endswith(".pcapng"):
            write(outdir, "keylog", base + "-pcapng", b"\x01\x00" + raw)
            write(outdir, "pcapng", base, raw)
        try:
            packets = pcapgen.read(path)
        except (AssertionError, struct.error):
            continue  # not Ethernet: only the pipeline seed
        write(outdir, "decode", base, decode_records(packets))
        if base in VARIANT_SOURCES:
            variant_seeds(outdir, base, packets)
            pcapng_seeds(outdir, base, path)
            write(outdir, "pcapng", base + "-pcap", raw)  # pcapmap.c against libpcap
        for n, conn in enumerate(connections(packets)):
            if conn["client"] is None:
                continue
            name = "%s-%d" % (base, n)
            whole = script(conn)
            write(outdir, "http1", name, b"\x02" + whole)
            write(outdir, "reasm", name, records(conn))
            ends, stream = head_ends(conn)
            h2 = stream[0].startswith(b"PRI * HTTP/2.0")
            if h2 or b"upgrade" in stream[0][:ends[0]].lower():
                for suite in (0, 3):
                    write(outdir, "tls_decrypt", "%s-%d" % (name, suite),
                          sealed_script(conn, suite | (0x10 if h2 else 0) | 0x08))
            if b"websocket" in stream[0][:ends[0]].lower():
                sub = subprotocol_index(stream[0][:ends[0]]) << 2
                write(outdir, "websocket", name, bytes([0xff, sub]) + script(conn, ends))
                write(outdir, "websocket", name + "-plain", bytes([0x80, sub]) + script(conn, ends))
            if stream[0].startswith(b"PRI * HTTP/2.0"):
                write(outdir, "http2", name, b"\x04" + whole)
            elif b"h2c" in stream[0][:ends[0]].lower():
                write(outdir, "http2", name, b"\x05" + script(conn, ends))
            if h2 or b"h2c" in stream[0][:ends[0]].lower():
                # mid-connection: each direction's first segment (and head) left out
                firsts = [next((len(p.payload) for p in conn["packets"] if p.payload and
                                ((p.src, p.sport) == conn["client"]) == (d == 0)), 0)
                          for d in (0, 1)]
                skip = tuple(max(firsts[d], 0 if h2 else ends[d]) for d in (0, 1))
                write(outdir, "http2", name + "-midstream", b"\x07" + script(conn, skip))
            if b"tls/" in stream[0][:ends[0]].lower() and b" 101 " in stream[1][:ends[1]]:
                write(outdir, "tls", name, b"\x03" + script(conn, ends))
                for k, body in enumerate(tls_hellos(stream[0][ends[0]:]) +
                                         tls_hellos(stream[1][ends[1]:])):
                    write(outdir, "tls", "%s-hello%d" % (name, k), b"\x00" + body)


if __name__ == "__main__":
    main()
