#!/usr/bin/env python3
"""Python peers for the TLS sample captures (run by captures/tls/make.sh).

python3 `websockets` over `ssl` where the library does what we want, raw sockets wrapped in
`ssl` for the rest (RFC 2817, a WebSocket peer behind `openssl s_client`, TLS session
resumption). Every role is a subcommand:  peers_tls.py ROLE PORT [args].  Servers serve until
killed; clients exit when done. Clients write their TLS secrets to the key log file given on
the command line (ssl.SSLContext.keylog_filename, i.e. OpenSSL's keylog callback).

Server options (key=value or flags):
  tls12            cap the server at TLS 1.2
  ciphers=LIST     OpenSSL TLS 1.2 cipher list (SSLContext.set_ciphers)
  noetm            disable encrypt_then_mac (SSL_OP_NO_ENCRYPT_THEN_MAC)
  group=NAME       the only key exchange group the server accepts (set_ecdh_curve)
  alpn=a,b         ALPN protocols (default http/1.1)
"""
import asyncio
import base64
import hashlib
import http.server
import os
import socket
import ssl
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CERT = os.path.join(HERE, "test-cert.pem")
KEY = os.path.join(HERE, "test-key.pem")
SNI = "upscope.test"
SSL_OP_NO_ENCRYPT_THEN_MAC = 1 << 19  # OpenSSL 3.0; python's ssl has no name for it
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def opt_value(opts, name, default=None):
    for o in opts:
        if o.startswith(name + "="):
            return o.split("=", 1)[1]
    return default


def server_context(opts):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    ctx.set_alpn_protocols(opt_value(opts, "alpn", "http/1.1").split(","))
    if "tls12" in opts:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if opt_value(opts, "ciphers"):
        ctx.set_ciphers(opt_value(opts, "ciphers"))
    if "noetm" in opts:
        ctx.options |= SSL_OP_NO_ENCRYPT_THEN_MAC
    if opt_value(opts, "group"):
        ctx.set_ecdh_curve(opt_value(opts, "group"))  # OpenSSL 3: SSL_CTX_set1_groups
    return ctx


def client_context(keylog, alpn=("http/1.1",)):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.keylog_filename = keylog
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


# ---- python3 websockets over TLS ----

def wss_server(port, *opts):
    """websockets echo server over TLS (see the server options above)."""
    import websockets

    async def echo(ws, path=None):
        async for msg in ws:
            await ws.send(msg)

    async def main():
        async with websockets.serve(echo, "127.0.0.1", port, ssl=server_context(opts),
                                    compression=None, ping_interval=None):
            await asyncio.Future()

    asyncio.run(main())


def wss_client(port, keylog, *opts):
    """websockets client over TLS (SNI upscope.test, ALPN http/1.1): two text messages and a
    binary one (each echoed), a ping answered by a pong, then close 1000."""
    import websockets

    async def main():
        async with websockets.connect("wss://%s:%d/chat" % (SNI, port), host="127.0.0.1",
                                      ssl=client_context(keylog), server_hostname=SNI,
                                      compression=None, ping_interval=None) as ws:
            await ws.send("hello upscope")
            await ws.recv()
            await ws.send("a second text message")
            await ws.recv()
            await ws.send(bytes(range(256)))
            await ws.recv()
            pong = await ws.ping(b"are you there")
            await pong
            await ws.close(code=1000, reason="bye")

    asyncio.run(main())


# ---- raw WebSocket pieces ----

def accept_for(key):
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def frame(opcode, payload, mask):
    head = bytes([0x80 | opcode])
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


