// What rides inside WebSockets (HTTP/1.1 upgrades, cleartext): real libraries where they exist,
// small hand-written servers where a protocol has no node server worth pulling in.
//   node inner.js ROLE PORT        servers serve until killed, clients exit when done
// Roles:
//   mqtt-broker / mqtt-client         aedes broker behind `ws` / mqtt.js (subprotocol mqtt), one
//                                     control packet per WebSocket message
//   mqtt-broker-split / mqtt-client-split  the same as both libraries do by default in node:
//                                     control packets split over several WebSocket messages
//   stomp-server / stomp-client       a STOMP 1.2 broker written here on `ws` / @stomp/stompjs
//                                     (subprotocol v12.stomp)
//   socketio-server / socketio-client socket.io / socket.io-client, websocket transport only
//   graphql-server / graphql-client   graphql-ws server (graphql-js schema) / graphql-ws client
//                                     (subprotocol graphql-transport-ws)
//   echo-server / mismatch-client     a `ws` echo server that accepts mqtt / a client that
//                                     negotiates mqtt and then sends JSON text
//   sip-server / sip-client           SIP over WebSocket (RFC 7118, subprotocol sip): REGISTER, 200
//   wamp-server / wamp-client         WAMP v2 JSON (wamp.2.json): HELLO, WELCOME, CALL, RESULT,
//                                     GOODBYE both ways
// Every WebSocket message is logged by wslog.js; protocol-level lines start with the role too.
import WebSocket, { WebSocketServer, createWebSocketStream } from 'ws';
import { Duplex } from 'node:stream';
import { instrument } from './wslog.js';

const [role, portArg] = process.argv.slice(2);
const port = Number(portArg);
const side = role.includes('-client') ? 'client' : 'server';
instrument(side);
const say = (s) => console.log(`${side} ${s}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// a `ws` server that accepts the first offered subprotocol found in `accept`
function wsServer(accept, onConnection) {
  const wss = new WebSocketServer({
    host: '127.0.0.1', port,
    handleProtocols: (offered) => [...offered].find((p) => accept.includes(p)) ?? false,
  });
  wss.on('connection', (ws, req) => {
    say(`upgrade ${req.url} offered=${req.headers['sec-websocket-protocol'] || ''} chosen=${ws.protocol}`);
    onConnection(ws, req);
  });
  return wss;
}

// a client that resolves when open (with the chosen subprotocol)
function wsClient(path, protocols) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, protocols);
  const open = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const messages = [];
  const waiters = [];
  ws.on('message', (d, bin) => {
    const m = bin ? d : d.toString();
    if (waiters.length) waiters.shift()(m); else messages.push(m);
  });
  ws.next = () => (messages.length ? Promise.resolve(messages.shift()) : new Promise((r) => waiters.push(r)));
  ws.closed = new Promise((resolve) => ws.once('close', resolve));
  return open.then(() => { say(`open subprotocol=${ws.protocol}`); return ws; });
}

const roles = {};

// ---- MQTT: aedes + mqtt.js ----
// mqtt-packet writes each control packet in pieces, corked. Over ws's createWebSocketStream
// (no _writev: what aedes's docs and mqtt.js in node use) every piece becomes a WebSocket message
// of its own: the *-split roles. The default roles batch corked writes into one message per
// packet, as mqtt.js does in browsers (its BufferedDuplex): the client takes mqtt.js's browser
// path (forceNativeWebSocket, with ws as the WebSocket), the broker gets the same in batchStream.
function batchStream(ws) {
  const d = new Duplex({
    read() {},
    write(chunk, enc, cb) { ws.send(chunk, cb); },
    writev(chunks, cb) { ws.send(Buffer.concat(chunks.map((c) => c.chunk)), cb); },
    final(cb) { ws.close(); cb(); },
  });
  ws.on('message', (data) => d.push(data));
  ws.on('close', () => { d.push(null); d.destroy(); });
  return d;
}
const mqttBroker = (split) => async () => {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  aedes.on('publish', (p, c) => { if (c) say(`mqtt broker got PUBLISH topic=${p.topic} qos=${p.qos} from ${c.id}`); });
  wsServer(['mqtt'], (ws, req) => aedes.handle(split ? createWebSocketStream(ws) : batchStream(ws), req));
};
const mqttClient = (split) => async () => {
  const mqtt = (await import('mqtt')).default;
  if (!split) globalThis.WebSocket = WebSocket;
  const client = mqtt.connect(`ws://127.0.0.1:${port}/mqtt`, {
    clientId: 'upscope-h2ws', keepalive: 1, protocolVersion: 4, reconnectPeriod: 0, clean: true,
    forceNativeWebSocket: !split, manualConnect: true, // connect() once the listeners are on
  });
  const fmt = (p) => `${p.cmd.toUpperCase()}${p.topic ? ' topic=' + p.topic : ''}${p.messageId ? ' id=' + p.messageId : ''}${p.payload ? ' payload=' + JSON.stringify(p.payload.toString()) : ''}`;
  client.on('packetsend', (p) => say(`mqtt send ${fmt(p)}`));
  client.on('packetreceive', (p) => say(`mqtt recv ${fmt(p)}`));
  const connected = new Promise((resolve, reject) => { client.once('connect', resolve); client.once('error', reject); });
  client.connect();
  await connected;
  await client.subscribeAsync('upscope/#', { qos: 1 });
  const got = new Promise((resolve) => {
    let n = 0;
    client.on('message', () => { if (++n === 2) resolve(); });
  });
  await client.publishAsync('upscope/hello', 'hello mqtt', { qos: 0 });
  await client.publishAsync('upscope/qos1', 'at least once', { qos: 1 });
  await got;
  await sleep(1700); // keepalive 1 s: mqtt.js sends PINGREQ, aedes answers PINGRESP
  await client.endAsync(); // DISCONNECT
};
roles['mqtt-broker'] = mqttBroker(false);
roles['mqtt-client'] = mqttClient(false);
roles['mqtt-broker-split'] = mqttBroker(true);
roles['mqtt-client-split'] = mqttClient(true);

