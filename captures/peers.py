#!/usr/bin/env python3
"""Servers and clients that make the sample captures (run by captures/make.sh).

Real libraries where they exist (python3 `websockets`, http.server); raw sockets for the peers
that do what libraries refuse to do (wrong Accept, unmasked client frames, ...). Every role is a
subcommand:  peers.py ROLE PORT [args].  Servers serve until killed; clients exit when done.
"""
import asyncio
import base64
import hashlib
import http.server
import os
import socket
import socketserver
import struct
import sys
import time


def http_server(port):
    """HTTP/1.1 keep-alive file server (http.server with protocol_version set)."""
    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n)
            reply = b"got " + str(len(body)).encode() + b" bytes\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

    socketserver.TCPServer.allow_reuse_address = True
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler) as srv:
        srv.serve_forever()


def opt_value(opts, name, default=None):
    for o in opts:
        if o.startswith(name + "="):
            return o.split("=", 1)[1]
    return default


def ws_server(port, *opts):
    """websockets echo server. opts: deflate, subprotocols=a,b, reject=/path (403 there)"""
    import websockets

    compression = "deflate" if "deflate" in opts else None
    subprotocols = opt_value(opts, "subprotocols")
    subprotocols = subprotocols.split(",") if subprotocols else None
    reject = opt_value(opts, "reject")

    async def echo(ws, path=None):
        async for msg in ws:
            await ws.send(msg)

    async def process_request(path, headers):
        if reject and path == reject:
            return http.HTTPStatus.FORBIDDEN, [("Content-Type", "text/plain")], b"no entry\n"
        return None

    async def main():
        async with websockets.serve(echo, "127.0.0.1", port, compression=compression,
                                    subprotocols=subprotocols, max_size=None,
                                    process_request=process_request):
            await asyncio.Future()

    asyncio.run(main())


def ws_client(port, *opts):
    """websockets client: text, binary, ping/pong, then close 1000. opts as ws_server, plus
    big (a large fragmented message and a frame with a 64-bit length), path=/p, hold=SECONDS
    (wait that long before closing)."""
    import websockets

    compression = "deflate" if "deflate" in opts else None
    subprotocols = opt_value(opts, "subprotocols")
    subprotocols = subprotocols.split(",") if subprotocols else None
    path = opt_value(opts, "path", "/chat")

    async def main():
        async with websockets.connect("ws://127.0.0.1:%d%s" % (port, path),
                                      compression=compression, subprotocols=subprotocols,
                                      max_size=None) as ws:
            await ws.send("hello upscope")
            await ws.recv()
            await ws.send(bytes(range(256)))
            await ws.recv()
            pong = await ws.ping(b"are you there")
            await pong
            hold = opt_value(opts, "hold")
            if hold:  # keep the connection open (a live test stops the capture meanwhile)
                await asyncio.sleep(float(hold))
            if "big" in opts:
                # a message in three fragments, then one frame of 70000 bytes (64-bit length)
                await ws.send(["part one, ", "part two, ", "part three"])
                await ws.recv()
                await ws.send("x" * 70000)
                await ws.recv()
            await ws.close(code=1000, reason="bye")

    asyncio.run(main())


# ---- raw peers: what libraries refuse to do ----

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


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


