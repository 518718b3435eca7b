#!/usr/bin/env python3
"""Peers for the HTTP CONNECT captures (run by captures/connect/make.sh).

Clients open TCP to the proxy (tinyproxy, 127.0.0.1:18888), send
`CONNECT 127.0.0.1:PORT HTTP/1.1` with a Host header, read the proxy's answer head, and, on a
2xx, run the inner protocol over the same socket (python3 `websockets` 10.4 given the socket:
`websockets.connect(uri, sock=sock)`). Servers listen on 127.0.0.1:PORT. Every role logs one
line per event to stdout:   EPOCH ROLE WHAT
(ROLE: client / server / page), which make.sh collects in NAME.log.

  peers_connect.py ws-server PORT             websockets echo server (ws://)
  peers_connect.py wss-server PORT            the same over TLS (test-cert.pem, ALPN http/1.1)
  peers_connect.py https-server PORT          python http.server over TLS (ALPN http/1.1)
  peers_connect.py page-server PORT           TLS server for Chromium: a page, an image that
                                              waits for the WebSocket to close, a wss echo
  peers_connect.py ws-client PROXY PORT       CONNECT, then a WebSocket (ws://)
  peers_connect.py wss-client PROXY PORT KEYS CONNECT, then TLS (key log KEYS), then wss
  peers_connect.py connect-only PROXY PORT... one CONNECT per PORT, one connection each;
                                              prints the answer and closes
"""
import asyncio
import http.server
import os
import socket
import ssl
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CERT = os.path.join(HERE, "..", "tls", "test-cert.pem")
KEY = os.path.join(HERE, "..", "tls", "test-key.pem")
SNI = "upscope.test"
ROLE = "?"


def log(what):
    sys.stdout.write("%.6f %s %s\n" % (time.time(), ROLE, what))
    sys.stdout.flush()


def server_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    ctx.set_alpn_protocols(["http/1.1"])

    def sni(sslsock, name, _ctx):
        log("TLS ClientHello SNI=%s" % (name if name is not None else "(none)"))

    ctx.sni_callback = sni
    return ctx


def client_context(keylog):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.keylog_filename = keylog
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def tls_facts(sslobj):
    return "TLS %s %s ALPN=%s" % (sslobj.version(), sslobj.cipher()[0],
                                  sslobj.selected_alpn_protocol())


# ---- the CONNECT ----

def read_head(sock):
    """Reads up to and including the blank line, one byte at a time (nothing of the tunnel
    is consumed)."""
    data = b""
    while not data.endswith(b"\r\n\r\n"):
        b = sock.recv(1)
        if not b:
            break
        data += b
    return data


