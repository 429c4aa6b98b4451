/**
 * `npm run bench:resume`: how long a client that missed N events (default 10,000) takes to get
 * all of them back when it reconnects with its last event id, over WebSocket and over SSE.
 *
 * The real server runs as a child process on a temp SQLite file. One customer signs in, connects
 * once to learn the resume point, and goes away; then N of its events happen through the REST
 * API (orders placed and cancelled: `order-created` and `order-status-updated` for it, with the
 * staff rooms' `new-order` events interleaved in the log). Each repetition reconnects from that
 * point and times connect → the Nth replayed event parsed, checking ids arrive strictly in order.
 *
 * Knobs (env): BENCH_MISSED (10000), BENCH_REPS (5), BENCH_CONCURRENCY (32).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { demoInitData } from '../src/auth/telegram';
import { demoPickupPoint } from '../src/db/seed-data';
import { BENCH_BOT_TOKEN, startServerProcess } from './server-process';

const here = dirname(fileURLToPath(import.meta.url));
const MISSED = Number(process.env.BENCH_MISSED ?? 10_000);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
/** Two events reach the customer per order: placed, then cancelled. */
const ORDERS = Math.ceil(MISSED / 2);
const TIMEOUT_MS = 60_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Replay {
  ms: number;
  events: number;
}

/** Counts id-carrying messages until `want` arrived; rejects on a gap, a repeat or a time-out. */
function collector(after: number, want: number, resolveWith: (r: Replay) => void, reject: (e: Error) => void, t0: number) {
  let last = after;
  let n = 0;
  let done = false;
  return (json: string) => {
    if (done) return;
    const msg = JSON.parse(json) as { type: string; id?: number };
    if (msg.type === 'resync') return reject(new Error('got resync: the resume point was pruned'));
    if (msg.id === undefined) return;
    if (msg.id <= last) return reject(new Error(`event ${msg.id} after ${last}: out of order or repeated`));
    last = msg.id;
    if (++n === want) {
      done = true;
      resolveWith({ ms: performance.now() - t0, events: n });
    }
  };
}

/** A replay stream: feeds each message's JSON to `onJson`; `close` ends it (`force` after a failure). */
type Open = (onJson: (json: string) => void, fail: (e: Error) => void) => (force: boolean) => void;

function replay(open: Open, after: number, want: number): Promise<Replay> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    let close: (force: boolean) => void = () => {};
    const timer = setTimeout(() => fail(new Error('timed out')), TIMEOUT_MS);
    const finish = (r: Replay) => {
      clearTimeout(timer);
      close(false);
      res(r);
    };
    const fail = (e: Error) => {
      clearTimeout(timer);
      close(true);
      rej(e);
    };
    close = open(collector(after, want, finish, fail, t0), fail);
  });
}

const replayWs = (wsBase: string, token: string, after: number, want: number) =>
  replay(
    (onJson, fail) => {
      const ws = new WebSocket(`${wsBase}/ws?token=${token}&lastEventId=${after}`);
      ws.on('message', (data) => onJson(data.toString()));
      ws.on('error', fail);
      return (force) => (force ? ws.terminate() : ws.close());
    },
    after,
    want,
  );

const replaySse = (base: string, token: string, after: number, want: number) =>
  replay(
    (onJson) => {
      const es = new EventSource(`${base}/sse?token=${token}&lastEventId=${after}`);
      es.onmessage = (e) => onJson(e.data as string);
      return () => es.close();
    },
    after,
    want,
  );

async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function main() {
  const server = await startServerProcess({}, { name: 'resume' });
  const { base } = server;
  const wsBase = base.replace('http', 'ws');
  try {
    const initData = demoInitData({ id: 910_000_001, first_name: 'Resume' }, BENCH_BOT_TOKEN);
    const { token } = await json<{ token: string }>(
      await fetch(`${base}/api/auth/telegram`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ initData }) }),
    );
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

    // The resume point: what `connected` says on a first connection.
    const after = await new Promise<number>((res, rej) => {
      const ws = new WebSocket(`${wsBase}/ws?token=${token}`);
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { type: string; data: { lastEventId?: number } };
        if (m.type !== 'connected') return;
        ws.close();
        res(m.data.lastEventId ?? 0);
      });
      ws.on('error', rej);
    });

    process.stderr.write(`making ${ORDERS * 2} events for the customer (${ORDERS} orders placed and cancelled)…\n`);
    const t = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < ORDERS) {
        const n = next++;
        const body = { cityId: 1 + (n % 3), restaurantId: demoPickupPoint(1 + (n % 3)), items: [{ productId: 1 + (n % 8), quantity: 1 }], delivery: { type: 'pickup' } };
        const { order } = await json<{ order: { id: number } }>(await fetch(`${base}/api/orders`, { method: 'POST', headers: auth, body: JSON.stringify(body) }));
        await json(await fetch(`${base}/api/orders/${order.id}/cancel`, { method: 'POST', headers: auth, body: '{}' }));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    process.stderr.write(`done in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
    const want = ORDERS * 2;

    const ws: Replay[] = [];
    const sse: Replay[] = [];
    for (let r = 0; r < REPS; r++) {
      ws.push(await replayWs(wsBase, token, after, want));
      sse.push(await replaySse(base, token, after, want));
      process.stderr.write(`rep ${r + 1}: WebSocket ${ws.at(-1)!.ms.toFixed(0)} ms, SSE ${sse.at(-1)!.ms.toFixed(0)} ms\n`);
    }

    const machine = { cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
    const summary = {
      machine,
      missed: want,
      reps: REPS,
      medianMs: { ws: median(ws.map((x) => x.ms)), sse: median(sse.map((x) => x.ms)) },
      runs: { ws: ws.map((x) => x.ms), sse: sse.map((x) => x.ms) },
    };
    console.log(`\nResume: ${want} missed events replayed on reconnect (connect → last event parsed), ${REPS} repetitions`);
    console.log(`machine: ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; target < 1000 ms`);
    console.log('| transport | median ms | runs (ms) | events/s at the median |');
    console.log('|---|---:|---|---:|');
    for (const [name, runs] of [['WebSocket', ws], ['SSE', sse]] as const) {
      const m = median(runs.map((x) => x.ms));
      console.log(`| ${name} | ${m.toFixed(0)} | ${runs.map((x) => x.ms.toFixed(0)).join(', ')} | ${Math.round((want / m) * 1000)} |`);
    }
    const out = resolve(here, 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'resume.json'), JSON.stringify(summary, null, 2));
  } finally {
    await server.stop();
  }
}

await main();