def read_head(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def header(head, name):
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            if k.strip().lower() == name.lower():
                return v.strip()
    return None


def upgrade_request(port, version=b"13", key=None):
    key = key or base64.b64encode(os.urandom(16))
    return key, (b"GET /chat HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                 b"Sec-WebSocket-Version: %s\r\n\r\n" % (port, key, version))


def drain(sock, seconds=0.5):
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except (socket.timeout, ConnectionResetError):
        pass


def raw_ws_client(port, mode):
    """unmasked: sends an unmasked text frame; bad-close: closes with code 1005;
    early: sends a frame before the 101 arrives; version: offers version 8, retries with 13
    after the 426 on the same connection"""
    sock = socket.create_connection(("127.0.0.1", port))
    if mode == "version":
        _, req = upgrade_request(port, version=b"8")
        sock.sendall(req)
        head = read_head(sock)
        n = int(header(head, b"Content-Length") or b"0")
        body = head.split(b"\r\n\r\n", 1)[1]
        while len(body) < n:
            body += sock.recv(4096)
        version = header(head, b"Sec-WebSocket-Version") or b"13"
        _, req = upgrade_request(port, version=version)
        sock.sendall(req)
        read_head(sock)
        sock.sendall(frame(0x1, b"negotiated", mask=True))
        sock.recv(4096)
        sock.sendall(frame(0x8, struct.pack(">H", 1000), mask=True))
    else:
        _, req = upgrade_request(port)
        if mode == "early":
            sock.sendall(req + frame(0x1, b"too soon", mask=True))
            read_head(sock)
        else:
            sock.sendall(req)
            read_head(sock)
        if mode == "unmasked":
            sock.sendall(frame(0x1, b"no mask here", mask=False))
        elif mode == "bad-close":
            sock.sendall(frame(0x1, b"hello", mask=True))
            time.sleep(0.1)
            sock.sendall(frame(0x8, struct.pack(">H", 1005) + b"reserved", mask=True))
    drain(sock)
    sock.close()


HOSTILE = b"\x1b]0;pwned\x07\x1b[31;1mRED\x1b[0m\x1b[2J\xe2\x80\xaeevil\x9b"


def raw_hostile_client(port):
    """Headers, frames and a close reason full of terminal escape sequences (OSC title, CSI
    colours and clear-screen, a bidi override, a C1 byte): none may reach a terminal raw."""
    sock = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16))
    sock.sendall(b"GET /\x1b[1mchat HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                 b"Sec-WebSocket-Protocol: %s\r\nX-Evil: %s\r\n\r\n" % (port, key, HOSTILE, HOSTILE))
    read_head(sock)
    sock.sendall(frame(0x1, b"text " + HOSTILE, mask=True))
    time.sleep(0.1)
    sock.sendall(frame(0x8, struct.pack(">H", 4000) + b"bye " + HOSTILE[:20], mask=True))
    drain(sock)
    sock.close()


def serve_forever(port, handle):
    """Accepts connections on 127.0.0.1:port one at a time and hands each to handle(sock)."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(5)
    while True:
        sock, _ = srv.accept()
        try:
            handle(sock)
        except Exception:  # a peer that misbehaves on purpose may make us fail; go on
            pass
        sock.close()


def raw_ws_server(port, mode):
    """bad-accept: answers 101 with a wrong Sec-WebSocket-Accept; masked: masks its frames;
    version: RFC 6455 §4.4 negotiation (426 + Sec-WebSocket-Version: 13 for other versions)"""
    serve_forever(port, lambda sock: serve_raw(sock, mode))


def serve_raw(conn, mode):
    while True:
        head = read_head(conn)
        if not head:
            return
        key = header(head, b"Sec-WebSocket-Key") or b""
        if mode == "version" and header(head, b"Sec-WebSocket-Version") != b"13":
            body = b"version 13 please\n"
            conn.sendall(b"HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            continue
        accept = b"dGhlIHNhbXBsZSBub25jZQ==" if mode == "bad-accept" else accept_for(key)
        reason = b"Switching \x1b]2;title\x07Protocols" if mode == "hostile" else b"Switching Protocols"
        extra = b"Sec-WebSocket-Protocol: %s\r\n" % HOSTILE if mode == "hostile" else b""
        conn.sendall(b"HTTP/1.1 101 %s\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s\r\n"
                     % (reason, accept, extra))
        if mode == "masked":
            conn.sendall(frame(0x1, b"masked by the server", mask=True))
        echo_frames(conn)
        return


def echo_frames(conn):
    """Echoes text frames (unmasked) until a close, which it answers."""
    conn.settimeout(3)
    buf = b""
    while True:
        try:
            chunk = conn.recv(65536)
        except socket.timeout:
            return
        if not chunk:
            return
        buf += chunk
        while len(buf) >= 2:
            op, n = buf[0] & 0x0F, buf[1] & 0x7F
            masked, off = buf[1] & 0x80, 2
            if n == 126:
                n, off = struct.unpack(">H", buf[2:4])[0], 4
            elif n == 127:
                n, off = struct.unpack(">Q", buf[2:10])[0], 10
            key = buf[off:off + 4] if masked else b"\0\0\0\0"
            off += 4 if masked else 0
            if len(buf) < off + n:
                break
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(buf[off:off + n]))
            buf = buf[off + n:]
            if op == 0x8:
                conn.sendall(frame(0x8, payload[:2], mask=False))
                return
            conn.sendall(frame(op, payload, mask=False))


def ws_client_expect_failure(port, *opts):
    """websockets client where the handshake is expected to fail (prints why)."""
    import websockets
    path = opt_value(opts, "path", "/chat")

    async def main():
        try:
            async with websockets.connect("ws://127.0.0.1:%d%s" % (port, path)) as ws:
                await ws.send("hello")
                await ws.recv()
                await ws.recv()
        except Exception as exc:  # the point of the exercise
            print("client failed as expected:", exc)

    asyncio.run(main())


# ---- h2c: python3-h2 for the framing, raw sockets for the HTTP/1.1 part ----

def recv_until_head(sock):
    """Reads a response head; returns (head, bytes after it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head + b"\r\n\r\n", rest


def h2c_client(port, mode):
    """An h2c upgrade the way a client library would (settings from python3-h2), or broken in
    one way: missing-settings, duplicate-settings, full-frame (a whole SETTINGS frame in
    HTTP2-Settings), no-option (HTTP2-Settings not in Connection), smuggle (the upgrade as a
    reverse proxy forwards it, Via and X-Forwarded-For added, then a second stream for a path
    the proxy would have guarded: h2c smuggling as the backend sees it), body (the upgrade
    request carries a body)."""
    import h2.config
    import h2.connection
    import h2.events
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    settings = conn.initiate_upgrade_connection().rstrip(b"=")
    lines = [b"GET /index.html HTTP/1.1", b"Host: 127.0.0.1:%d" % port]
    body = b""
    if mode == "body":
        lines[0] = b"POST /index.html HTTP/1.1"
        body = b"name=upscope&upgrade=after-this-body"
        lines.append(b"Content-Length: %d" % len(body))
    lines.append(b"Connection: Upgrade" if mode in ("missing-settings", "no-option")
                 else b"Connection: Upgrade, HTTP2-Settings")
    lines.append(b"Upgrade: h2c")
    if mode == "smuggle":
        lines += [b"Via: 1.1 edge-proxy", b"X-Forwarded-For: 198.51.100.7"]
    if mode == "full-frame":
        payload = base64.urlsafe_b64decode(settings + b"=" * (-len(settings) % 4))
        frame_bytes = struct.pack(">I", len(payload))[1:] + b"\x04\x00\x00\x00\x00\x00" + payload
        lines.append(b"HTTP2-Settings: " + base64.urlsafe_b64encode(frame_bytes).rstrip(b"="))
    elif mode != "missing-settings":
        lines.append(b"HTTP2-Settings: " + settings)
        if mode == "duplicate-settings":
            lines.append(b"HTTP2-Settings: " + settings)
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
    head, rest = recv_until_head(sock)
    if b" 101 " not in head.split(b"\r\n")[0]:
        drain(sock)
        sock.close()
        return
    sock.sendall(conn.data_to_send())
    if mode == "smuggle":
        conn.send_headers(3, [(":method", "GET"), (":path", "/admin"), (":scheme", "http"),
                              (":authority", "127.0.0.1:%d" % port)], end_stream=True)
        sock.sendall(conn.data_to_send())
    want = {1, 3} if mode == "smuggle" else {1}
    sock.settimeout(2)
    data = rest
    try:
        while want:
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.StreamEnded) or isinstance(ev, h2.events.StreamReset):
                    want.discard(ev.stream_id)
                if isinstance(ev, h2.events.DataReceived):
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            sock.sendall(conn.data_to_send())
            if want:
                data = sock.recv(65536)
                if not data:
                    break
    except (socket.timeout, ConnectionResetError):
        pass
    conn.close_connection()
    sock.sendall(conn.data_to_send())
    sock.close()


def h2c_server(port, mode):
    """A python3-h2 server that accepts the h2c upgrade; ping-first: its first frame after the
    101 is a PING, not the SETTINGS RFC 9113 §3.4 requires."""
    serve_forever(port, lambda sock: serve_h2c(sock, mode))


def serve_h2c(sock, mode):
    import h2.config
    import h2.connection
    import h2.events
    head, rest = recv_until_head(sock)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False))
    settings = header(head, b"HTTP2-Settings") or b""
    conn.initiate_upgrade_connection(settings + b"=" * (-len(settings) % 4))
    sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                 b"Upgrade: h2c\r\n\r\n")
    if mode == "ping-first":
        sock.sendall(b"\x00\x00\x08\x06\x00\x00\x00\x00\x00" + b"upscope!")

    def answer(stream):
        conn.send_headers(stream, [(":status", "200"), ("content-length", "6")])
        conn.send_data(stream, b"hello\n", end_stream=True)

    answer(1)
    sock.sendall(conn.data_to_send())
    sock.settimeout(2)
    data = rest
    while True:
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.RequestReceived):
                answer(ev.stream_id)
            if isinstance(ev, h2.events.ConnectionTerminated):
                sock.sendall(conn.data_to_send())
                return
        sock.sendall(conn.data_to_send())
        data = sock.recv(65536)
        if not data:
            return


