// Logs every WebSocket message a process sends or receives through the `ws` package, whichever
// library drives it (mqtt.js, stompjs, engine.io, graphql-ws ...), in the format of
// wsframe.js's log(): "ROLE send|recv OPCODE len=N ...". It patches the WebSocket class of each
// copy of `ws` in node_modules (engine.io-client brings its own).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OP, log } from './wsframe.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const patched = new Set();

const toBuf = (d) => {
  if (d === undefined || d === null) return Buffer.alloc(0);
  if (typeof d === 'string') return Buffer.from(d);
  if (Buffer.isBuffer(d)) return d;
  if (Array.isArray(d)) return Buffer.concat(d.map(toBuf));
  if (d instanceof ArrayBuffer) return Buffer.from(d);
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(String(d));
};

function patch(WebSocket, role) {
  if (patched.has(WebSocket)) return;
  patched.add(WebSocket);
  const P = WebSocket.prototype;
  const { send, ping, pong, close, emit } = P;
  P.send = function (data, options, cb) {
    const binary = (typeof options === 'object' && options && options.binary !== undefined)
      ? options.binary : typeof data !== 'string';
    if (this.readyState === WebSocket.OPEN) log(role, undefined, 'send', binary ? OP.binary : OP.text, toBuf(data));
    return send.call(this, data, options, cb);
  };
  P.ping = function (data, mask, cb) {
    if (this.readyState === WebSocket.OPEN) log(role, undefined, 'send', OP.ping, toBuf(typeof data === 'function' ? undefined : data));
    return ping.call(this, data, mask, cb);
  };
  P.pong = function (data, mask, cb) {
    if (this.readyState === WebSocket.OPEN) log(role, undefined, 'send', OP.pong, toBuf(typeof data === 'function' ? undefined : data));
    return pong.call(this, data, mask, cb);
  };
  P.close = function (code, reason) {
    if (this.readyState === WebSocket.OPEN) {
      const p = code === undefined ? Buffer.alloc(0) : Buffer.concat([Buffer.from([code >> 8, code & 255]), toBuf(reason)]);
      log(role, undefined, 'send', OP.close, p);
    }
    return close.call(this, code, reason);
  };
  P.emit = function (ev, ...args) {
    if (ev === 'message') log(role, undefined, 'recv', args[1] ? OP.binary : OP.text, toBuf(args[0]));
    else if (ev === 'ping') log(role, undefined, 'recv', OP.ping, toBuf(args[0]));
    else if (ev === 'pong') log(role, undefined, 'recv', OP.pong, toBuf(args[0]));
    else if (ev === 'close' && this._closeFrameReceived) {
      const code = args[0];
      const p = code === 1005 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([code >> 8, code & 255]), toBuf(args[1])]);
      log(role, undefined, 'recv', OP.close, p);
    } else if (ev === 'open' || ev === 'upgrade' || ev === 'connection') {
      // nothing
    }
    return emit.call(this, ev, ...args);
  };
}

// instrument(role): patch node_modules/ws and any nested copies
export function instrument(role) {
  const require = createRequire(path.join(here, 'package.json'));
  patch(require('ws'), role);
  for (const dir of fs.readdirSync(path.join(here, 'node_modules'))) {
    const nested = path.join(here, 'node_modules', dir, 'node_modules', 'ws');
    if (fs.existsSync(nested)) patch(require(nested), role);
  }
}
