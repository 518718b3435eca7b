#!/usr/bin/python3
"""Raw HTTP/2 peers (cleartext, prior knowledge) for RFC 8441 behaviour that libraries refuse
to produce. Frames are built by hand; header blocks with Debian's python3-hpack.

  h2raw.py server PORT MODE     serves (one connection at a time) until killed
  h2raw.py client PORT MODE     exits when done

MODE (the same on both sides):
  no-setting       the server's SETTINGS lacks ENABLE_CONNECT_PROTOCOL; the client sends an
                   extended CONNECT anyway and the server answers 200
  status-101       the server answers the CONNECT with :status 101 (forbidden in HTTP/2); the
                   naive client goes on as if it were 200
  key-headers      the client's CONNECT carries sec-websocket-key, connection: upgrade and
                   upgrade: websocket (HTTP/1.1 handshake headers); the server answers 200
  data-before-200  the client sends its first WebSocket frame in DATA right behind its HEADERS,
                   and the server answers 200 only after it has read that DATA
  withdrawn        the server sends ENABLE_CONNECT_PROTOCOL = 1, and after the first WebSocket
                   stream ended a SETTINGS with it = 0; the client opens a second one anyway
  unmasked         the client's WebSocket frames are not masked
Every WebSocket message sent or received is logged like the node peers do.
"""
import json
import os
import socket
import struct
import sys
import time

