#!/usr/bin/env python3
"""Peers of the WebSocket lifecycle captures (captures/life/make.sh):  life.py ROLE PORT [opts]

python3-websockets 10.4 (Debian 12) where a library does the job, raw sockets with hand-written
RFC 6455 frames where the scenario needs a peer that misbehaves (never answers pings, never
answers a close, resets the connection in the middle of a message).

Every peer prints one line per WebSocket frame it sends or receives, and one per event (TCP
connected, FIN received, connection lost, how it ended), on stdout (make.sh appends it to
NAME.log):

    EPOCH ROLE conn=N send|recv OPCODE len=N [nofin] DETAIL
    EPOCH ROLE conn=N event WHAT
    EPOCH ROLE conn=N end WHAT

EPOCH is the wall clock (seconds, 6 decimals: comparable to the capture's frame.time_epoch).
DETAIL: text as a quoted string (cut at 60 characters), ping/pong payload=HEX ("ascii"),
close code=N reason="...", binary the first 8 bytes in hex. The websockets peers log at the
frame level (a subclass of the legacy protocol hooks read_frame/write_frame_sync), so pings,
pongs and close frames the library sends on its own appear too. Servers serve until killed.
"""
import asyncio
import base64
import hashlib
import os
import socket
import struct
import sys
import time

OPC = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def line(role, conn, text):
    # one write() per line: both peers append to the same file
    os.write(1, ("%.6f %s conn=%d %s\n" % (time.time(), role, conn, text)).encode())


def short(s, n=60):
    return s if len(s) <= n else s[:n] + "..."


def describe(op, data):
    if op == 8:
        if len(data) >= 2:
            code = struct.unpack(">H", data[:2])[0]
            return "code=%d reason=%s" % (code, short(data[2:].decode("utf-8", "replace")).__repr__())
        return "code=none"
    if op in (9, 10):
        return "payload=%s (%s)" % (data.hex() or "-", data.decode("ascii", "replace").__repr__())
    if op == 1:
        return short(data.decode("utf-8", "replace")).__repr__()
    return data[:8].hex() + ("..." if len(data) > 8 else "")


def log_frame(role, conn, direction, op, data, fin=True):
    line(role, conn, "%s %s len=%d%s %s" % (direction, OPC.get(op, "op%d" % op), len(data),
                                           "" if fin else " nofin", describe(op, data)))


def opt(opts, name, default=None):
    for o in opts:
        if o.startswith(name + "="):
            return o.split("=", 1)[1]
    return default


# ---- python websockets 10.4 (legacy asyncio API), every frame logged ----

CONNS = {}  # role: connections so far (conn=N in the log)


def logging_protocol(base, role):
    """A subclass of websockets' client or server protocol that logs every frame and the TCP
    events it sees."""
    counter = CONNS.setdefault(role, {"n": 0})

    class Logged(base):
        def connection_made(self, transport):
            counter["n"] += 1
            self.conn_id = counter["n"]
            line(role, self.conn_id, "event tcp connected %s:%d -> %s:%d" % (
                transport.get_extra_info("sockname") + transport.get_extra_info("peername")))
            super().connection_made(transport)

        def write_frame_sync(self, fin, opcode, data):
            log_frame(role, self.conn_id, "send", int(opcode), bytes(data), fin)
            super().write_frame_sync(fin, opcode, data)

        async def read_frame(self, max_size):
            frame = await super().read_frame(max_size)
            log_frame(role, self.conn_id, "recv", int(frame.opcode), bytes(frame.data), frame.fin)
            return frame

        def eof_received(self):
            line(role, self.conn_id, "event tcp FIN received")
            return super().eof_received()

        def connection_lost(self, exc):
            line(role, self.conn_id, "event tcp connection closed (%s)" % (
                "clean" if exc is None else "%s: %s" % (type(exc).__name__, exc)))
            super().connection_lost(exc)

    return Logged


def closed_text(ws, exc=None):
    s = "close_code=%s close_reason=%r" % (ws.close_code, ws.close_reason)
    if exc is not None:
        s = "%s: %s; %s" % (type(exc).__name__, exc, s)
    return s


