#!/usr/bin/env node
// Node peers for the TLS sample captures (run by captures/tls/make.sh): the npm `ws` package
// over node's `https`/`tls`. Needs `npm install` in captures/tls (see README.md).
//   node peers_node.js server PORT [opts]   WebSocket echo server on an https server
//   node peers_node.js client PORT [opts]   client: texts, binary, ping, close 1000
//   node peers_node.js page PORT            https page whose script opens a wss:// back here
// opts: ciphers=LIST  node's `ciphers` option (TLS 1.3 suite names work there)
//       deflate       permessage-deflate on both sides, threshold 0 (every message compressed)
// The client's TLS secrets come from node itself: run it with `node --tls-keylog=FILE`.
'use strict';
const fs = require('fs');
const https = require('https');
const path = require('path');
const WebSocket = require(path.join(__dirname, 'node_modules', 'ws'));

const [role, portArg, ...opts] = process.argv.slice(2);
const port = Number(portArg);
const opt = (name) => {
  const o = opts.find((x) => x.startsWith(name + '='));
  return o ? o.slice(name.length + 1) : undefined;
};
const deflate = opts.includes('deflate') ? { threshold: 0 } : false;
const tlsOptions = {
  key: fs.readFileSync(path.join(__dirname, 'test-key.pem')),
  cert: fs.readFileSync(path.join(__dirname, 'test-cert.pem')),
  ALPNProtocols: ['http/1.1'],
};
if (opt('ciphers')) tlsOptions.ciphers = opt('ciphers');

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>upscope</title></head>
<body><p id="state">starting</p>
<script>
const state = document.getElementById('state');
const ws = new WebSocket('wss://' + location.host + '/chat');
let got = 0;
ws.onopen = () => { ws.send('hello from the browser'); ws.send('second browser message'); };
ws.onmessage = () => { if (++got === 2) ws.close(1000, 'done'); };
ws.onclose = (e) => { state.textContent = 'closed ' + e.code; };
</script>
<img src="/wait" alt="">
</body></html>
`;

function serve(withPage) {
  // The page's /wait image is answered once a WebSocket has closed (at most 5 s later): the
  // page's load event, and so Chromium's --dump-dom, waits for the WebSocket conversation.
  let wsClosed;
  const closed = new Promise((resolve) => { wsClosed = resolve; });
  const server = https.createServer(tlsOptions, (req, res) => {
    if (withPage && req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    } else if (withPage && req.url === '/wait') {
      Promise.race([closed, new Promise((r) => setTimeout(r, 5000))]).then(() => {
        res.writeHead(204);
        res.end();
      });
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not here\n');
    }
  });
  const wss = new WebSocket.Server({ server, path: '/chat', perMessageDeflate: deflate });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('close', () => wsClosed());
  });
  server.listen(port, '127.0.0.1');
}

function client() {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/chat`, {
    ...tlsOptions,
    key: undefined,
    cert: undefined,
    servername: 'upscope.test',
    headers: { Host: `upscope.test:${port}` },
    rejectUnauthorized: false,
    perMessageDeflate: deflate,
  });
  const texts = deflate
    ? ['hello upscope', 'hello upscope', 'compress me: the quick brown fox jumps over the lazy dog']
    : ['hello upscope', 'a second text message'];
  const steps = [
    ...texts.map((t) => () => ws.send(t)),
    () => ws.send(Buffer.from([...Array(256).keys()])),
    () => ws.ping('are you there'),
    () => ws.close(1000, 'bye'),
  ];
  const next = () => steps.shift()();
  ws.on('open', next);
  ws.on('message', next);
  ws.on('pong', next);
  ws.on('error', (e) => { console.error(e); process.exit(1); });
}

if (role === 'server') serve(false);
else if (role === 'page') serve(true);
else if (role === 'client') client();
else { console.error('usage: peers_node.js server|client|page PORT [opts]'); process.exit(2); }