# ---- TLS after an HTTP/1.1 upgrade (RFC 2817) ----

def tls_server(port, mode, cert=None, key=None):
    """upgrade: answers Upgrade: TLS with 101 and speaks TLS on the same connection (cert, key);
    required: answers everything with 426 Upgrade: TLS/1.2, HTTP/1.1;
    offer: answers 200 and advertises Upgrade: TLS/1.2."""
    import ssl
    ctx = None
    if cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        ctx.set_alpn_protocols(["http/1.1"])

    def handle(sock):
        head, _ = recv_until_head(sock)
        if mode == "required":
            body = b"this resource is only served over TLS\n"
            sock.sendall(b"HTTP/1.1 426 Upgrade Required\r\nUpgrade: TLS/1.2, HTTP/1.1\r\n"
                         b"Connection: Upgrade\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(body), body))
        elif mode == "offer":
            body = b"plain text, for now\n"
            sock.sendall(b"HTTP/1.1 200 OK\r\nUpgrade: TLS/1.2, HTTP/1.1\r\n"
                         b"Connection: Upgrade\r\nContent-Length: %d\r\n\r\n%s"
                         % (len(body), body))
        elif header(head, b"Upgrade"):
            sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: TLS/1.2, HTTP/1.1\r\n"
                         b"Connection: Upgrade\r\n\r\n")
            # wrap_socket takes over the descriptor: from here on, tls is the socket
            tls = ctx.wrap_socket(sock, server_side=True)
            recv_until_head(tls)
            tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nsecret\n")
            drain(tls, 0.3)
            tls.close()
            return
        drain(sock, 0.3)

    serve_forever(port, handle)