def ws_server(port, *opts):
    """websockets echo server: answers each text with "echo: TEXT" (no keepalive pings of its
    own). opts: label=NAME (the role in the log; "backend" behind a proxy)."""
    import websockets
    from websockets.legacy.server import WebSocketServerProtocol
    role = opt(opts, "label", "server")

    async def echo(ws, path=None):
        try:
            async for msg in ws:
                await ws.send("echo: " + msg if isinstance(msg, str) else msg)
            line(role, ws.conn_id, "end connection closed normally: " + closed_text(ws))
        except websockets.ConnectionClosed as e:
            line(role, ws.conn_id, "end " + closed_text(ws, e))

    async def main():
        async with websockets.serve(echo, "127.0.0.1", port, ping_interval=None, compression=None,
                                    create_protocol=logging_protocol(WebSocketServerProtocol, role)):
            await asyncio.Future()

    asyncio.run(main())


def ws_connect(port, role, **kw):
    import websockets
    from websockets.legacy.client import WebSocketClientProtocol
    kw.setdefault("ping_interval", None)
    kw.setdefault("compression", None)  # no permessage-deflate: frame lengths as the log says
    return websockets.connect("ws://127.0.0.1:%d/chat" % port,
                              create_protocol=logging_protocol(WebSocketClientProtocol, role), **kw)


def clean_client(port, *opts):
    """life-clean: three texts 300 ms apart, each answered by the server's echo; two pings with
    known payloads answered by pongs; close 1000 "done" from the client."""
    import websockets

    async def main():
        async with ws_connect(port, "client") as ws:
            for i in (1, 2, 3):
                await ws.send("message %d from the client" % i)
                await ws.recv()
                await asyncio.sleep(0.3)
                if i < 3:
                    waiter = await ws.ping(b"life-ping-%d" % i)
                    rtt = await waiter
                    line("client", ws.conn_id, "event pong for life-ping-%d after %.6f s" % (i, rtt))
                    await asyncio.sleep(0.3)
            await ws.close(1000, "done")
            line("client", ws.conn_id, "end " + closed_text(ws))

    asyncio.run(main())


def idle_client(port, *opts):
    """life-idle-*: sessions=N times: connect, send one text, read its echo, then wait (no
    keepalive pings: ping_interval=None) until the connection ends; 300 ms between sessions."""
    import websockets
    sessions = int(opt(opts, "sessions", "1"))

    async def one(i):
        async with ws_connect(port, "client", close_timeout=2) as ws:
            await ws.send("hello %d, then silence" % i)
            await ws.recv()
            quiet_since = time.time()
            try:
                await ws.recv()
                line("client", ws.conn_id, "end unexpected message")
            except websockets.ConnectionClosed as e:
                line("client", ws.conn_id, "end after %.6f s idle: %s" % (
                    time.time() - quiet_since, closed_text(ws, e)))

    async def main():
        for i in range(1, sessions + 1):
            await one(i)
            await asyncio.sleep(0.3)

    asyncio.run(main())


def ping_client(port, *opts):
    """life-ping-unanswered: websockets with ping_interval=0.5, ping_timeout=3, close_timeout=1;
    besides its keepalive ping (4 random bytes) the client sends its own pings "app-ping-N"
    every 0.5 s. No pong comes: 3 s after the keepalive ping websockets fails the connection
    with close 1011 "keepalive ping timeout"; the close is not answered either, so 1 s later
    websockets half-closes TCP (FIN), and the server closes."""
    import websockets

    async def main():
        async with ws_connect(port, "client", ping_interval=0.5, ping_timeout=3,
                              close_timeout=1) as ws:
            await ws.send("anybody there?")
            waiters = []
            try:
                for i in range(1, 20):
                    await asyncio.sleep(0.5)
                    waiters.append(await ws.ping(b"app-ping-%d" % i))
                await ws.recv()
            except websockets.ConnectionClosed as e:
                await ws.wait_closed()
                for i, w in enumerate(waiters, 1):
                    if w.done() and not w.cancelled():
                        line("client", ws.conn_id, "event app-ping-%d: no pong (%s)" % (
                            i, type(w.exception()).__name__))
                line("client", ws.conn_id, "end " + closed_text(ws, e))

    asyncio.run(main())


