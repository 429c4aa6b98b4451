/**
 * Bench child: opens many WebSocket clients with the bare `ws` package (the full shared client would
 * cost the 2 cores more than the server under test). Speaks ordercast's wire format or Socket.IO's
 * (Engine.IO v4 over a WebSocket: open `0{…}`, connect `40{auth}`, ping `2` → pong `3`, event `42[…]`).
 * Probe instances (record = true) timestamp every new-order / order-status-updated on arrival.
 */
import WebSocket from 'ws';
import { RawWs, type RawWsHandlers } from './raw-ws';
import { now, serve, TAGS, type ClientSpec, type LoadReply, type LoadRequest, type Proto, type Sample } from './common';

const clients: Client[] = [];
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

interface Client {
  send(text: string): void;
  terminate(): void;
  readonly isOpen: boolean;
}

/** Opens one client with either WebSocket implementation; the handlers see Buffers either way. */
function dial(impl: 'raw' | 'ws', port: number, path: string, h: RawWsHandlers): Client {
  if (impl === 'raw') {
    const c = new RawWs(port, path, h);
    return { send: (t) => c.send(t), terminate: () => c.terminate(), get isOpen() { return c.open; } };
  }
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false, skipUTF8Validation: true });
  ws.on('open', () => h.open());
  ws.on('message', (buf: Buffer) => h.message(buf));
  ws.on('error', () => {});
  ws.on('close', (code, reason) => h.close(code, reason.toString()));
  return { send: (t) => ws.send(t), terminate: () => ws.terminate(), get isOpen() { return ws.readyState === WebSocket.OPEN; } };
}

function open(impl: 'raw' | 'ws', proto: Proto, port: number, spec: ClientSpec, record: boolean, done: (err?: string) => void): void {
  const path = proto === 'ordercast' ? `/ws?token=${encodeURIComponent(spec.token)}` : '/socket.io/?EIO=4&transport=websocket';
  const tagIndex = TAGS.indexOf(spec.tag);
  let ready = false;
  const fail = (err: string) => {
    if (ready) return;
    ready = true;
    clearTimeout(timer);
    client.terminate();
    done(err);
  };
  const timer = setTimeout(() => fail('connect timeout (30 s)'), 30_000);
  const connected = () => {
    if (ready) return;
    ready = true;
    clearTimeout(timer);
    clients.push(client);
    done();
  };
  const client: Client = dial(impl, port, path, {
    open() {},
    message(buf) {
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
      if (c0 === 0x32 /* 2 ping */ && buf.length === 1) return void client.send('3');
      if (c0 === 0x30 /* 0 open */) return void client.send(`40${JSON.stringify({ token: spec.token })}`);
      if (c0 === 0x34 && buf[1] === 0x30 /* 40 connect ack */) return connected();
      if (c0 === 0x34 && buf[1] === 0x34 /* 44 connect error */) return fail(`refused: ${buf.toString()}`);
      if (c0 === 0x34 && buf[1] === 0x32 /* 42 event */) {
        if (recording) messages++;
        if (record && recording) sample(tagIndex, buf.toString(), t, proto);
      }
    },
    close(code, reason) {
      if (!ready) return fail(`closed ${code} ${reason} before connected`);
      closed++;
      closeCodes[code] = (closeCodes[code] ?? 0) + 1;
    },
  });
}

function connectAll(impl: 'raw' | 'ws', proto: Proto, ports: number[], specs: ClientSpec[], window: number, record: boolean): Promise<LoadReply> {
  const cpu0 = process.cpuUsage();
  const cpuMs = () => {
    const c = process.cpuUsage(cpu0);
    return (c.user + c.system) / 1000;
  };
  return new Promise((resolve) => {
    const start = now();
    let next = 0;
    let finished = 0;
    let ok = 0;
    let failed = 0;
    let firstError: string | undefined;
    const launch = () => {
      while (next < specs.length && next - finished < window) {
        const i = next++;
        open(impl, proto, ports[i % ports.length]!, specs[i]!, record, (err) => {
          finished++;
          if (err) {
            failed++;
            firstError ??= err;
          } else ok++;
          if (finished === specs.length) resolve({ type: 'connected', ok, failed, start, end: now(), cpuMs: cpuMs(), ...(firstError ? { firstError } : {}) });
          else launch();
        });
      }
    };
    if (!specs.length) resolve({ type: 'connected', ok, failed, start, end: start, cpuMs: 0 });
    launch();
  });
}

serve<LoadRequest, LoadReply>(async (req) => {
  switch (req.cmd) {
    case 'connect':
      return connectAll(req.impl, req.proto, req.ports, req.clients, req.window, req.record);
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
      return { type: 'stats', open: clients.filter((c) => c.isOpen).length, closed, closeCodes };
    case 'stop':
      for (const c of clients) c.terminate();
      setTimeout(() => process.exit(0), 50);
      return { type: 'stats', open: 0, closed, closeCodes };
  }
});
