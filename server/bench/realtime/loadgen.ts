/**
 * Bench child: opens many WebSocket clients with the bare `ws` package (the full shared client would
 * cost the 2 cores more than the server under test). Speaks ordercast's wire format or Socket.IO's
 * (Engine.IO v4 over a WebSocket: open `0{…}`, connect `40{auth}`, ping `2` → pong `3`, event `42[…]`).
 * Probe instances (record = true) timestamp every new-order / order-status-updated on arrival.
 */
import WebSocket from 'ws';
import { now, serve, TAGS, type ClientSpec, type LoadReply, type LoadRequest, type Proto, type Sample } from './common';

const sockets: WebSocket[] = [];
let messages = 0;
let samples: Sample[] = [];
let recording = false;
let closed = 0;
const closeCodes: Record<string, number> = {};

const CONNECTED = Buffer.from('{"type":"connected"');

function sample(tagIndex: number, text: string, t: number, proto: Proto) {
  let type: string | undefined;
  let data: { id?: number; orderId?: number } | undefined;
  if (proto === 'ordercast') {
    const m = JSON.parse(text) as { type: string; data?: { id?: number; orderId?: number } };
    type = m.type;
    data = m.data;
  } else if (text.startsWith('42')) {
    const [name, d] = JSON.parse(text.slice(2)) as [string, { id?: number; orderId?: number }];
    type = name;
    data = d;
  }
  if (!data) return;
  if (type === 'new-order') samples.push([tagIndex, 0, data.id!, t]);
  else if (type === 'order-status-updated') samples.push([tagIndex, 1, data.orderId!, t]);
}

function open(proto: Proto, port: number, spec: ClientSpec, record: boolean, done: (err?: string) => void): void {
  const url =
    proto === 'ordercast'
      ? `ws://127.0.0.1:${port}/ws?token=${encodeURIComponent(spec.token)}`
      : `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
  const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true });
  const tagIndex = TAGS.indexOf(spec.tag);
  let ready = false;
  const timer = setTimeout(() => {
    if (!ready) {
      ready = true;
      ws.terminate();
      done('connect timeout (30 s)');
    }
  }, 30_000);
  const connected = () => {
    if (ready) return;
    ready = true;
    clearTimeout(timer);
    sockets.push(ws);
    done();
  };
  ws.on('message', (buf: Buffer) => {
    const t = now();
    if (proto === 'ordercast') {
      if (!ready) {
        if (buf.length >= CONNECTED.length && buf.subarray(0, CONNECTED.length).equals(CONNECTED)) connected();
        return;
      }
      if (recording) messages++;
      if (record && recording) sample(tagIndex, buf.toString(), t, proto);
      return;
    }
    // Engine.IO v4 / Socket.IO v5 packets.
    const c0 = buf[0];
    if (c0 === 0x32 /* 2 ping */ && buf.length === 1) return void ws.send('3');
    if (c0 === 0x30 /* 0 open */) return void ws.send(`40${JSON.stringify({ token: spec.token })}`);
    if (c0 === 0x34 && buf[1] === 0x30 /* 40 connect ack */) return connected();
    if (c0 === 0x34 && buf[1] === 0x34 /* 44 connect error */) {
      ready = true;
      clearTimeout(timer);
      ws.close();
      return done(`refused: ${buf.toString()}`);
    }
    if (c0 === 0x34 && buf[1] === 0x32 /* 42 event */) {
      if (recording) messages++;
      if (record && recording) sample(tagIndex, buf.toString(), t, proto);
    }
  });
  ws.on('error', (err) => {
    if (!ready) {
      ready = true;
      clearTimeout(timer);
      done(err.message);
    }
  });
  ws.on('close', (code) => {
    if (!ready) {
      ready = true;
      clearTimeout(timer);
      done(`closed ${code} before connected`);
      return;
    }
    closed++;
    closeCodes[code] = (closeCodes[code] ?? 0) + 1;
  });
}

function connectAll(proto: Proto, port: number, clients: ClientSpec[], window: number, record: boolean): Promise<LoadReply> {
  return new Promise((resolve) => {
    const start = now();
    let next = 0;
    let finished = 0;
    let ok = 0;
    let failed = 0;
    let firstError: string | undefined;
    const launch = () => {
      while (next < clients.length && next - finished < window) {
        open(proto, port, clients[next++]!, record, (err) => {
          finished++;
          if (err) {
            failed++;
            firstError ??= err;
          } else ok++;
          if (finished === clients.length) resolve({ type: 'connected', ok, failed, start, end: now(), ...(firstError ? { firstError } : {}) });
          else launch();
        });
      }
    };
    if (!clients.length) resolve({ type: 'connected', ok, failed, start, end: start });
    launch();
  });
}

serve<LoadRequest, LoadReply>(async (req) => {
  switch (req.cmd) {
    case 'connect':
      return connectAll(req.proto, req.port, req.clients, req.window, req.record);
    case 'phase-start':
      messages = 0;
      samples = [];
      recording = true;
      return { type: 'phase', messages: 0, samples: [] };
    case 'phase-end': {
      recording = false;
      const out: LoadReply = { type: 'phase', messages, samples };
      samples = [];
      return out;
    }
    case 'stats':
      return { type: 'stats', open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length, closed, closeCodes };
    case 'stop':
      for (const s of sockets) s.terminate();
      setTimeout(() => process.exit(0), 50);
      return { type: 'stats', open: 0, closed, closeCodes };
  }
});