def pong_client(port, *opts):
    """life-unsolicited-pong: unsolicited pongs "heartbeat-N" as heartbeats (RFC 6455 §5.5.3),
    pings "probe-N" answered by the server, texts echoed, then close 1000."""
    async def main():
        async with ws_connect(port, "client") as ws:
            await ws.send("hello")
            await ws.recv()
            for i in (1, 2, 3):
                await asyncio.sleep(0.3)
                await ws.pong(b"heartbeat-%d" % i)
                if i != 2:
                    await asyncio.sleep(0.3)
                    rtt = await (await ws.ping(b"probe-%d" % i))
                    line("client", ws.conn_id, "event pong for probe-%d after %.6f s" % (i, rtt))
            await asyncio.sleep(0.3)
            await ws.send("bye")
            await ws.recv()
            await ws.close(1000, "done")
            line("client", ws.conn_id, "end " + closed_text(ws))

    asyncio.run(main())


# ---- raw peers: hand-written frames ----

def accept_for(key):
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def frame(opcode, payload, mask, fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack(">Q", n)
    if mask:
        key = os.urandom(4)
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


def parse_head(buf):
    """(fin, opcode, masked, header length, payload length) of the frame at buf's start, or
    None when buf does not hold the whole header yet"""
    if len(buf) < 2:
        return None
    fin, op, masked, n, off = buf[0] >> 7, buf[0] & 0x0F, buf[1] >> 7, buf[1] & 0x7F, 2
    if n == 126:
        if len(buf) < 4:
            return None
        n, off = struct.unpack(">H", buf[2:4])[0], 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n, off = struct.unpack(">Q", buf[2:10])[0], 10
    off += 4 if masked else 0
    return (fin, op, masked, off, n) if len(buf) >= off else None


class Raw:
    """One WebSocket connection on a plain socket, frames logged."""

    def __init__(self, sock, role, conn, server):
        self.sock, self.role, self.conn, self.server, self.buf = sock, role, conn, server, b""

    def log(self, text):
        line(self.role, self.conn, text)

    def send(self, op, payload, fin=True):
        log_frame(self.role, self.conn, "send", op, payload, fin)
        self.sock.sendall(frame(op, payload, mask=not self.server, fin=fin))

    def recv_frame(self):
        """the next frame (fin, op, payload); None at EOF (logged)"""
        while True:
            h = parse_head(self.buf)
            if h and len(self.buf) >= h[3] + h[4]:
                fin, op, masked, off, n = h
                key = self.buf[off - 4:off] if masked else b"\0\0\0\0"
                p = bytes(b ^ key[i % 4] for i, b in enumerate(self.buf[off:off + n]))
                self.buf = self.buf[off + n:]
                log_frame(self.role, self.conn, "recv", op, p, fin)
                return fin, op, p
            chunk = self.sock.recv(65536)
            if not chunk:
                self.log("event tcp FIN received%s" % (
                    " (%d bytes of an unfinished frame)" % len(self.buf) if self.buf else ""))
                return None
            self.buf += chunk


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return data, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head + b"\r\n\r\n", rest


def header(head, name):
    for l in head.split(b"\r\n")[1:]:
        if b":" in l:
            k, v = l.split(b":", 1)
            if k.strip().lower() == name.lower():
                return v.strip()
    return None


def raw_accept(sock, role, conn):
    """reads the upgrade request, answers 101; a Raw connection, or None"""
    head, rest = read_head(sock)
    if not head:
        return None
    line(role, conn, "event request %r" % head.split(b"\r\n")[0].decode("latin-1"))
    key = header(head, b"Sec-WebSocket-Key") or b""
    line(role, conn, "event sending 101")
    sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept_for(key))
    ws = Raw(sock, role, conn, server=True)
    ws.buf = rest
    return ws