def tls_client(port, mode):
    """options: the mandatory form (OPTIONS * with Upgrade: TLS/1.2); get: the optional form on
    an ordinary GET. After the 101 it speaks TLS with SNI upscope.test and ALPN h2, http/1.1."""
    import ssl
    sock = socket.create_connection(("127.0.0.1", port))
    first = b"OPTIONS * HTTP/1.1" if mode == "options" else b"GET /secret HTTP/1.1"
    sock.sendall(first + b"\r\nHost: upscope.test\r\nUpgrade: TLS/1.2\r\n"
                 b"Connection: Upgrade\r\n\r\n")
    head, _ = recv_until_head(sock)
    if b" 101 " in head.split(b"\r\n")[0]:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.set_alpn_protocols(["h2", "http/1.1"])
        sock = ctx.wrap_socket(sock, server_hostname="upscope.test")
        sock.sendall(b"GET /secret HTTP/1.1\r\nHost: upscope.test\r\n\r\n")
        recv_until_head(sock)
    sock.close()


ROLES = {
    "http-server": http_server,
    "ws-server": ws_server,
    "ws-client": ws_client,
    "ws-client-fail": ws_client_expect_failure,
    "raw-ws-client": lambda port, mode: raw_ws_client(port, mode),
    "raw-ws-server": lambda port, mode: raw_ws_server(port, mode),
    "raw-hostile-client": raw_hostile_client,
    "h2c-client": lambda port, mode: h2c_client(port, mode),
    "h2c-server": lambda port, mode: h2c_server(port, mode),
    "tls-server": tls_server,
    "tls-client": lambda port, mode: tls_client(port, mode),
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ROLES:
        sys.exit("usage: peers.py {%s} PORT [args]" % ",".join(sorted(ROLES)))
    ROLES[sys.argv[1]](int(sys.argv[2]), *sys.argv[3:])
