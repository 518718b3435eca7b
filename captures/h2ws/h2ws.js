// WebSockets over HTTP/2 (RFC 8441) with node's http2 module (nghttp2 inside).
//   node h2ws.js server PORT [tls] [end-after-close] [keys=FILE]   serves until killed
//   node h2ws.js client PORT one|two|tls          exits when done
// The server sends SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, answers an extended CONNECT with
// :protocol websocket with 200 and then speaks RFC 6455 frames in the stream's DATA (unmasked):
// text is echoed as "echo: ...", binary echoed as is, ping answered by pong, close answered by
// close; it ends its side of the stream when the client ends its side (with end-after-close:
// right after its answer to the client's close, as RFC 6455 has the server close TCP first).
// On /feed it greets first.
// GET / serves a page (page.html) whose script opens wss://HOST/ws (the browser scenarios),
// GET /result?... logs what the page reports. Every WebSocket message sent or received is
// logged ("server|client stream=N send|recv OPCODE len=N ...") for the oracle.
import http2 from 'node:http2';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OP, encode, closePayload, Parser, log } from './wsframe.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const [role, portArg, ...opts] = process.argv.slice(2);
const port = Number(portArg);
const opt = (name) => opts.find((o) => o.startsWith(name + '='))?.split('=').slice(1).join('=');

