import { connect, type Socket } from 'node:net';

/**
 * The smallest WebSocket client a load generator needs (RFC 6455 over a plain TCP socket): the
 * upgrade request, unmasked server frames in, masked client frames out, pings answered, close
 * echoed. No extensions, no fragmentation, no Sec-WebSocket-Accept check (the server is ours).
 * Several times cheaper per connection than the `ws` package's client (no http.ClientRequest, no
 * agent, no HTTP parser object, no EventEmitter per frame), so 2 cores can open 10,000 sockets and
 * still leave the server most of the CPU.
 */
export interface RawWsHandlers {
  open(): void;
  message(payload: Buffer): void;
  close(code: number, reason: string): void;
}

const KEY = 'b3JkZXJjYXN0LWJlbmNoIQ=='; // any 16 bytes, base64
const ZERO_MASK = Buffer.alloc(4);

export class RawWs {
  private readonly sock: Socket;
  private buf: Buffer | null = null;
  private upgraded = false;
  private done = false;

  constructor(port: number, path: string, private readonly h: RawWsHandlers) {
    this.sock = connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.sock.on('connect', () => {
      this.sock.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    this.sock.on('data', (d: Buffer) => this.onData(d));
    this.sock.on('error', () => {});
    this.sock.on('close', () => this.finish(1006, 'connection lost'));
  }

  get open(): boolean {
    return this.upgraded && !this.done;
  }

  send(text: string): void {
    if (!this.open) return;
    const payload = Buffer.from(text);
    const n = payload.length;
    const head = n < 126 ? Buffer.from([0x81, 0x80 | n]) : Buffer.from([0x81, 0x80 | 126, n >> 8, n & 0xff]);
    // A zero masking key is legal and leaves the payload as is.
    this.sock.write(Buffer.concat([head, ZERO_MASK, payload]));
  }

  terminate(): void {
    this.done = true;
    this.sock.destroy();
  }

  private finish(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    this.h.close(code, reason);
  }

  private onData(d: Buffer): void {
    let buf = this.buf ? Buffer.concat([this.buf, d]) : d;
    this.buf = null;
    if (!this.upgraded) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        this.buf = buf;
        return;
      }
      if (buf.toString('latin1', 0, 12) !== 'HTTP/1.1 101') {
        this.finish(1002, `upgrade refused: ${buf.toString('latin1', 0, Math.min(end, 60))}`);
        this.sock.destroy();
        return;
      }
      this.upgraded = true;
      buf = buf.subarray(end + 4);
      this.h.open();
    }
    while (buf.length >= 2) {
      const op = buf[0]! & 0x0f;
      let len = buf[1]! & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) break;
      const payload = buf.subarray(off, off + len);
      buf = buf.subarray(off + len);
      if (op === 1 || op === 2) this.h.message(payload);
      else if (op === 9) this.control(0x8a, payload); // ping → pong
      else if (op === 8) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.subarray(2).toString();
        this.control(0x88, payload.subarray(0, 2));
        this.finish(code, reason);
        this.sock.end();
        return;
      }
    }
    if (buf.length) this.buf = Buffer.from(buf); // own the bytes: `d` may be reused
  }

  private control(first: number, payload: Buffer): void {
    if (this.done) return;
    this.sock.write(Buffer.concat([Buffer.from([first, 0x80 | payload.length]), ZERO_MASK, payload]));
  }
}