def raw_connect(port, role, before=None):
    """connects (before(sock) runs first: socket options), sends the upgrade request, reads the 101"""
    sock = socket.socket()
    if before:
        before(sock)
    sock.connect(("127.0.0.1", port))
    line(role, 1, "event tcp connected %s:%d -> %s:%d" % (sock.getsockname() + sock.getpeername()))
    key = base64.b64encode(os.urandom(16))
    sock.sendall(b"GET /chat HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                 % (port, key))
    head, rest = read_head(sock)
    line(role, 1, "event response %r" % head.split(b"\r\n")[0].decode("latin-1"))
    ws = Raw(sock, role, 1, server=False)
    ws.buf = rest
    return ws


def serve(port, handle):
    """accepts connections one at a time and hands each to handle(sock, conn_number)"""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(5)
    n = 0
    while True:
        sock, peer = srv.accept()
        n += 1
        line("server", n, "event tcp accepted from %s:%d" % peer)
        try:
            handle(sock, n)
        except Exception as e:  # pylint: disable=broad-except
            line("server", n, "end %s: %s" % (type(e).__name__, e))
        sock.close()


def hung_server(port, *opts):
    """life-ping-unanswered: completes the handshake, then reads and logs frames and never
    sends anything: no pong, no text, no close frame. Closes TCP when the client's FIN comes."""
    def handle(sock, n):
        ws = raw_accept(sock, "server", n)
        while ws and ws.recv_frame():
            pass
        line("server", n, "end closing TCP after the client's FIN; sent no frame at all")

    serve(port, handle)


def close_server(port, *opts):
    """life-close-unanswered: echoes one text, 300 ms later sends close 1001 "going away",
    waits 1 s for the client's close frame (none comes), then closes TCP."""
    def handle(sock, n):
        ws = raw_accept(sock, "server", n)
        if not ws:
            return
        f = ws.recv_frame()
        if f and f[1] == 1:
            ws.send(1, b"echo: " + f[2])
        time.sleep(0.3)
        ws.send(8, struct.pack(">H", 1001) + b"going away")
        sent = time.time()
        sock.settimeout(1.0)
        try:
            while True:
                f = ws.recv_frame()
                if f is None or f[1] == 8:
                    break
        except socket.timeout:
            pass
        line("server", n, "end no close frame from the client %.6f s after ours: closing TCP"
             % (time.time() - sent))

    serve(port, handle)


def close_client(port, *opts):
    """life-close-unanswered: sends a text, reads; gets the server's close frame and does not
    answer it; closes its socket when the server's FIN arrives."""
    ws = raw_connect(port, "client")
    ws.send(1, b"hello")
    while True:
        f = ws.recv_frame()
        if f is None:
            break
        if f[1] == 8:
            ws.log("event close frame received; not answering it on purpose")
    ws.sock.close()
    ws.log("end server closed TCP; closed our socket (FIN)")


BIG = 200 * 1024


def big_server(port, *opts):
    """life-rst-in-flight: on the text "send big" sends one binary message of 200 KiB, written
    1 KiB per write() every 2 ms (TCP_NODELAY); logs how much the kernel took before the RST."""
    payload = bytes(i % 251 for i in range(BIG))  # made once, before any client comes
    data = frame(2, payload, mask=False)

    def handle(sock, n):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ws = raw_accept(sock, "server", n)
        if not ws:
            return
        f = ws.recv_frame()
        if not f or f[2] != b"send big":
            return
        log_frame("server", n, "send", 2, payload)
        sent = 0
        try:
            while sent < len(data):
                sent += sock.send(data[sent:sent + 1024])
                time.sleep(0.002)
            line("server", n, "end whole frame written")
        except OSError as e:
            line("server", n, "end %s: %s after the kernel took %d of the frame's %d bytes"
                 % (type(e).__name__, e, sent, len(data)))

    serve(port, handle)


def big_client(port, *opts):
    """life-rst-in-flight: asks for the big message, reads until 7 KiB of it have come (7 of the
    server's 1 KiB segments: the client's kernel ACKs every second one, so the 7th is not
    ACKed yet), then SO_LINGER {on, 0} and close(): the kernel sends RST instead of FIN."""
    ws = raw_connect(port, "client")
    ws.send(1, b"send big")
    got = len(ws.buf)
    declared = None
    while got < 7 * 1024:
        chunk = ws.sock.recv(65536)
        if not chunk:
            break
        if declared is None:
            ws.buf += chunk
            h = parse_head(ws.buf)
            if h:
                declared = h
                line("client", 1, "event frame header: %s len=%d (payload still arriving)"
                     % (OPC.get(h[1], h[1]), h[4]))
        got += len(chunk)
    ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    ws.sock.close()
    line("client", 1, "end read %d bytes of the message, then SO_LINGER 0 + close(): RST" % got)


ROLES = {
    "ws-server": ws_server, "clean-client": clean_client, "idle-client": idle_client,
    "ping-client": ping_client, "pong-client": pong_client, "hung-server": hung_server,
    "close-server": close_server, "close-client": close_client, "big-server": big_server,
    "big-client": big_client,
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ROLES:
        sys.exit("usage: life.py ROLE PORT [opts]; roles: " + " ".join(ROLES))
    ROLES[sys.argv[1]](int(sys.argv[2]), *sys.argv[3:])