// ---- STOMP 1.2: a tiny broker here, @stomp/stompjs as the client ----
function stompParse(text) {
  const frames = [];
  for (const raw of text.split('\0')) {
    const t = raw.replace(/^[\r\n]+/, '');
    if (!t) continue;
    const [head, ...rest] = t.split('\n\n');
    const [command, ...lines] = head.split('\n');
    const headers = {};
    for (const l of lines) { const i = l.indexOf(':'); if (i > 0 && !(l.slice(0, i) in headers)) headers[l.slice(0, i)] = l.slice(i + 1); }
    frames.push({ command, headers, body: rest.join('\n\n') });
  }
  return frames;
}
const stompFrame = (command, headers, body = '') =>
  `${command}\n${Object.entries(headers).map(([k, v]) => `${k}:${v}`).join('\n')}\n\n${body}\0`;

roles['stomp-server'] = () => {
  wsServer(['v12.stomp', 'v11.stomp', 'v10.stomp'], (ws) => {
    const subs = new Map(); // id -> destination
    let n = 0;
    ws.on('message', (data) => {
      for (const f of stompParse(data.toString())) {
        say(`stomp recv ${f.command} ${JSON.stringify(f.headers)}${f.body ? ' body=' + JSON.stringify(f.body) : ''}`);
        const out = [];
        if (f.command === 'CONNECT' || f.command === 'STOMP') {
          out.push(stompFrame('CONNECTED', { version: '1.2', 'heart-beat': '0,0', server: 'upscope-stomp/1.0', session: 'sess-1' }));
        } else if (f.command === 'SUBSCRIBE') {
          subs.set(f.headers.id, f.headers.destination);
        } else if (f.command === 'SEND') {
          for (const [id, dest] of subs) {
            if (dest === f.headers.destination) {
              out.push(stompFrame('MESSAGE', { subscription: id, 'message-id': `m-${++n}`, destination: dest,
                'content-type': f.headers['content-type'] || 'text/plain', 'content-length': Buffer.byteLength(f.body) }, f.body));
            }
          }
        } else if (f.command === 'UNSUBSCRIBE') {
          subs.delete(f.headers.id);
        }
        if (f.headers.receipt) out.push(stompFrame('RECEIPT', { 'receipt-id': f.headers.receipt }));
        for (const o of out) { say(`stomp send ${o.split('\n')[0]}`); ws.send(o); }
      }
    });
  });
};
roles['stomp-client'] = async () => {
  const { Client, Versions } = await import('@stomp/stompjs');
  const url = `ws://127.0.0.1:${port}/stomp`;
  const done = new Promise((resolve, reject) => {
    const client = new Client({
      brokerURL: url,
      webSocketFactory: () => new WebSocket(url, ['v12.stomp']),
      stompVersions: new Versions(['1.2']),
      heartbeatIncoming: 0, heartbeatOutgoing: 0, reconnectDelay: 0,
      connectHeaders: { host: '127.0.0.1', login: 'guest', passcode: 'guest' },
      debug: (s) => { if (/^(>>>|<<<)/.test(s)) say('stomp ' + s.split('\n')[0]); },
      onConnect: (frame) => {
        say(`stomp connected version=${frame.headers.version}`);
        let got = 0;
        client.subscribe('/topic/upscope', (m) => {
          say(`stomp message ${JSON.stringify(m.body)}`);
          if (++got === 2) client.deactivate().then(resolve); // DISCONNECT (receipt), RECEIPT
        });
        client.publish({ destination: '/topic/upscope', body: 'hello stomp', headers: { receipt: 'r-send-1' } });
        client.publish({ destination: '/topic/upscope', body: '{"n":2}', headers: { 'content-type': 'application/json' } });
      },
      onStompError: (f) => reject(new Error(f.headers.message)),
      onWebSocketError: (e) => reject(e),
    });
    client.activate();
  });
  await done;
};

