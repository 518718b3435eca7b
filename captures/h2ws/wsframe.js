// A tiny RFC 6455 frame codec for the peers that speak WebSocket inside an HTTP/2 stream
// (RFC 8441), where no library does it for us, and the log line every peer prints for each
// WebSocket message it sends or receives ("ROLE stream=N send|recv OPCODE len=N ...").
import crypto from 'node:crypto';

export const OP = { cont: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa };
const NAMES = { 0: 'cont', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
export const opName = (op) => NAMES[op] ?? `op${op}`;

// encode(op, payload, {mask, fin}): one frame; client frames carry a random 4-byte masking key
export function encode(op, payload, { mask = false, fin = true } = {}) {
  payload = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const n = payload.length;
  let head;
  if (n < 126) {
    head = Buffer.from([(fin ? 0x80 : 0) | op, (mask ? 0x80 : 0) | n]);
  } else if (n < 65536) {
    head = Buffer.alloc(4);
    head[0] = (fin ? 0x80 : 0) | op; head[1] = (mask ? 0x80 : 0) | 126;
    head.writeUInt16BE(n, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = (fin ? 0x80 : 0) | op; head[1] = (mask ? 0x80 : 0) | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  if (!mask) return Buffer.concat([head, payload]);
  const key = crypto.randomBytes(4);
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = payload[i] ^ key[i & 3];
  return Buffer.concat([head, key, body]);
}

export const closePayload = (code, reason = '') => {
  const b = Buffer.alloc(2 + Buffer.byteLength(reason));
  b.writeUInt16BE(code, 0);
  b.write(reason, 2);
  return b;
};

// Parser: push(chunk) returns the complete frames in it: {fin, op, masked, payload (unmasked)}
export class Parser {
  constructor() { this.buf = Buffer.alloc(0); }
  push(chunk) {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out = [];
    for (;;) {
      const b = this.buf;
      if (b.length < 2) break;
      const fin = !!(b[0] & 0x80), op = b[0] & 0x0f, masked = !!(b[1] & 0x80);
      let n = b[1] & 0x7f, off = 2;
      if (n === 126) { if (b.length < 4) break; n = b.readUInt16BE(2); off = 4; }
      else if (n === 127) { if (b.length < 10) break; n = Number(b.readBigUInt64BE(2)); off = 10; }
      const need = off + (masked ? 4 : 0) + n;
      if (b.length < need) break;
      const payload = Buffer.from(b.subarray(need - n, need));
      if (masked) {
        const key = b.subarray(off, off + 4);
        for (let i = 0; i < n; i++) payload[i] ^= key[i & 3];
      }
      out.push({ fin, op, masked, payload });
      this.buf = b.subarray(need);
    }
    return out;
  }
}

// describe a payload for the log: text as JSON string, close as code + reason, else hex prefix
export function describe(op, payload) {
  if (op === OP.close) {
    return payload.length >= 2
      ? `code=${payload.readUInt16BE(0)} reason=${JSON.stringify(payload.subarray(2).toString())}`
      : 'code=none';
  }
  if (op === OP.text || op === OP.ping || op === OP.pong) {
    return JSON.stringify(payload.toString());
  }
  return payload.subarray(0, 8).toString('hex') + (payload.length > 8 ? '...' : '');
}

// log(role, stream, dir, op, payload, extra): one line per WebSocket message on stdout
export function log(role, stream, dir, op, payload, extra = '') {
  const s = stream === undefined ? '' : ` stream=${stream}`;
  console.log(`${role}${s} ${dir} ${opName(op)} len=${payload.length}${extra ? ' ' + extra : ''} ${describe(op, payload)}`);
}