def proxy_connect(proxy, port):
    """Opens TCP to the proxy and sends CONNECT 127.0.0.1:PORT. Returns (socket, status code,
    head)."""
    sock = socket.create_connection(("127.0.0.1", proxy))
    target = "127.0.0.1:%d" % port
    sock.sendall(("CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (target, target)).encode())
    log("TCP to proxy 127.0.0.1:%d from port %d; sent CONNECT %s HTTP/1.1 (Host: %s)"
        % (proxy, sock.getsockname()[1], target, target))
    head = read_head(sock)
    lines = head.decode("latin-1").split("\r\n")
    log("proxy answered: %r" % lines[0])
    for line in lines[1:]:
        if line:
            log("  proxy header: %r" % line)
    try:
        code = int(lines[0].split()[1])
    except (IndexError, ValueError):
        code = 0
    return sock, code, head


# ---- WebSocket peers (python3 websockets 10.4, legacy asyncio API) ----

def ws_server(port, tls=False):
    import websockets

    async def echo(ws, path=None):
        log("WebSocket opened: %s %s%s" % (ws.path, ws.request_headers.get("Host"),
            ("; " + tls_facts(ws.transport.get_extra_info("ssl_object"))) if tls else ""))
        async for msg in ws:
            log("recv text %r; echoing it" % msg)
            await ws.send(msg)
        log("closed: code %s reason %r" % (ws.close_code, ws.close_reason))

    async def main():
        async with websockets.serve(echo, "127.0.0.1", port,
                                    ssl=server_context() if tls else None,
                                    compression=None, ping_interval=None):
            log("listening on 127.0.0.1:%d%s" % (port, " (TLS)" if tls else ""))
            await asyncio.Future()

    asyncio.run(main())


async def ws_conversation(ws, texts):
    for text in texts:
        await ws.send(text)
        log("sent text %r" % text)
        log("recv text %r" % await ws.recv())
    pong = await ws.ping(b"ping through the tunnel")
    log("sent ping %r" % b"ping through the tunnel")
    await pong
    log("recv pong")
    await ws.close(code=1000, reason="bye")
    log("closed: sent close 1000 'bye'; close code %s reason %r"
        % (ws.close_code, ws.close_reason))


def ws_client(proxy, port):
    import websockets

    async def main():
        sock, code, _ = proxy_connect(proxy, port)
        if code != 200:
            return
        uri = "ws://127.0.0.1:%d/chat" % port
        async with websockets.connect(uri, sock=sock, compression=None,
                                      ping_interval=None) as ws:
            log("WebSocket open over the tunnel: GET /chat -> 101; %s" % uri)
            await ws_conversation(ws, ["hello through the proxy", "a second message"])
        sock.close()

    asyncio.run(main())


def wss_client(proxy, port, keylog):
    import websockets

    async def main():
        sock, code, _ = proxy_connect(proxy, port)
        if code != 200:
            return
        uri = "wss://%s:%d/chat" % (SNI, port)
        async with websockets.connect(uri, sock=sock, ssl=client_context(keylog),
                                      server_hostname=SNI, compression=None,
                                      ping_interval=None) as ws:
            log("TLS over the tunnel, SNI=%s: %s"
                % (SNI, tls_facts(ws.transport.get_extra_info("ssl_object"))))
            log("WebSocket open over TLS over the tunnel: GET /chat -> 101; %s" % uri)
            await ws_conversation(ws, ["hello inside TLS inside CONNECT", "second"])

    asyncio.run(main())


def connect_only(proxy, *ports):
    for port in ports:
        sock, code, head = proxy_connect(int(proxy), int(port))
        body = b""
        sock.settimeout(5)
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body += chunk
        except socket.timeout:
            log("no EOF from the proxy in 5 s")
        log("then %d body bytes and EOF from the proxy%s" % (
            len(body), "; body: %r" % body[:120] if body else ""))
        sock.close()
        time.sleep(0.2)


# ---- HTTPS server ----

def https_server(port):
    ctx = server_context()

    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            log("request %r from %s; %s" % (self.requestline, self.client_address[1],
                                           tls_facts(self.connection)))
            body = b"hello through the CONNECT tunnel\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            log("answered 200 OK, %d body bytes" % len(body))

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True

        def get_request(self):
            sock, addr = super().get_request()
            return ctx.wrap_socket(sock, server_side=True), addr

    with Server(("127.0.0.1", port), Handler) as srv:
        log("listening on 127.0.0.1:%d (TLS)" % port)
        srv.serve_forever()


# ---- a page for Chromium: GET / (HTML), GET /wait (held until the WebSocket closed), wss ----

PAGE = """<!doctype html><html><head><title>connect wss</title></head><body>
<p id="s">starting</p><img src="/wait" alt="">
<script>
var n = 0, s = document.getElementById("s");
var ws = new WebSocket("wss://" + location.host + "/chat");
ws.onopen = function () { ws.send("hello from chromium"); };
ws.onmessage = function (e) {
  n += 1; s.textContent = "echo " + n + ": " + e.data;
  if (n == 1) ws.send("second from chromium"); else ws.close(1000, "bye");
};
ws.onclose = function (e) { s.textContent += " / closed " + e.code; };
</script></body></html>
"""


def page_server(port):
    import websockets
    from http import HTTPStatus
    closed = None

    async def process_request(path, headers):
        if headers.get("Upgrade", "").lower() == "websocket":
            return None
        log("HTTP request GET %s" % path)
        if path == "/wait":
            try:
                await asyncio.wait_for(closed.wait(), 10)
            except asyncio.TimeoutError:
                log("/wait: no WebSocket closed in 10 s")
            log("answering /wait")
            return HTTPStatus.NOT_FOUND, [("Content-Length", "0")], b""
        if path == "/":
            return HTTPStatus.OK, [("Content-Type", "text/html")], PAGE.encode()
        return HTTPStatus.NOT_FOUND, [("Content-Length", "0")], b""

    async def echo(ws, path=None):
        log("WebSocket opened: %s; %s" % (ws.path, tls_facts(ws.transport.get_extra_info(
            "ssl_object"))))
        async for msg in ws:
            log("recv text %r; echoing it" % msg)
            await ws.send(msg)
        log("closed: code %s reason %r" % (ws.close_code, ws.close_reason))
        closed.set()

    async def main():
        nonlocal closed
        closed = asyncio.Event()
        async with websockets.serve(echo, "127.0.0.1", port, ssl=server_context(),
                                    compression=None, ping_interval=None,
                                    process_request=process_request):
            log("listening on 127.0.0.1:%d (TLS)" % port)
            await asyncio.Future()

    asyncio.run(main())


if __name__ == "__main__":
    role, args = sys.argv[1], sys.argv[2:]
    ROLE = "server" if role.endswith("server") else "client"
    if role == "ws-server":
        ws_server(int(args[0]))
    elif role == "wss-server":
        ws_server(int(args[0]), tls=True)
    elif role == "https-server":
        https_server(int(args[0]))
    elif role == "page-server":
        page_server(int(args[0]))
    elif role == "ws-client":
        ws_client(int(args[0]), int(args[1]))
    elif role == "wss-client":
        wss_client(int(args[0]), int(args[1]), args[2])
    elif role == "connect-only":
        connect_only(*args)
    else:
        sys.exit(__doc__)
