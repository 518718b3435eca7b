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
  pcapgen.py long N OUT              two long-lived connections whose packets after the start are
                                     all alike: a WebSocket session of N messages each way and
                                     an HTTP/1.1 download of N full segments
  pcapgen.py drop IN OUT N           IN without its packet number N (1-based): a hole
  pcapgen.py from IN OUT N           IN from its packet number N on: a capture that began late
  pcapgen.py flip IN OUT N           IN with the last byte of packet N's TCP payload inverted:
                                     corruption on the wire (the TCP checksum is left wrong)
  pcapgen.py keystrokes IN OUT       IN, then a connection whose bytes are UI commands ("s",
                                     a file name, Enter; "e", ...): what a hostile capture
                                     piped into `upscope --ui -r -` would type
  pcapgen.py variants IN DIR [MODE...]  IN's IPv4 packets carried in tunnels or fragments, one
                                     file per mode (DIR/MODE.pcap; all of VARIANTS if none
                                     named): vxlan, vxlan-4790, geneve, gre-key, gre-teb,
                                     erspan2, erspan3, ipip, 6in4, 4in6, 6in6 (the inner packet
                                     made IPv6 as relink.py's ipv6 mode does), gtpu, vxlan-in-gre,
                                     frag4 (three fragments, out of order), frag4-dup (plus an
                                     overlapping repeat, same bytes), frag6, frag-in-vxlan,
                                     gre-outer-frag (the GRE packet fragmented); on request
                                     frag4-other (an overlap with other bytes) and vxlan:N (in
                                     VNI N)
  pcapgen.py variant-one IN OUT MODE N  only packet number N carried as MODE says
  pcapgen.py connect-raw OUT         HTTP CONNECT as libraries will not send it: a target
                                     without a port (400); a 200 with Content-Length: 0 to a
                                     client that sent its WebSocket handshake before the answer;
                                     a 407 with a body, then the retry with credentials on the
                                     same connection, answered 200, then HTTP/2 prior knowledge
  pcapgen.py big-heads OUT           keep-alive connections with large heads: a 20 KB request
                                     (five 4000-byte fields, as nginx and Apache accept) then a
                                     WebSocket upgrade; a 100 KB request (past the default
                                     limit) then an upgrade; an h2c upgrade whose
                                     HTTP2-Settings is 2664 characters (444 settings)
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


def pcap_bytes(packets, linktype=1, snaplen=262144):
    """The packets as a pcap file's bytes."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)]
    for p in packets:
        out.append(struct.pack("<IIII", p.ts // 1000000, p.ts % 1000000, len(p.frame), p.orig)
                   + p.frame)
    return b"".join(out)


def write(path, packets, linktype=1, snaplen=262144):
    with open(path, "wb") as f:
        f.write(pcap_bytes(packets, linktype, snaplen))


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


def long_conns(n):
    """A WebSocket session with n messages each way (the client's masked), then a plain
    HTTP/1.1 download of n full segments: the steady state of a busy link's connections."""
    ws = Conn(ip4(1), ip4(2), 40001, 8080, 1700000000000000, step=50)
    ws_handshake(ws.handshake())
    for i in range(n):
        ws.send(0, ws_frame(1, b"tick %06d" % i, mask=b"\x01\x02\x03\x04"))
        ws.send(1, ws_frame(2, bytes(200)))
    ws.send(0, ws_frame(8, b"\x03\xe8", mask=b"\x05\x06\x07\x08"))
    ws.send(1, ws_frame(8, b"\x03\xe8"))
    out = ws.close().out
    http = Conn(ip4(3), ip4(4), 40002, 80, ws.ts + 1000, step=50)
    http.handshake().send(0, b"GET /big HTTP/1.1\r\nHost: test.example\r\n\r\n")
    http.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (n * 1400))
    http.send(1, bytes(n * 1400))
    return out + http.close().out


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


def connect_raw():
    """Three proxy connections (see the usage): what upscope must make of CONNECT's corners."""
    proxy, out = ip4(0xFFFF01), []
    bad = Conn(ip4(1), proxy, 41001, 3128, 1700000000000000).handshake()
    bad.send(0, b"CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n\r\n")
    bad.send(1, b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    out += bad.close().out
    eager = Conn(ip4(2), proxy, 41002, 3128, 1700000001000000).handshake()
    eager.send(0, b"CONNECT 10.9.9.9:8080 HTTP/1.1\r\nHost: 10.9.9.9:8080\r\n\r\n")
    key = base64.b64encode(b"0123456789abcdef")
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                              .digest())
    eager.send(0, b"GET /chat HTTP/1.1\r\nHost: 10.9.9.9:8080\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key +
               b"\r\nSec-WebSocket-Version: 13\r\n\r\n")
    eager.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    eager.send(1, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    eager.send(0, ws_frame(1, b"through the proxy", mask=b"\x01\x02\x03\x04"))
    eager.send(1, ws_frame(1, b"back through it"))
    eager.send(0, ws_frame(8, b"\x03\xe8", mask=b"\x05\x06\x07\x08"))
    eager.send(1, ws_frame(8, b"\x03\xe8"))
    out += eager.close().out
    auth = Conn(ip4(3), proxy, 41003, 3128, 1700000002000000).handshake()
    auth.send(0, b"CONNECT 10.9.9.9:80 HTTP/1.1\r\nHost: 10.9.9.9:80\r\n\r\n")
    body = b"<html>credentials, please</html>"
    auth.send(1, b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic "
              b"realm=\"proxy\"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    auth.send(0, b"CONNECT 10.9.9.9:80 HTTP/1.1\r\nHost: 10.9.9.9:80\r\nProxy-Authorization: "
              b"Basic dXNlcjpwYXNz\r\n\r\n")
    auth.send(1, b"HTTP/1.1 200 Connection established\r\n\r\n")
    settings = b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
    auth.send(0, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + settings)
    auth.send(1, settings + b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")
    auth.send(0, b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")
    out += auth.close().out
    return out


def big_heads():
    """See the usage: what heads of real size do to the connections they open."""
    out = []
    for n, (lines, size) in enumerate(((5, 4000), (25, 4000))):
        conn = Conn(ip4(10 + n), ip4(2), 42000 + n, 8080, 1700000000000000 + n * 1000000)
        conn.handshake()
        fields = b"".join(b"X-Big-%d: %s\r\n" % (i, b"v" * size) for i in range(lines))
        conn.send(0, b"GET /big HTTP/1.1\r\nHost: test.example\r\n" + fields + b"\r\n")
        conn.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        ws_handshake(conn)
        conn.send(0, ws_frame(1, b"after the big head", mask=b"\x01\x02\x03\x04"))
        conn.send(1, ws_frame(1, b"seen"))
        out += conn.close().out
    conn = Conn(ip4(12), ip4(2), 42002, 8080, 1700000002000000).handshake()
    settings = base64.urlsafe_b64encode(struct.pack(">HI", 3, 100) * 444).rstrip(b"=")
    conn.send(0, b"GET / HTTP/1.1\r\nHost: test.example\r\nConnection: Upgrade, HTTP2-Settings"
              b"\r\nUpgrade: h2c\r\nHTTP2-Settings: " + settings + b"\r\n\r\n")
    conn.send(1, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    out += conn.close().out
    return out


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


# ---- tunnel and fragment variants (tests/tunnels.sh) ----

OUTER = (bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))          # the tunnel's two ends
OUTER2 = (bytes([198, 51, 100, 1]), bytes([198, 51, 100, 2]))   # an outer tunnel's ends
OUTER6 = (b"\x20\x01\x0d\xb8\xff" + b"\x00" * 10 + b"\x01",
          b"\x20\x01\x0d\xb8\xff" + b"\x00" * 10 + b"\x02")
VNI, GRE_KEY, ERSPAN_SESSION = 42, 7, 100
TEID = (0x1000, 0x2000)                                         # per direction, as in GTP-U


def ipv4(src, dst, proto, payload, ident=0, frag=0x4000):
    hdr = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0,
                      src, dst)
    return hdr[:10] + struct.pack(">H", checksum(hdr)) + hdr[12:] + payload


def ipv6(src, dst, nh, payload):
    return struct.pack(">IHBB", 6 << 28, len(payload), nh, 64) + src + dst + payload


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def eth(ethertype, payload):
    return b"\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01" + \
        struct.pack(">H", ethertype) + payload


def gre(proto, payload, key=None, seq=None, csum=False):
    """RFC 2784/2890: flags, protocol, then checksum, key, sequence as present."""
    flags = (0x8000 if csum else 0) | (0x2000 if key is not None else 0) | \
        (0x1000 if seq is not None else 0)
    opt = b"\x00\x00\x00\x00" if csum else b""
    opt += struct.pack(">I", key) if key is not None else b""
    opt += struct.pack(">I", seq) if seq is not None else b""
    hdr = struct.pack(">HH", flags, proto) + opt
    if csum:
        c = checksum(hdr + payload)
        hdr = hdr[:4] + struct.pack(">H", c) + hdr[6:]
    return hdr + payload


def vxlan(vni, frame):
    return struct.pack(">BBHI", 0x08, 0, 0, vni << 8) + frame


def geneve(vni, frame):
    """RFC 8926 with one 8-byte option (class 0x0102, type 0x80, 4 bytes of data)."""
    opt = struct.pack(">HBB", 0x0102, 0x80, 1) + b"\xde\xad\xbe\xef"
    return struct.pack(">BBHI", len(opt) // 4, 0, 0x6558, vni << 8) + opt + frame


def gtpu(teid, seq, ip):
    """3GPP TS 29.281: version 1, PT, E and S; a PDU Session Container extension header."""
    ext = bytes([1, 0x10, 0x05, 0])                      # 4 bytes, next type none
    opt = struct.pack(">HBB", seq & 0xFFFF, 0, 0x85) + ext
    return struct.pack(">BBHI", 0x36, 255, len(opt) + len(ip), teid) + opt + ip


def erspan2(session, frame):
    return struct.pack(">II", 1 << 28 | 3 << 11 | session, 0) + frame  # ver 1, En 3


def erspan3(session, frame):
    """Type III with the O bit: an 8-byte platform subheader."""
    return struct.pack(">IIII", 2 << 28 | session, 0x12345678, 0x00000001, 0) + \
        struct.pack(">I", 0) + frame


def fragments4(ip, ident, overlap=None):
    """An IPv4 packet in three fragments, sent last, first, middle (out of order). overlap,
    sent before the middle one: None, "same" (a repeat over the first two pieces' boundary,
    identical bytes) or "other" (other bytes over the end of the first piece, after the
    genuine ones: the first copy must win)."""
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    payload = ip[ihl:total]
    if len(payload) < 24:
        return [ip]
    a = len(payload) // 3 // 8 * 8
    b = 2 * a

    def piece(off, end, more, data=None):
        data = payload[off:end] if data is None else data
        hdr = bytearray(ip[:ihl])
        struct.pack_into(">HHH", hdr, 2, ihl + len(data), ident,
                         (0x2000 if more else 0) | off // 8)
        hdr[10:12] = b"\x00\x00"
        hdr[10:12] = struct.pack(">H", checksum(bytes(hdr)))
        return bytes(hdr) + data

    out = [piece(b, len(payload), False), piece(0, a, True)]
    if overlap == "same":                  # into the middle piece too, unless that would
        out.append(piece(a - 8, a + 8 if b - a > 8 else a, True))  # complete it early
    elif overlap == "other":
        start = max(0, a - 16)
        out.append(piece(start, a, True, bytes(x ^ 0xFF for x in payload[start:a])))
    return out + [piece(a, b, True)]


def fragments6(ip6, ident):
    """An IPv6 packet (no extension headers) in three fragments, last, first, middle."""
    payload, nh = ip6[40:], ip6[6]
    if len(payload) < 24:
        return [ip6]
    a = len(payload) // 3 // 8 * 8
    b = 2 * a
    out = []
    for off, end, more in ((b, len(payload), 0), (0, a, 1), (a, b, 1)):
        fh = struct.pack(">BBHI", nh, 0, off | more, ident)
        out.append(ip6[:6] + b"\x2c" + ip6[7:8] + ip6[8:40] + fh + payload[off:end])
        out[-1] = out[-1][:4] + struct.pack(">H", 8 + end - off) + out[-1][6:]
    return out


def v4_to_v6(ip):
    """The IPv4 packet as IPv6 (2001:db8::a.b.c.d), as tests/relink.py's ipv6 mode does."""
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    return ipv6(b"\x20\x01\x0d\xb8" + b"\x00" * 8 + ip[12:16],
                b"\x20\x01\x0d\xb8" + b"\x00" * 8 + ip[16:20], ip[9], ip[ihl:total])


def wrap(mode, ip, fwd, n):
    """The frames that carry one inner IPv4 packet in variant mode; fwd: sent by the side that
    sent the capture's first packet; n: the packet's number (ids, sequence numbers)."""
    o = OUTER if fwd else OUTER[::-1]
    o2 = OUTER2 if fwd else OUTER2[::-1]
    o6 = OUTER6 if fwd else OUTER6[::-1]
    sport = 50000 if fwd else 50001                   # VXLAN's source port is entropy
    if mode == "vxlan" or mode.startswith("vxlan:"):  # vxlan:N: in VNI N
        vni = int(mode[6:]) if ":" in mode else VNI
        return [eth(0x0800, ipv4(*o, 17, udp(sport, 4789, vxlan(vni, eth(0x0800, ip)))))]
    if mode == "vxlan-4790":
        return [eth(0x0800, ipv4(*o, 17, udp(sport, 4790, vxlan(VNI, eth(0x0800, ip)))))]
    if mode == "geneve":
        return [eth(0x0800, ipv4(*o, 17, udp(sport, 6081, geneve(VNI, eth(0x0800, ip)))))]
    if mode == "gre-key":
        return [eth(0x0800, ipv4(*o, 47, gre(0x0800, ip, key=GRE_KEY)))]
    if mode == "gre-teb":
        return [eth(0x0800, ipv4(*o, 47, gre(0x6558, eth(0x0800, ip), key=GRE_KEY, seq=n,
                                            csum=True)))]
    if mode == "erspan2":
        return [eth(0x0800, ipv4(*o, 47, gre(0x88BE, erspan2(ERSPAN_SESSION,
                                                             eth(0x0800, ip)), seq=n)))]
    if mode == "erspan3":
        return [eth(0x0800, ipv4(*o, 47, gre(0x22EB, erspan3(ERSPAN_SESSION,
                                                             eth(0x0800, ip)), seq=n)))]
    if mode == "ipip":
        return [eth(0x0800, ipv4(*o, 4, ip))]
    if mode == "6in4":
        return [eth(0x0800, ipv4(*o, 41, v4_to_v6(ip)))]
    if mode == "4in6":
        return [eth(0x86DD, ipv6(*o6, 4, ip))]
    if mode == "6in6":
        return [eth(0x86DD, ipv6(*o6, 41, v4_to_v6(ip)))]
    if mode == "gtpu":
        return [eth(0x0800, ipv4(*o, 17, udp(2152, 2152, gtpu(TEID[0 if fwd else 1], n, ip))))]
    if mode == "vxlan-in-gre":
        inner = ipv4(*o, 17, udp(sport, 4789, vxlan(VNI, eth(0x0800, ip))))
        return [eth(0x0800, ipv4(*o2, 47, gre(0x0800, inner, key=GRE_KEY)))]
    if mode in ("frag4", "frag4-dup", "frag4-other"):
        overlap = {"frag4": None, "frag4-dup": "same", "frag4-other": "other"}[mode]
        return [eth(0x0800, f) for f in fragments4(ip, n & 0xFFFF, overlap)]
    if mode == "frag6":
        return [eth(0x86DD, f) for f in fragments6(v4_to_v6(ip), n)]
    if mode == "frag-in-vxlan":
        return [eth(0x0800, ipv4(*o, 17, udp(sport, 4789, vxlan(VNI, eth(0x0800, f)))))
                for f in fragments4(ip, n & 0xFFFF)]
    if mode == "gre-outer-frag":
        outer = ipv4(*o, 47, gre(0x0800, ip, key=GRE_KEY))
        return [eth(0x0800, f) for f in fragments4(outer, n & 0xFFFF)]
    raise SystemExit("pcapgen: unknown variant %s" % mode)


VARIANTS = ("vxlan", "vxlan-4790", "geneve", "gre-key", "gre-teb", "erspan2", "erspan3",
            "ipip", "6in4", "4in6", "6in6", "gtpu", "vxlan-in-gre", "frag4", "frag4-dup",
            "frag6", "frag-in-vxlan", "gre-outer-frag")


def variant(packets, mode, only=None):
    """Every Ethernet/IPv4 packet of a capture carried as variant mode says (only: just the
    packet with that index; the others kept); other records are kept as they are. In each
    connection, the side that sent its first packet is the tunnel's first end (OUTER[0],
    TEID[0])."""
    out, opener = [], {}
    for n, p in enumerate(packets):
        f = p.frame
        if len(f) < 34 or f[12:14] != b"\x08\x00" or f[14] >> 4 != 4 or \
                (only is not None and n != only):
            out.append(p)
            continue
        total = struct.unpack(">H", f[16:18])[0]
        ip = f[14:14 + total]
        me = (ip[12:16], p.sport if p.tcp else 0)
        peer = (ip[16:20], p.dport if p.tcp else 0)
        first = opener.setdefault(frozenset((me, peer)), me)
        for frame in wrap(mode, ip, me == first, n + 1):
            out.append(Packet(p.ts, frame))
    return out


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
    elif cmd == "long":
        write(argv[3], long_conns(int(argv[2])))
    elif cmd == "connect-raw":
        write(argv[2], connect_raw())
    elif cmd == "big-heads":
        write(argv[2], big_heads())
    elif cmd == "hostile-html":
        write(argv[2], hostile_html())
    elif cmd == "keystrokes":
        write(argv[3], keystrokes(read(argv[2])))
    elif cmd == "variants":
        packets = read(argv[2])
        for mode in argv[4:] or VARIANTS:
            write(os.path.join(argv[3], mode + ".pcap"), variant(packets, mode))
    elif cmd == "variant-one":
        write(argv[3], variant(read(argv[2]), argv[4], int(argv[5]) - 1))
    else:
        print("pcapgen: unknown command %s" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