def recv_until_head(sock):
    """Reads a message head; returns (head, bytes after it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data, b""
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    return head + b"\r\n\r\n", rest


def header(head, name):
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            if k.strip().lower() == name.lower():
                return v.strip()
    return None


def upgrade_request(host, key):
    return (b"GET /chat HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (host, key))


def switching(key):
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: %s\r\n\r\n" % accept_for(key))


def read_frame(sock, buf):
    """Reads one frame; returns (opcode, payload, rest) or (None, None, b"") at EOF."""
    while True:
        if len(buf) >= 2:
            op, n = buf[0] & 0x0F, buf[1] & 0x7F
            masked, off = buf[1] & 0x80, 2
            if n == 126 and len(buf) >= 4:
                n, off = struct.unpack(">H", buf[2:4])[0], 4
            elif n == 127 and len(buf) >= 10:
                n, off = struct.unpack(">Q", buf[2:10])[0], 10
            key = buf[off:off + 4] if masked else b"\0\0\0\0"
            off += 4 if masked else 0
            if n < 126 or off > 2:
                if len(buf) >= off + n:
                    payload = bytes(b ^ key[i % 4] for i, b in enumerate(buf[off:off + n]))
                    return op, payload, buf[off + n:]
        chunk = sock.recv(65536)
        if not chunk:
            return None, None, b""
        buf += chunk


def echo_ws(sock, rest):
    """Server side after the 101: echoes data frames, answers a ping with a pong and a close
    with a close (unmasked), then returns."""
    buf = rest
    while True:
        op, payload, buf = read_frame(sock, buf)
        if op is None:
            return
        if op == 0x8:
            sock.sendall(frame(0x8, payload[:2], mask=False))
            return
        sock.sendall(frame(0xA if op == 0x9 else op, payload, mask=False))


def close_tls(tls):
    """Sends close_notify, waits briefly for the peer's, closes the socket."""
    try:
        tls.settimeout(1)
        tls.unwrap().close()
    except (OSError, ssl.SSLError):
        tls.close()


def serve_forever(port, handle):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(5)
    while True:
        sock, _ = srv.accept()
        try:
            handle(sock)
        except Exception as exc:  # keep serving; say why on stderr
            print("peers_tls: %r" % exc, file=sys.stderr)
        sock.close()


def raw_wss_server(port, *opts):
    """WebSocket echo server on raw frames over TLS (python ssl): for clients that are
    `openssl s_client` carrying bytes from ws-feed."""
    ctx = server_context(opts)

    def handle(sock):
        tls = ctx.wrap_socket(sock, server_side=True)
        head, rest = recv_until_head(tls)
        tls.sendall(switching(header(head, b"Sec-WebSocket-Key") or b""))
        echo_ws(tls, rest)
        close_tls(tls)

    serve_forever(port, handle)


def ws_feed(port, *opts):
    """Writes a WebSocket conversation to stdout, one piece at a time (for openssl s_client's
    stdin): upgrade request, text, binary, ping, [a line "K": s_client sends a KeyUpdate with
    update_requested, so both sides change keys], text, close 1000. The server's answers are
    s_client's business."""
    out = sys.stdout.buffer
    key = base64.b64encode(os.urandom(16))
    pieces = [upgrade_request(b"%s:%d" % (SNI.encode(), port), key),
              frame(0x1, b"hello upscope", mask=True),
              frame(0x2, bytes(range(256)), mask=True),
              frame(0x9, b"are you there", mask=True)]
    if "keyupdate" in opts:
        pieces.append(b"K\n")
    pieces += [frame(0x1, b"after the key update" if "keyupdate" in opts
                     else b"a second text message", mask=True),
               frame(0x8, struct.pack(">H", 1000) + b"bye", mask=True)]
    for piece in pieces:
        out.write(piece)
        out.flush()
        time.sleep(0.3)
    time.sleep(0.5)  # let the server's close arrive before s_client sees EOF


# ---- RFC 2817: Upgrade: TLS/1.2 on plain HTTP/1.1, then a WebSocket inside the TLS ----

def rfc2817_server(port, *opts):
    ctx = server_context(opts)

    def handle(sock):
        head, _ = recv_until_head(sock)
        if not header(head, b"Upgrade"):
            return
        sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: TLS/1.2, HTTP/1.1\r\n"
                     b"Connection: Upgrade\r\n\r\n")
        tls = ctx.wrap_socket(sock, server_side=True)
        head, rest = recv_until_head(tls)
        tls.sendall(switching(header(head, b"Sec-WebSocket-Key") or b""))
        echo_ws(tls, rest)
        close_tls(tls)

    serve_forever(port, handle)


