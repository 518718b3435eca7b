#!/usr/bin/env python3
"""loadgen: hostile load for tests/load.sh, streamed as a pcap to a file or standard output.

Nothing is kept in memory beyond one connection's packets; TCP and IP checksums are left zero
(upscope does not check them), so a million packets take seconds. Connections are written one
after another, 1 ms apart, and none is closed unless said: all are open at once at the end of
the capture (the idle timeout is 300 s).

  loadgen.py ws-open N OUT         N WebSocket sessions, each left in the middle: a frame
                                   announcing 2^63-1 bytes; a fragmented message never
                                   finished; a permessage-deflate message whose deflate stream
                                   is never flushed (taken in turn)
  loadgen.py h2c N STREAMS OUT     N h2c upgrades, each client opening STREAMS streams (never
                                   ended) after filling its HPACK table (the 4096-byte default
                                   and then, after SETTINGS_HEADER_TABLE_SIZE 2^32-1 from the
                                   server, upscope's 64 KiB cap) with 4 KiB entries
  loadgen.py deflate-bomb MIB OUT  one permessage-deflate WebSocket whose client sends a message
                                   of MIB MiB of zeros (about MIB KiB compressed: deflate
                                   expands at most ~1032 times), then a small one that must
                                   still decompress
  loadgen.py big-head OUT          a request with a 1 MB header line, one with a million
                                   headers, then a WebSocket upgrade, on one connection
  loadgen.py holes N OUT           N connections whose client sends a request head, then, after
                                   a 1 MiB hole, a segment: the segment waits in reassembly
"""
import struct
import sys
import zlib

sys.path.insert(0, __import__("os").path.dirname(__file__))
from pcapgen import ip4, ws_frame  # noqa: E402

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
ETH = b"\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01\x08\x00"
MSS = 1400


class Out:
    def __init__(self, path):
        self.f = sys.stdout.buffer if path == "-" else open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.ts = 1_700_000_000 * 1_000_000

    def frame(self, frame):
        self.f.write(struct.pack("<IIII", self.ts // 1000000, self.ts % 1000000, len(frame),
                                 len(frame)) + frame)
        self.ts += 10

    def close(self):
        self.f.flush()
        if self.f is not sys.stdout.buffer:
            self.f.close()


class Conn:
    """A connection written straight to out: no checksums, sequence numbers tracked."""

    def __init__(self, out, n, sport=8080):
        self.out = out
        self.addr = (ip4(0x100000 + n), ip4(1))
        self.port = (20000 + n % 40000, sport)
        self.seq = [1000, 5000]
        out.ts += 1000

    def pkt(self, side, flags, payload=b"", skip=0):
        src, dst = self.addr[side], self.addr[1 - side]
        ack = self.seq[1 - side] if flags & ACK else 0
        tcp = struct.pack(">HHIIBBHHH", self.port[side], self.port[1 - side],
                          (self.seq[side] + skip) & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x50, flags,
                          65535, 0, 0)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 40 + len(payload), 0, 0x4000, 64, 6, 0,
                         src, dst)
        self.out.frame(ETH + ip + tcp + payload)
        self.seq[side] += len(payload) + (1 if flags & (SYN | FIN) else 0)

    def handshake(self):
        self.pkt(0, SYN)
        self.pkt(1, SYN | ACK)
        self.pkt(0, ACK)
        return self

    def send(self, side, data):
        for i in range(0, len(data), MSS):
            self.pkt(side, PSH | ACK, data[i:i + MSS])
        return self


KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
MASK = b"\x01\x02\x03\x04"


def ws_upgrade(c, deflate=False):
    ext = b"Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else b""
    c.send(0, b"GET /chat HTTP/1.1\r\nHost: load.example\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Key: " + KEY +
           b"\r\nSec-WebSocket-Version: 13\r\n" + ext + b"\r\n")
    c.send(1, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
           b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + ACCEPT + b"\r\n" + ext + b"\r\n")


def ws_frame_rsv1(payload, fin):
    """A masked client frame with RSV1 (compressed, RFC 7692 §6)."""
    f = bytearray(ws_frame(1, payload, mask=MASK, fin=fin))
    f[0] |= 0x40
    return bytes(f)