// ---- Socket.IO ----
roles['socketio-server'] = async () => {
  const { Server } = await import('socket.io');
  const io = new Server(port, { pingInterval: 400, pingTimeout: 2000, transports: ['websocket'] });
  io.on('connection', (socket) => {
    say(`socket.io connection ${socket.id}`);
    socket.emit('welcome', { server: 'upscope', n: 1 });
    socket.on('chat', (msg, ack) => {
      say(`socket.io event chat ${JSON.stringify(msg)}`);
      socket.emit('chat', `echo: ${msg}`);
      if (ack) ack({ ok: true });
    });
    socket.on('disconnect', (reason) => say(`socket.io disconnect ${reason}`));
  });
};
roles['socketio-client'] = async () => {
  const { io } = await import('socket.io-client');
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  await new Promise((resolve) => socket.once('welcome', (m) => { say(`socket.io welcome ${JSON.stringify(m)}`); resolve(); }));
  const echoed = new Promise((resolve) => socket.once('chat', (m) => { say(`socket.io chat ${JSON.stringify(m)}`); resolve(); }));
  const ack = await socket.timeout(2000).emitWithAck('chat', 'hello socket.io');
  say(`socket.io ack ${JSON.stringify(ack)}`);
  await echoed;
  await sleep(900); // pingInterval 400 ms: two pings (2) and pongs (3)
  socket.disconnect();
  await sleep(200);
};

// ---- GraphQL over WebSocket (graphql-transport-ws) ----
roles['graphql-server'] = async () => {
  const { GraphQLSchema, GraphQLObjectType, GraphQLString, GraphQLInt } = await import('graphql');
  const { useServer } = await import('graphql-ws/use/ws');
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { hello: { type: GraphQLString, resolve: () => 'world' } } }),
    subscription: new GraphQLObjectType({
      name: 'Subscription',
      fields: {
        countdown: {
          type: GraphQLInt,
          args: { from: { type: GraphQLInt } },
          subscribe: async function* (_, { from }) { for (let i = from; i >= 0; i--) yield { countdown: i }; },
        },
      },
    }),
  });
  const wss = wsServer(['graphql-transport-ws'], () => {});
  useServer({ schema, onSubscribe: (_, id, payload) => say(`graphql subscribe id=${id} ${JSON.stringify(payload.query)}`) }, wss);
};
roles['graphql-client'] = async () => {
  const { createClient } = await import('graphql-ws');
  const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  const run = (query) => new Promise((resolve, reject) => {
    const got = [];
    client.subscribe({ query }, {
      next: (v) => { say(`graphql next ${JSON.stringify(v)}`); got.push(v); },
      error: reject,
      complete: () => { say('graphql complete'); resolve(got); },
    });
  });
  await run('{ hello }');
  await run('subscription { countdown(from: 2) }');
  await client.dispose();
  await sleep(200);
};