def rfc2817_client(port, keylog):
    """OPTIONS * with Upgrade: TLS/1.2, 101, TLS 1.3 on the same socket, then a WebSocket
    upgrade inside the TLS, one text frame each way and a close each way."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(b"OPTIONS * HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: TLS/1.2\r\n"
                 b"Connection: Upgrade\r\n\r\n" % (SNI.encode(), port))
    head, _ = recv_until_head(sock)
    if b" 101 " not in head.split(b"\r\n")[0]:
        sock.close()
        return
    ctx = client_context(keylog)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    tls = ctx.wrap_socket(sock, server_hostname=SNI)
    key = base64.b64encode(os.urandom(16))
    tls.sendall(upgrade_request(b"%s:%d" % (SNI.encode(), port), key))
    head, rest = recv_until_head(tls)
    assert header(head, b"Sec-WebSocket-Accept") == accept_for(key), head
    tls.sendall(frame(0x1, b"hello from inside RFC 2817 TLS", mask=True))
    op, payload, rest = read_frame(tls, rest)
    tls.sendall(frame(0x8, struct.pack(">H", 1000) + b"bye", mask=True))
    read_frame(tls, rest)
    close_tls(tls)


# ---- HTTPS: python http.server over TLS, and a client that resumes a TLS 1.3 session ----

def https_server(port, *opts):
    """HTTP/1.1 keep-alive file server (cwd) over TLS."""
    ctx = server_context(opts)

    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True

        def get_request(self):
            sock, addr = super().get_request()
            return ctx.wrap_socket(sock, server_side=True), addr

    with Server(("127.0.0.1", port), Handler) as srv:
        srv.serve_forever()


def resume_client(port, keylog, *paths):
    """One GET per connection, sequentially; every connection after the first resumes the
    previous connection's TLS 1.3 session (PSK from a NewSessionTicket). The client reads the
    response by its Content-Length and closes first (close_notify, FIN)."""
    ctx = client_context(keylog)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    session = None
    for path in paths:
        sock = socket.create_connection(("127.0.0.1", port))
        tls = ctx.wrap_socket(sock, server_hostname=SNI, session=session)
        tls.sendall(b"GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (path.encode(), SNI.encode(), port))
        head, body = recv_until_head(tls)
        n = int(header(head, b"Content-Length") or b"0")
        while len(body) < n:
            chunk = tls.recv(65536)
            if not chunk:
                break
            body += chunk
        print("%s resumed=%s" % (path, tls.session_reused), file=sys.stderr)
        session = tls.session
        close_tls(tls)


# ---- a driver for openssl s_server: it answers each HTTP request it sees ----

def s_server_http(port, *args):
    """Runs `openssl s_server ARGS` (default mode: what the client sends goes to stdout,
    stdin goes to the client) and, whenever a request head shows up on its stdout, writes an
    HTTP/1.1 response to its stdin. For what only s_server can do (0-RTT)."""
    import subprocess
    proc = subprocess.Popen(["openssl", "s_server", "-accept", str(port), "-cert", CERT,
                             "-key", KEY] + list(args),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    import signal
    signal.signal(signal.SIGTERM, lambda *_: (proc.terminate(), sys.exit(0)))
    body = b"hello over TLS\n"
    response = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body))
    pending = b""
    for line in proc.stdout:
        sys.stderr.write("s_server: %r\n" % line)
        if line.startswith(b"GET ") or pending:
            pending += line
            if line in (b"\r\n", b"\n"):
                pending = b""
                proc.stdin.write(response)
                proc.stdin.flush()


ROLES = {
    "wss-server": wss_server,
    "wss-client": lambda port, keylog, *o: wss_client(port, keylog, *o),
    "raw-wss-server": raw_wss_server,
    "ws-feed": ws_feed,
    "rfc2817-server": rfc2817_server,
    "rfc2817-client": lambda port, keylog: rfc2817_client(port, keylog),
    "https-server": https_server,
    "resume-client": lambda port, keylog, *paths: resume_client(port, keylog, *paths),
    "s_server-http": s_server_http,
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ROLES:
        sys.exit("usage: peers_tls.py {%s} PORT [args]" % ",".join(sorted(ROLES)))
    ROLES[sys.argv[1]](int(sys.argv[2]), *sys.argv[3:])
