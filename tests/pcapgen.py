#!/usr/bin/env python3
"""pcapgen: reads, crafts and rewrites Ethernet/IPv4/TCP pcap files for the end-to-end tests.

Made captures are derived from real ones (captures/) or built from scratch, at test time, so
nothing large is committed. Pure python, no dependencies. Checksums are recomputed where a
packet is changed or made (upscope does not check them; tshark reads them either way).

  pcapgen.py inject-rst IN OUT       a spoofed RST (sequence number outside the window) from
                                     each side after the first data packet of the server
  pcapgen.py inject-fin IN OUT       a FIN from the client in the middle of its stream, at a
                                     sequence number past its data, that later data proves
                                     false
  pcapgen.py interleave OUT IN...    the inputs re-timed to start together (a few hundred
                                     microseconds apart) and merged in time: connections that
                                     overlap as on a busy link
  pcapgen.py many-ws N OUT [RATE]     N WebSocket sessions (handshake, a text message each way,
                                     close), each its own connection and client address; OUT
                                     may be - (standard output); RATE paces the writing at that
                                     many sessions per second of wall-clock time
  pcapgen.py drop IN OUT N           IN without its packet number N (1-based): a hole
  pcapgen.py from IN OUT N           IN from its packet number N on: a capture that began late
  pcapgen.py flip IN OUT N           IN with the last byte of packet N's TCP payload inverted:
                                     corruption on the wire (the TCP checksum is left wrong)
  pcapgen.py keystrokes IN OUT       IN, then a connection whose bytes are UI commands ("s",
                                     a file name, Enter; "e", ...): what a hostile capture
                                     piped into `upscope --ui -r -` would type
  pcapgen.py hostile-html OUT        a WebSocket session whose target, headers, reason phrase,
                                     subprotocol, Accept value, close reason and frames carry
                                     HTML and script (each sets document.title to PWNED if it
                                     ever runs): what a report page must show as text
"""
import base64
import hashlib
import os
import struct
import sys
import time