// ---- a client that says mqtt and then talks JSON ----
roles['echo-server'] = () => {
  wsServer(['mqtt'], (ws) => {
    ws.on('message', (d, bin) => ws.send(bin ? d : d.toString()));
  });
};
roles['mismatch-client'] = async () => {
  const ws = await wsClient('/mqtt', ['mqtt']);
  for (const m of [{ type: 'subscribe', topic: 'upscope/#' }, { type: 'publish', topic: 'upscope/hello', payload: 'not mqtt at all' }]) {
    ws.send(JSON.stringify(m));
    await ws.next();
  }
  ws.close(1000, 'bye');
  await ws.closed;
};

// ---- SIP over WebSocket (RFC 7118) ----
roles['sip-server'] = () => {
  wsServer(['sip'], (ws) => {
    ws.on('message', (d) => {
      const req = d.toString();
      const lines = req.split('\r\n');
      say(`sip recv ${lines[0]}`);
      const keep = lines.filter((l) => /^(Via|From|To|Call-ID|CSeq|Contact):/i.test(l));
      const to = keep.map((l) => (/^To:/i.test(l) && !/;tag=/.test(l) ? l + ';tag=8321234356' : l));
      const res = ['SIP/2.0 200 OK', ...to.map((l) => (/^Contact:/i.test(l) ? l + ';expires=600' : l)),
        'Server: upscope-sip/1.0', 'Content-Length: 0', '', ''].join('\r\n');
      say('sip send SIP/2.0 200 OK');
      ws.send(res);
    });
  });
};
roles['sip-client'] = async () => {
  const ws = await wsClient('/', ['sip']);
  const register = [
    'REGISTER sip:127.0.0.1 SIP/2.0',
    'Via: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKasudf;rport',
    'From: sip:alice@example.com;tag=65bnmj.34asd',
    'To: sip:alice@example.com',
    'Call-ID: aiuy7k9njasd',
    'CSeq: 1 REGISTER',
    'Max-Forwards: 70',
    'Supported: path, outbound, gruu',
    'Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws>;reg-id=1;+sip.instance="<urn:uuid:f81-7dec-14a06cf1>"',
    'User-Agent: upscope-sip-client/1.0',
    'Content-Length: 0', '', ''].join('\r\n');
  say('sip send REGISTER sip:127.0.0.1 SIP/2.0');
  ws.send(register);
  say(`sip recv ${(await ws.next()).split('\r\n')[0]}`);
  ws.close(1000);
  await ws.closed;
};

// ---- WAMP v2, JSON serialization ----
roles['wamp-server'] = () => {
  wsServer(['wamp.2.json', 'wamp.2.msgpack'], (ws) => {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      say(`wamp recv ${JSON.stringify(m)}`);
      let out;
      if (m[0] === 1) out = [2, 9129137332, { realm: m[1], authid: 'anonymous', authrole: 'anonymous', roles: { broker: {}, dealer: {} } }];
      else if (m[0] === 48) out = [50, m[1], {}, [m[4].reduce((a, b) => a + b, 0)]];
      else if (m[0] === 6) out = [6, {}, 'wamp.close.goodbye_and_out'];
      if (out) { say(`wamp send ${JSON.stringify(out)}`); ws.send(JSON.stringify(out)); }
    });
  });
};
roles['wamp-client'] = async () => {
  const ws = await wsClient('/ws', ['wamp.2.json', 'wamp.2.msgpack']);
  const call = async (m) => { say(`wamp send ${JSON.stringify(m)}`); ws.send(JSON.stringify(m)); const r = await ws.next(); say(`wamp recv ${r}`); };
  await call([1, 'realm1', { roles: { caller: {}, subscriber: {} } }]); // HELLO -> WELCOME
  await call([48, 7814135, {}, 'com.example.add', [2, 3]]); // CALL -> RESULT
  await call([6, { message: 'bye' }, 'wamp.close.system_shutdown']); // GOODBYE -> GOODBYE
  ws.close(1000);
  await ws.closed;
};

if (!roles[role]) { console.error('usage: node inner.js ROLE PORT; roles: ' + Object.keys(roles).join(' ')); process.exit(2); }
Promise.resolve(roles[role]()).then(() => { if (side === 'client') process.exit(0); })
  .catch((e) => { console.log(`${side} failed: ${e.stack}`); process.exit(1); });
