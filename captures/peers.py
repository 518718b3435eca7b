#!/usr/bin/env python3
"""Servers and clients that make the sample captures (run by captures/make.sh).

Real libraries where they exist (python3 `websockets`, http.server); raw sockets for the peers
that do what libraries refuse to do (wrong Accept, unmasked client frames, ...). Every role is a
subcommand:  peers.py ROLE PORT [args].  Servers serve until killed; clients exit when done.
"""
import asyncio
import http.server
import socket
import socketserver
import sys
import threading


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


def ws_server(port, *opts):
    """websockets echo server. opts: deflate, subprotocols=a,b"""
    import websockets

    compression = "deflate" if "deflate" in opts else None
    subprotocols = None
    for o in opts:
        if o.startswith("subprotocols="):
            subprotocols = o.split("=", 1)[1].split(",")

    async def echo(ws, path=None):
        async for msg in ws:
            await ws.send(msg)

    async def main():
        async with websockets.serve(echo, "127.0.0.1", port, compression=compression,
                                    subprotocols=subprotocols, max_size=None):
            await asyncio.Future()

    asyncio.run(main())


def ws_client(port, *opts):
    """websockets client: text, binary, ping/pong, then close 1000. opts as ws_server, plus
    big (a large fragmented message and a frame with a 64-bit length)."""
    import websockets

    compression = "deflate" if "deflate" in opts else None
    subprotocols = None
    for o in opts:
        if o.startswith("subprotocols="):
            subprotocols = o.split("=", 1)[1].split(",")

    async def main():
        async with websockets.connect("ws://127.0.0.1:%d/chat" % port, compression=compression,
                                      subprotocols=subprotocols, max_size=None) as ws:
            await ws.send("hello upscope")
            await ws.recv()
            await ws.send(bytes(range(256)))
            await ws.recv()
            pong = await ws.ping(b"are you there")
            await pong
            if "big" in opts:
                # a message in three fragments, then one frame of 70000 bytes (64-bit length)
                await ws.send(["part one, ", "part two, ", "part three"])
                await ws.recv()
                await ws.send("x" * 70000)
                await ws.recv()
            await ws.close(code=1000, reason="bye")

    asyncio.run(main())


ROLES = {
    "http-server": http_server,
    "ws-server": ws_server,
    "ws-client": ws_client,
}

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ROLES:
        sys.exit("usage: peers.py {%s} PORT [args]" % ",".join(sorted(ROLES)))
    ROLES[sys.argv[1]](int(sys.argv[2]), *sys.argv[3:])