// A WebSocket over one HTTP/2 stream. Client frames are masked, server frames are not.
class Ws {
  constructor(stream, who, id) {
    this.stream = stream; this.who = who; this.id = id;
    this.mask = who === 'client';
    this.parser = new Parser();
    this.queue = []; this.waiters = [];
    stream.on('data', (chunk) => {
      for (const f of this.parser.push(chunk)) {
        log(who, this.id(), 'recv', f.op, f.payload, f.masked ? 'masked' : '');
        if (this.waiters.length) this.waiters.shift()(f); else this.queue.push(f);
      }
    });
  }
  send(op, payload) {
    payload = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
    log(this.who, this.id(), 'send', op, payload, this.mask ? 'masked' : '');
    this.stream.write(encode(op, payload, { mask: this.mask }));
  }
  recv() {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function server() {
  const settings = { enableConnectProtocol: true };
  const tls = opts.includes('tls');
  const keys = opt('keys');
  const srv = tls
    ? http2.createSecureServer({
      key: fs.readFileSync(path.join(here, 'key.pem')),
      cert: fs.readFileSync(path.join(here, 'cert.pem')),
      settings,
    })
    : http2.createServer({ settings });
  if (keys) {
    fs.writeFileSync(keys, '');
    srv.on('keylog', (line) => fs.appendFileSync(keys, line));
  }
  srv.on('session', (session) => {
    console.log('server session: local settings ' + JSON.stringify(session.localSettings));
    session.on('remoteSettings', (s) => console.log('server remote settings ' + JSON.stringify(s)));
  });
  srv.on('stream', (stream, headers) => {
    const sid = stream.id;
    const shown = Object.entries(headers).filter(([k]) => k !== 'cookie')
      .map(([k, v]) => `${k}: ${v}`).join(' | ');
    console.log(`server stream=${sid} request ${shown}`);
    stream.on('error', (e) => console.log(`server stream=${sid} error ${e.code || e.message}`));
    stream.on('aborted', () => console.log(`server stream=${sid} aborted (RST_STREAM from the peer, or the connection went away)`));
    stream.on('close', () => console.log(`server stream=${sid} closed rstCode=${stream.rstCode}`));
    if (headers[':method'] === 'CONNECT' && headers[':protocol'] === 'websocket') {
      serveWs(stream, headers);
      return;
    }
    const p = headers[':path'] || '/';
    if (p === '/' || p === '/index.html') {
      const page = p === '/' && fs.existsSync(path.join(here, 'page.html'))
        ? fs.readFileSync(path.join(here, 'page.html')) : Buffer.from('index page\n');
      stream.respond({ ':status': 200, 'content-type': p === '/' ? 'text/html; charset=utf-8' : 'text/plain' });
      stream.end(page);
    } else if (p.startsWith('/result')) {
      console.log(`server page result ${decodeURIComponent(p.split('?')[1] || '')}`);
      stream.respond({ ':status': 204 });
      stream.end();
    } else {
      stream.respond({ ':status': 404 });
      stream.end();
    }
  });
  srv.listen(port, '127.0.0.1');
}

const endAfterClose = opts.includes('end-after-close');

function serveWs(stream, headers) {
  const offered = (headers['sec-websocket-protocol'] || '').split(',').map((s) => s.trim());
  const reply = { ':status': 200 };
  if (offered.includes('chat')) reply['sec-websocket-protocol'] = 'chat';
  stream.respond(reply);
  const ws = new Ws(stream, 'server', () => stream.id);
  let closed = false;
  stream.on('end', () => {
    // node ends the readable side also after RST_STREAM or when the connection goes away
    if (stream.destroyed || !stream.session || stream.session.destroyed || stream.session.closed) {
      console.log(`server stream=${stream.id} readable side ended without END_STREAM (after RST_STREAM, or at the connection's end)`);
      return;
    }
    console.log(`server stream=${stream.id} END_STREAM received`);
    if (!stream.writableEnded) stream.end();
  });
  if (headers[':path'] === '/feed') ws.send(OP.text, 'feed: welcome');
  (async () => {
    for (;;) {
      const f = await ws.recv();
      if (f.op === OP.text) ws.send(OP.text, 'echo: ' + f.payload.toString());
      else if (f.op === OP.binary) ws.send(OP.binary, f.payload);
      else if (f.op === OP.ping) ws.send(OP.pong, f.payload);
      else if (f.op === OP.close) {
        if (!closed) ws.send(OP.close, f.payload.subarray(0, 2));
        closed = true;
        if (endAfterClose && !stream.writableEnded) {
          console.log(`server stream=${stream.id} send END_STREAM after the close handshake`);
          stream.end(); // what a server does to the TCP connection after the close handshake
        }
        return;
      }
    }
  })();
}

// ---- client ----

const once = (emitter, ev) => new Promise((resolve) => emitter.once(ev, resolve));

async function client() {
  const mode = opts[0] || 'one';
  const tls = mode === 'tls';
  const authority = `127.0.0.1:${port}`;
  const session = http2.connect(`${tls ? 'https' : 'http'}://${authority}`, tls
    ? { ca: fs.readFileSync(path.join(here, 'cert.pem')), servername: 'localhost' } : {});
  session.on('error', (e) => console.log('client session error ' + e.message));
  const s = await once(session, 'remoteSettings');
  console.log('client remote settings ' + JSON.stringify(s));
  if (!s.enableConnectProtocol) throw new Error('server did not enable extended CONNECT');

  const open = async (wsPath, protocols, signal) => {
    const headers = {
      ':method': 'CONNECT', ':protocol': 'websocket', ':scheme': tls ? 'https' : 'http',
      ':path': wsPath, ':authority': authority, 'sec-websocket-version': '13',
    };
    if (protocols) headers['sec-websocket-protocol'] = protocols;
    const stream = session.request(headers, signal ? { endStream: false, signal } : { endStream: false });
    if (signal) stream.on('error', (e) => console.log(`client stream=${stream.id} ${e.name}`));
    const ws = new Ws(stream, 'client', () => stream.id);
    const res = await once(stream, 'response');
    console.log(`client stream=${stream.id} response :status ${res[':status']}` +
      (res['sec-websocket-protocol'] ? ` sec-websocket-protocol ${res['sec-websocket-protocol']}` : ''));
    stream.on('close', () => console.log(`client stream=${stream.id} closed rstCode=${stream.rstCode}`));
    return ws;
  };
  const expect = async (ws, op) => {
    const f = await ws.recv();
    if (f.op !== op) throw new Error(`expected op ${op}, got ${f.op}`);
    return f;
  };
  const bytes = Buffer.from(Array.from({ length: 64 }, (_, i) => i));

  if (mode === 'one' || mode === 'tls') {
    // an ordinary request first, so the connection carries both
    const get = session.request({ ':path': '/index.html' });
    const res = await once(get, 'response');
    let body = '';
    get.setEncoding('utf8');
    get.on('data', (d) => { body += d; });
    await once(get, 'end');
    console.log(`client stream=${get.id} GET /index.html :status ${res[':status']} body ${JSON.stringify(body)}`);

    const ws = await open('/chat', 'chat, superchat');
    ws.send(OP.text, 'hello over h2'); await expect(ws, OP.text);
    ws.send(OP.text, 'second message'); await expect(ws, OP.text);
    ws.send(OP.binary, bytes); await expect(ws, OP.binary);
    ws.send(OP.ping, 'are you there'); await expect(ws, OP.pong);
    ws.send(OP.close, closePayload(1000, 'bye')); await expect(ws, OP.close);
    const closed = once(ws.stream, 'close');
    ws.stream.end(); // END_STREAM
    await closed;
  } else if (mode === 'two') {
    const a = await open('/chat', 'chat, superchat');
    const abort = new AbortController();
    const b = await open('/feed', undefined, abort.signal);
    await expect(b, OP.text); // the greeting
    a.send(OP.text, 'A1: hello'); b.send(OP.text, 'B1: hello');
    await expect(a, OP.text); await expect(b, OP.text);
    a.send(OP.binary, bytes); b.send(OP.text, 'B2: more');
    await expect(a, OP.binary); await expect(b, OP.text);
    b.send(OP.ping, 'b-ping'); a.send(OP.text, 'A2: still here');
    await expect(b, OP.pong); await expect(a, OP.text);
    a.send(OP.close, closePayload(1000, 'done')); await expect(a, OP.close);
    const aClosed = once(a.stream, 'close');
    a.stream.end(); // END_STREAM on A
    await aClosed;
    b.send(OP.text, 'B3: last words'); await expect(b, OP.text);
    const bClosed = once(b.stream, 'close');
    // RST_STREAM (CANCEL) on B, no close handshake. (Not stream.close(NGHTTP2_CANCEL): node
    // ends the writable side first there, an END_STREAM before the RST_STREAM.)
    abort.abort();
    await bClosed;
  }
  session.close(); // GOAWAY
  await once(session, 'close');
}

if (role === 'server') server();
else if (role === 'client') client().catch((e) => { console.log('client failed: ' + e.stack); process.exit(1); });
else { console.error('usage: node h2ws.js server|client PORT [opts]'); process.exit(2); }