def ws_open(out, n):
    # a deflate stream never flushed: a first fragment with stored-block bits cut short
    z = zlib.compressobj(6, zlib.DEFLATED, -15)
    part = z.compress(b"never flushed " * 200) + z.flush(zlib.Z_FULL_FLUSH)
    part = part[:len(part) // 2]
    for i in range(n):
        c = Conn(out, i).handshake()
        kind = i % 3
        ws_upgrade(c, deflate=(kind == 2))
        if kind == 0:
            c.send(0, ws_frame(2, b"", mask=MASK, length=(1 << 63) - 1) + b"x" * 100)
        elif kind == 1:
            c.send(0, ws_frame(1, b"part one ", mask=MASK, fin=False))
            c.send(0, ws_frame(0, b"part two ", mask=MASK, fin=False))
        else:
            c.send(0, ws_frame_rsv1(part, fin=False))


def hpack_int(value, prefix, first):
    limit = (1 << prefix) - 1
    if value < limit:
        return bytes([first | value])
    out = [first | limit]
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def h2_frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + \
        struct.pack(">I", stream) + payload


def h2c_client_bytes(streams):
    """What each client sends after the 101: the preface, SETTINGS, then header blocks that
    fill the table, then STREAMS requests left open."""
    out = [b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", h2_frame(4, 0, 0, b""), h2_frame(4, 1, 0, b"")]
    sid = 3   # stream 1 is the upgrade request (RFC 9113 §3.2)
    for k in range(20):   # 20 x 4 KiB entries: more than the 64 KiB cap holds
        name = b"x-fill-%02d" % k
        # a table size update to 2^16 first (RFC 7541 §6.3), then a new 4 KiB entry
        block = hpack_int(1 << 16, 5, 0x20) + b"\x82\x84\x86\x41\x0cload.example\x40" + \
            hpack_int(len(name), 7, 0) + name + hpack_int(4000, 7, 0) + b"v" * 4000
        out.append(h2_frame(1, 0x05, sid, block))   # END_HEADERS | END_STREAM
        sid += 2
    for _ in range(streams):
        out.append(h2_frame(1, 0x04, sid, b"\x82\x84\x86\xbf\xbe"))  # END_HEADERS, open
        sid += 2
    return b"".join(out)


def h2c(out, n, streams):
    client = h2c_client_bytes(streams)
    # SETTINGS_HEADER_TABLE_SIZE 2^32-1: the client's encoder may use a table that large
    server = h2_frame(4, 0, 0, struct.pack(">HI", 1, 0xFFFFFFFF)) + h2_frame(4, 1, 0, b"")
    req = (b"GET / HTTP/1.1\r\nHost: load.example\r\nConnection: Upgrade, HTTP2-Settings\r\n"
           b"Upgrade: h2c\r\nHTTP2-Settings: AAEAAQAA\r\n\r\n")
    resp = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
    for i in range(n):
        c = Conn(out, i).handshake()
        c.send(0, req)
        c.send(1, resp + server)
        c.send(0, client)


def deflate_bomb(out, mib):
    c = Conn(out, 0).handshake()
    ws_upgrade(c, deflate=True)
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    payload = b"".join(z.compress(chunk) for _ in range(mib)) + z.flush(zlib.Z_SYNC_FLUSH)
    assert payload.endswith(b"\x00\x00\xff\xff")
    c.send(0, ws_frame_rsv1(payload[:-4], fin=True))
    small = z.compress(b"after the bomb") + z.flush(zlib.Z_SYNC_FLUSH)
    c.send(0, ws_frame_rsv1(small[:-4], fin=True))


def big_head(out):
    c = Conn(out, 0).handshake()
    c.send(0, b"GET /a HTTP/1.1\r\nHost: load.example\r\nX-Long: " + b"a" * (1 << 20) +
           b"\r\n\r\n")
    c.send(1, b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n")
    c.send(0, b"GET /b HTTP/1.1\r\nHost: load.example\r\n" + b"a: b\r\n" * 1000000 + b"\r\n")
    c.send(1, b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n")
    ws_upgrade(c)
    c.send(0, ws_frame(1, b"still followed", mask=MASK))


def holes(out, n):
    seg = b"y" * MSS
    for i in range(n):
        c = Conn(out, i).handshake()
        c.send(0, b"GET / HTTP/1.1\r\nHost: load.example\r\n")
        c.pkt(0, PSH | ACK, seg, skip=1 << 20)


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        sys.exit(__doc__)
    cmd, out = argv[1], Out(argv[-1])
    if cmd == "ws-open":
        ws_open(out, int(argv[2]))
    elif cmd == "h2c":
        h2c(out, int(argv[2]), int(argv[3]))
    elif cmd == "deflate-bomb":
        deflate_bomb(out, int(argv[2]))
    elif cmd == "big-head":
        big_head(out)
    elif cmd == "holes":
        holes(out, int(argv[2]))
    else:
        sys.exit("loadgen: unknown command " + cmd)
    out.close()


if __name__ == "__main__":
    main(sys.argv)