class Packet:
    """One Ethernet/IPv4/TCP record, its fields decoded; other records are kept raw."""

    def __init__(self, ts, frame, orig=None):
        self.ts = ts                      # microseconds
        self.frame = frame
        self.orig = orig if orig is not None else len(frame)
        self.tcp = False
        if len(frame) >= 54 and frame[12:14] == b"\x08\x00" and frame[14] >> 4 == 4 \
                and frame[23] == 6:
            ihl = (frame[14] & 15) * 4
            t = 14 + ihl
            self.src, self.dst = frame[26:30], frame[30:34]
            (self.sport, self.dport, self.seq, self.ack, off, self.flags,
             self.win) = struct.unpack(">HHIIBBH", frame[t:t + 16])
            total = struct.unpack(">H", frame[16:18])[0]
            self.payload = frame[t + (off >> 4) * 4:14 + total]
            self.tcp = True

    def key(self):
        return (self.src, self.sport, self.dst, self.dport)


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b"", win=65535,
              eth=b"\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01"):
    """An Ethernet/IPv4/TCP frame with correct checksums."""
    tcp = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4,
                      flags, win, 0, 0) + payload
    pseudo = src + dst + struct.pack(">BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack(">H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack(">H", checksum(ip)) + ip[12:]
    return eth + b"\x08\x00" + ip + tcp


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def ip4(n):
    """10.0.x.y for a number n: distinct addresses for generated hosts."""
    return bytes([10, (n >> 16) & 255, (n >> 8) & 255, n & 255])


class Conn:
    """A TCP connection being built: handshake, data both ways, close. Times advance by
    `step` microseconds per packet."""

    def __init__(self, client, server, cport, sport, ts, step=100, isn=(1000, 5000)):
        self.c, self.s, self.cp, self.sp = client, server, cport, sport
        self.ts, self.step = ts, step
        self.seq = [isn[0], isn[1]]     # next sequence number per side (0 client, 1 server)
        self.out = []

    def _pkt(self, side, flags, payload=b""):
        src, dst, sp, dp = ((self.c, self.s, self.cp, self.sp) if side == 0
                            else (self.s, self.c, self.sp, self.cp))
        ack = self.seq[1 - side] if flags & ACK else 0
        self.out.append(Packet(self.ts, tcp_frame(src, dst, sp, dp, self.seq[side], ack,
                                                  flags, payload)))
        self.ts += self.step
        self.seq[side] += len(payload) + (1 if flags & (SYN | FIN) else 0)

    def handshake(self):
        self._pkt(0, SYN)
        self._pkt(1, SYN | ACK)
        self._pkt(0, ACK)
        return self

    def send(self, side, data, mss=1400):
        for i in range(0, len(data), mss):
            self._pkt(side, PSH | ACK, data[i:i + mss])
        return self

    def close(self):
        self._pkt(0, FIN | ACK)
        self._pkt(1, FIN | ACK)
        self._pkt(0, ACK)
        return self


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    assert linktype == 1, "input must be Ethernet"
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        usec = frac // 1000 if nano else frac
        out.append(Packet(sec * 1000000 + usec, data[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return out


def write(path, packets, linktype=1, snaplen=262144):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for p in packets:
            f.write(struct.pack("<IIII", p.ts // 1000000, p.ts % 1000000, len(p.frame),
                                p.orig) + p.frame)


def first_data_from(packets, server_port, from_server=True):
    """Index of the first packet with payload sent by (or to) the server."""
    for i, p in enumerate(packets):
        if p.tcp and p.payload and (p.sport == server_port) == from_server:
            return i
    raise SystemExit("pcapgen: no data packet found")


def server_port_of(packets):
    for p in packets:
        if p.tcp and p.flags & SYN and p.flags & ACK:
            return p.sport
    raise SystemExit("pcapgen: no SYN-ACK found")


def inject_rst(packets):
    """After the server's first response bytes: a RST from each side with a sequence number a
    real stack would drop (far outside the window)."""
    port = server_port_of(packets)
    i = first_data_from(packets, port, True)
    p = packets[i]
    spoof = []
    for (src, dst, sp, dp, seq) in ((p.src, p.dst, p.sport, p.dport, p.seq + 0x40000000),
                                    (p.dst, p.src, p.dport, p.sport, p.ack + 0x7000000)):
        spoof.append(Packet(p.ts + 1, tcp_frame(src, dst, sp, dp, seq, 0, RST)))
    return packets[:i + 1] + spoof + packets[i + 1:]


def inject_fin(packets):
    """After the client's first data: a FIN from the client 10 bytes past what it sent so far.
    The client's later data lies beyond it, so the FIN cannot be true."""
    port = server_port_of(packets)
    i = first_data_from(packets, port, False)
    p = packets[i]
    fin_seq = p.seq + len(p.payload) + 10
    spoof = Packet(p.ts + 1, tcp_frame(p.src, p.dst, p.sport, p.dport, fin_seq, p.ack,
                                       FIN | ACK))
    return packets[:i + 1] + [spoof] + packets[i + 1:]


def ws_frame(opcode, payload, mask=None, fin=True, length=None):
    """An RFC 6455 frame; length overrides the announced length (a frame left unfinished)."""
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | opcode
    m = 0x80 if mask else 0
    if n < 126:
        head = struct.pack(">BB", b0, m | n)
    elif n < 65536:
        head = struct.pack(">BBH", b0, m | 126, n)
    else:
        head = struct.pack(">BBQ", b0, m | 127, n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        head += mask
    return head + payload


def ws_handshake(conn, path=b"/chat", extensions=None):
    """A valid RFC 6455 handshake on conn (client request, server 101)."""
    key = base64.b64encode(os.urandom(16))
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                              .digest())
    ext_req = b"Sec-WebSocket-Extensions: %s\r\n" % extensions if extensions else b""
    ext_resp = b"Sec-WebSocket-Extensions: %s\r\n" % extensions if extensions else b""
    conn.send(0, b"GET " + path + b" HTTP/1.1\r\nHost: test.example\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key +
              b"\r\nSec-WebSocket-Version: 13\r\n" + ext_req + b"\r\n")
    conn.send(1, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n" +
              ext_resp + b"\r\n")
    return conn


def ws_session(n, ts):
    """Session number n: its own client address and port, a text message each way, close."""
    conn = Conn(ip4(0x100000 + n), ip4(1), 20000 + n % 40000, 8080, ts, step=20)
    ws_handshake(conn.handshake())
    conn.send(0, ws_frame(1, b"hello %d" % n, mask=b"\x01\x02\x03\x04"))
    conn.send(1, ws_frame(1, b"hi %d" % n))
    conn.send(0, ws_frame(8, b"\x03\xe8", mask=b"\x05\x06\x07\x08"))
    conn.send(1, ws_frame(8, b"\x03\xe8"))
    return conn.close().out


def stream(path, generator, rate=None):
    """Writes the packets of each session the generator yields; with rate, at most that many
    sessions per second of wall-clock time (a live-like arrival for the UI)."""
    f = sys.stdout.buffer if path == "-" else open(path, "wb")
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    start = time.monotonic()
    for i, packets in enumerate(generator):
        for p in packets:
            f.write(struct.pack("<IIII", p.ts // 1000000, p.ts % 1000000, len(p.frame), p.orig)
                    + p.frame)
        if rate:
            f.flush()
            ahead = (i + 1) / rate - (time.monotonic() - start)
            if ahead > 0:
                time.sleep(ahead)
    f.flush()
    if f is not sys.stdout.buffer:
        f.close()


def keystrokes(packets):
    """A request whose bytes spell UI commands: save the packets (s), export reports (e),
    each answered with a file name and Enter, many times over."""
    evil = (b"sPWNED.pcap\r" + b"eEVIL.ndjson\r" + b"/x\r" + b"q") * 50
    ts = packets[-1].ts + 1000 if packets else 0
    conn = Conn(ip4(1), ip4(2), 40000, 8080, ts).handshake()
    conn.send(0, b"POST /keys HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(evil)
              + evil).close()
    return packets + conn.out


HTML_PAYLOADS = [
    b"<script>document.title='PWNED'</script>",
    b"\"><img src=x onerror=\"document.title='PWNED'\">",
    b"'><svg onload=document.title='PWNED'>",
    b"</script><script>document.title='PWNED'</script>",
    b"<!--<script>document.title='PWNED'</script>-->",
    b"</textarea></title></style><iframe srcdoc=\"<script>parent.document.title='PWNED'"
    b"</script>\">",
    "\u2028\u2029</pre><b onmouseover=\"document.title='PWNED'\">x</b>".encode(),
    b"&lt;script&gt;&amp;&#39; javascript:document.title='PWNED'",
]


def hostile_html():
    """One WebSocket session with HTML and script wherever the wire reaches a report."""
    p = HTML_PAYLOADS
    conn = Conn(ip4(1), ip4(2), 40001, 8080, 1700000000000000).handshake()
    key = base64.b64encode(os.urandom(16))
    conn.send(0, b"GET /" + p[0] + b" HTTP/1.1\r\nHost: " + p[1] + b"\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key +
              b"\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: " + p[2] +
              b"\r\nUser-Agent: " + p[3] + b"\r\nOrigin: http://" + p[4] +
              b"\r\nX-" + p[5].replace(b" ", b"") + b": " + p[6] + b"\r\n\r\n")
    conn.send(1, b"HTTP/1.1 101 Switching " + p[7] + b"\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + p[0] +
              b"\r\nSec-WebSocket-Protocol: " + p[2] + b"\r\n\r\n")
    conn.send(0, ws_frame(1, p[3], mask=b"\x01\x02\x03\x04"))
    conn.send(1, ws_frame(1, p[1]))
    conn.send(0, ws_frame(8, b"\x03\xe8" + p[0][:100], mask=b"\x05\x06\x07\x08"))
    conn.send(1, ws_frame(8, b"\x03\xe8" + p[2][:100]))
    return conn.close().out


def interleave(inputs):
    """Each input shifted to start at the same instant (plus 137 us per input), merged by time;
    a stable sort keeps each input's own order."""
    merged = []
    for i, path in enumerate(inputs):
        packets = read(path)
        if not packets:
            continue
        shift = 1700000000000000 + i * 137 - packets[0].ts
        for n, p in enumerate(packets):
            p.ts += shift
            merged.append((p.ts, i, n, p))
    merged.sort(key=lambda t: (t[0], t[1], t[2]))
    return [t[3] for t in merged]


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    cmd = argv[1]
    if cmd == "inject-rst":
        write(argv[3], inject_rst(read(argv[2])))
    elif cmd == "inject-fin":
        write(argv[3], inject_fin(read(argv[2])))
    elif cmd == "interleave":
        write(argv[2], interleave(argv[3:]))
    elif cmd == "drop":
        packets = read(argv[2])
        n = int(argv[4])
        write(argv[3], packets[:n - 1] + packets[n:])
    elif cmd == "flip":
        packets = read(argv[2])
        p = packets[int(argv[4]) - 1]
        end = 14 + struct.unpack(">H", p.frame[16:18])[0]  # the IP packet's end
        p.frame = p.frame[:end - 1] + bytes([p.frame[end - 1] ^ 0xff]) + p.frame[end:]
        write(argv[3], packets)
    elif cmd == "from":
        write(argv[3], read(argv[2])[int(argv[4]) - 1:])
    elif cmd == "many-ws":
        n = int(argv[2])
        rate = float(argv[4]) if len(argv) > 4 else None
        base = 1700000000000000
        stream(argv[3], (ws_session(i, base + i * 1000) for i in range(n)), rate)
    elif cmd == "hostile-html":
        write(argv[2], hostile_html())
    elif cmd == "keystrokes":
        write(argv[3], keystrokes(read(argv[2])))
    else:
        print("pcapgen: unknown command %s" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