import hpack

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, PING, GOAWAY, WINDOW_UPDATE = 0, 1, 3, 4, 6, 7, 8
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
ENABLE_CONNECT_PROTOCOL = 0x8
OPS = {0: "cont", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


def h2frame(ftype, flags, sid, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack(">I", sid) + payload


def settings_frame(pairs):
    return h2frame(SETTINGS, 0, 0, b"".join(struct.pack(">HI", k, v) for k, v in pairs))


def ws_frame(op, payload, mask):
    n = len(payload)
    head = bytes([0x80 | op])
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack(">H", n)
    else:
        head += bytes([m | 127]) + struct.pack(">Q", n)
    if mask:
        key = os.urandom(4)
        return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return head + payload


def ws_parse(buf):
    """Returns (frames, rest): frames are (op, masked, payload)."""
    out = []
    while len(buf) >= 2:
        op, masked, n, off = buf[0] & 0x0F, bool(buf[1] & 0x80), buf[1] & 0x7F, 2
        if n == 126:
            if len(buf) < 4:
                break
            n, off = struct.unpack(">H", buf[2:4])[0], 4
        elif n == 127:
            if len(buf) < 10:
                break
            n, off = struct.unpack(">Q", buf[2:10])[0], 10
        need = off + (4 if masked else 0) + n
        if len(buf) < need:
            break
        payload = buf[need - n:need]
        if masked:
            key = buf[off:off + 4]
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        out.append((op, masked, payload))
        buf = buf[need:]
    return out, buf


def describe(op, payload):
    if op == 8:
        if len(payload) >= 2:
            return "code=%d reason=%s" % (struct.unpack(">H", payload[:2])[0], json.dumps(payload[2:].decode()))
        return "code=none"
    if op in (1, 9, 10):
        return json.dumps(payload.decode())
    return payload[:8].hex()


def log(role, sid, direction, op, payload, masked):
    print("%s stream=%d %s %s len=%d%s %s" % (role, sid, direction, OPS.get(op, op), len(payload),
                                               " masked" if masked else "", describe(op, payload)),
          flush=True)


class Peer:
    """One side of an HTTP/2 connection: reads frames, answers SETTINGS and PING, collects the
    rest per stream."""

    def __init__(self, sock, role):
        self.sock, self.role = sock, role
        self.enc, self.dec = hpack.Encoder(), hpack.Decoder()
        self.buf = b""
        self.streams = {}  # sid -> dict(headers, wsbuf, frames, ended, reset)
        self.settings = []
        self.goaway = False

    def send(self, data):
        self.sock.sendall(data)

    def headers(self, sid, pairs, end_stream=False):
        print("%s stream=%d send HEADERS %s" % (self.role, sid, "; ".join("%s: %s" % p for p in pairs)),
              flush=True)
        block = self.enc.encode(pairs)
        return h2frame(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0), sid, block)

    def ws(self, sid, op, payload, mask):
        log(self.role, sid, "send", op, payload, mask)
        return h2frame(DATA, 0, sid, ws_frame(op, payload, mask))

    def stream(self, sid):
        return self.streams.setdefault(sid, {"headers": None, "wsbuf": b"", "frames": [],
                                             "ended": False, "reset": None})

    def read_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_frame(self):
        head = self.read_exact(9)
        n = struct.unpack(">I", b"\0" + head[:3])[0]
        ftype, flags, sid = head[3], head[4], struct.unpack(">I", head[5:9])[0] & 0x7FFFFFFF
        payload = self.read_exact(n)
        self.handle(ftype, flags, sid, payload)
        return ftype, flags, sid, payload

    def handle(self, ftype, flags, sid, payload):
        if ftype == SETTINGS and not flags & ACK:
            pairs = [struct.unpack(">HI", payload[i:i + 6]) for i in range(0, len(payload), 6)]
            self.settings.append(pairs)
            print("%s recv SETTINGS %s" % (self.role, pairs), flush=True)
            self.send(h2frame(SETTINGS, ACK, 0))
        elif ftype == PING and not flags & ACK:
            self.send(h2frame(PING, ACK, 0, payload))
        elif ftype == HEADERS:
            st = self.stream(sid)
            hdrs = self.dec.decode(payload)  # no padding or priority from our peers
            st["headers"] = hdrs
            print("%s stream=%d recv HEADERS %s" % (self.role, sid, "; ".join("%s: %s" % h for h in hdrs)),
                  flush=True)
            st["ended"] = st["ended"] or bool(flags & END_STREAM)
        elif ftype == DATA:
            st = self.stream(sid)
            frames, st["wsbuf"] = ws_parse(st["wsbuf"] + payload)
            for op, masked, p in frames:
                log(self.role, sid, "recv", op, p, masked)
                st["frames"].append((op, p))
            if flags & END_STREAM:
                print("%s stream=%d recv END_STREAM" % (self.role, sid), flush=True)
                st["ended"] = True
        elif ftype == RST_STREAM:
            code = struct.unpack(">I", payload)[0]
            print("%s stream=%d recv RST_STREAM code=%d" % (self.role, sid, code), flush=True)
            self.stream(sid)["reset"] = code
        elif ftype == GOAWAY:
            print("%s recv GOAWAY code=%d" % (self.role, struct.unpack(">I", payload[4:8])[0]), flush=True)
            self.goaway = True

    def until(self, cond, timeout=3.0):
        self.sock.settimeout(timeout)
        while not cond():
            self.read_frame()


# ---- server ----

def server(port, mode):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(5)
    while True:
        sock, _ = srv.accept()
        try:
            serve(Peer(sock, "server"), mode)
        except (EOFError, OSError, socket.timeout) as exc:
            print("server connection ended:", type(exc).__name__, flush=True)
        sock.close()


def serve(p, mode):
    if p.read_exact(len(PREFACE)) != PREFACE:
        return
    pairs = [(3, 100), (4, 65535)]  # MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE
    if mode != "no-setting":
        pairs.append((ENABLE_CONNECT_PROTOCOL, 1))
    print("server send SETTINGS %s" % pairs, flush=True)
    p.send(settings_frame(pairs))
    answered, finished, withdrawn = set(), set(), False
    p.sock.settimeout(5)
    while not p.goaway:
        ftype, flags, sid, _ = p.read_frame()
        st = p.streams.get(sid)
        if ftype == HEADERS and st and sid not in answered:
            h = dict(st["headers"])
            if h.get(":method") != "CONNECT":
                p.send(p.headers(sid, [(":status", "404")], end_stream=True))
                answered.add(sid)
                continue
            if mode == "data-before-200":
                p.until(lambda: st["frames"] or st["ended"])  # hold the 200 until DATA came
            status = "101" if mode == "status-101" else "200"
            p.send(p.headers(sid, [(":status", status)]))
            answered.add(sid)
        if st and sid in answered and sid not in finished:
            # echo whatever WebSocket frames arrived (also those read before the 200)
            while st["frames"]:
                op, payload = st["frames"].pop(0)
                if op == 1:
                    p.send(p.ws(sid, 1, b"echo: " + payload, False))
                elif op == 2:
                    p.send(p.ws(sid, 2, payload, False))
                elif op == 9:
                    p.send(p.ws(sid, 10, payload, False))
                elif op == 8:
                    p.send(p.ws(sid, 8, payload[:2], False))
            if st["ended"] or st["reset"] is not None:
                finished.add(sid)
                if st["ended"]:
                    print("server stream=%d send END_STREAM" % sid, flush=True)
                    p.send(h2frame(DATA, END_STREAM, sid))
                if mode == "withdrawn" and not withdrawn:
                    withdrawn = True
                    time.sleep(0.05)
                    print("server send SETTINGS [(8, 0)]", flush=True)
                    p.send(settings_frame([(ENABLE_CONNECT_PROTOCOL, 0)]))
    p.send(h2frame(GOAWAY, 0, 0, struct.pack(">II", max(p.streams or [0]), 0)))


# ---- client ----

def client(port, mode):
    sock = socket.create_connection(("127.0.0.1", port))
    p = Peer(sock, "client")
    p.send(PREFACE + settings_frame([(2, 0)]))  # ENABLE_PUSH = 0
    p.until(lambda: p.settings)  # the server's SETTINGS
    mask = mode != "unmasked"
    authority = "127.0.0.1:%d" % port

    def connect(sid, path, extra=()):
        return p.headers(sid, [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
                               (":path", path), (":authority", authority),
                               ("sec-websocket-version", "13")] + list(extra))

    def session(sid, path, texts, extra=(), early=False):
        st = p.stream(sid)
        if early:  # HEADERS and the first frame in one write, before any answer
            p.send(connect(sid, path, extra) + p.ws(sid, 1, texts[0], mask))
            texts = texts[1:]
            p.until(lambda: st["headers"] is not None or st["reset"] is not None)
            p.until(lambda: st["frames"] or st["reset"] is not None)
            if st["frames"]:
                st["frames"].pop(0)
        else:
            p.send(connect(sid, path, extra))
            p.until(lambda: st["headers"] is not None or st["reset"] is not None)
        if st["reset"] is not None:
            return
        print("client stream=%d response %s" % (sid, dict(st["headers"]).get(":status")), flush=True)
        for t in texts:
            p.send(p.ws(sid, 1, t, mask))
            p.until(lambda: st["frames"] or st["reset"] is not None)
            if st["frames"]:
                st["frames"].pop(0)
        p.send(p.ws(sid, 8, struct.pack(">H", 1000) + b"bye", mask))
        p.until(lambda: st["frames"] or st["reset"] is not None)
        print("client stream=%d send END_STREAM" % sid, flush=True)
        p.send(h2frame(DATA, END_STREAM, sid))
        p.until(lambda: st["ended"] or st["reset"] is not None)

    extra = ()
    if mode == "key-headers":
        extra = [("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="), ("connection", "upgrade"),
                 ("upgrade", "websocket")]
    try:
        session(1, "/chat", [b"hello", b"second"], extra=extra, early=mode == "data-before-200")
        if mode == "withdrawn":
            p.until(lambda: any((8, 0) in s for s in p.settings))
            session(3, "/again", [b"after the withdrawal"])
    except (socket.timeout, EOFError) as exc:
        print("client gave up waiting:", type(exc).__name__, flush=True)
    p.send(h2frame(GOAWAY, 0, 0, struct.pack(">II", 0, 0)))
    sock.shutdown(socket.SHUT_WR)
    try:  # read the server's last frames (its GOAWAY) until it closes too
        p.until(lambda: p.goaway, timeout=1.0)
    except (socket.timeout, EOFError, OSError):
        pass
    drain_until_eof(sock)
    sock.close()


def drain_until_eof(sock):
    sock.settimeout(1.0)
    try:
        while sock.recv(65536):
            pass
    except (socket.timeout, OSError):
        pass


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("server", "client"):
        sys.exit(__doc__)
    (server if sys.argv[1] == "server" else client)(int(sys.argv[2]), sys.argv[3])
