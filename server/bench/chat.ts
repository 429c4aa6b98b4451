/**
 * `npm run bench:chat`: order chats under load (issue 18). N concurrent chats (default 1,000), each
 * between a customer and a staff member, both with a WebSocket in the chat's room. Every second
 * each chat gets a typing burst (BENCH_TYPING frames, 100 ms apart, over the author's WebSocket)
 * and then one message (REST, as the apps send it); the author alternates between the two sides.
 * An admin board connection (admin-orders) hears every message too, as the real board does.
 *
 * Measured over BENCH_SECONDS after a warm-up: delivery latency from the send to the other
 * participant's socket, for messages (REST call start → `order-message` parsed) and typing
 * (frame sent → `typing` parsed), p50/p99/max; and the server process's CPU (user+system from
 * /proc, as a share of one core). The load generator runs in this process beside the server on
 * the same 2 cores, so the figures include its competition for the CPU.
 *
 * Knobs (env): BENCH_CHATS (1000), BENCH_SECONDS (20), BENCH_WARMUP_S (5), BENCH_TYPING (3), BENCH_STAFF (20 staff accounts).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { orderChatRoom } from '@ordercast/shared';
import { demoInitData } from '../src/auth/telegram';
import { demoPickupPoint } from '../src/db/seed-data';
import { BENCH_BOT_TOKEN, startServerProcess } from './server-process';

const CHATS = Number(process.env.BENCH_CHATS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 5);
const TYPING = Number(process.env.BENCH_TYPING ?? 3);
const STAFF = Number(process.env.BENCH_STAFF ?? 20);

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a benchmark helper: each call reads a different response shape
function call(base: string, method: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      `${base}${path}`,
      {
        method,
        agent,
        headers: { ...(data ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN);
const fmt = (x: number) => x.toFixed(1);

function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(parts[11]) + Number(parts[12]); // utime + stime (fields 14 and 15)
}

interface Side {
  ws: WebSocket;
  userId: number;
}
interface Chat {
  orderId: number;
  customer: Side & { token: string };
  staff: Side & { token: string };
  /** Send times (performance.now) of typing frames on their way, per receiving side. */
  typingTo: { customer: number[]; staff: number[] };
  /** Message send times by client id. */
  sent: Map<string, number>;
}

let measuring = false;
const msgLat: number[] = [];
const typingLat: number[] = [];
let failures = 0;

function openWs(wsBase: string, token: string, rooms: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}/ws?token=${token}&rooms=${encodeURIComponent(rooms.join(','))}`, { perMessageDeflate: false });
    ws.once('message', () => resolve(ws)); // `connected`
    ws.once('error', reject);
  });
}

async function main(): Promise<void> {
  process.stderr.write(`bench:chat — ${CHATS} chats, ${SECONDS} s measured after ${WARMUP_S} s, typing burst of ${TYPING} per chat per second\n`);
  const server = await startServerProcess(
    {
      CHAT_MAX_MESSAGES_PER_MIN: '100000',
      WS_MAX_CONNECTIONS_PER_USER: '100000',
      WS_MAX_PENDING_AUTH: '100000',
    },
    { name: 'chat' },
  );
  const base = server.base;
  const wsBase = base.replace(/^http/, 'ws');
  try {
    const admin = (await call(base, 'POST', '/api/auth/login', { username: 'admin', password: 'demo1234' })).body.token as string;
    process.stderr.write(`creating ${STAFF} staff accounts and ${CHATS} customers with an order each…\n`);
    const staff = await pool(STAFF, 8, async (i) => {
      const username = `benchstaff${i}`;
      const r = await call(base, 'POST', '/api/admin/staff', { username, password: 'password123', name: `Manager ${i}`, role: 'manager', cityIds: [1] }, admin);
      if (r.status !== 201) throw new Error(`staff: ${r.status} ${JSON.stringify(r.body)}`);
      const login = await call(base, 'POST', '/api/auth/login', { username, password: 'password123' });
      return { token: login.body.token as string, userId: r.body.id as number };
    });
    const chats: Chat[] = await pool(CHATS, 32, async (i) => {
      const signIn = await call(base, 'POST', '/api/auth/telegram', { initData: demoInitData({ id: 940_000_000 + i, first_name: `Guest${i}` }, BENCH_BOT_TOKEN) });
      const token = signIn.body.token as string;
      const order = await call(
        base,
        'POST',
        '/api/orders',
        { cityId: 1, restaurantId: demoPickupPoint(1), items: [{ productId: 1, quantity: 1 }], delivery: { type: 'pickup' } },
        token,
      );
      if (order.status !== 201) throw new Error(`order: ${order.status} ${JSON.stringify(order.body)}`);
      const s = staff[i % STAFF]!;
      return {
        orderId: order.body.order.id as number,
        customer: { token, userId: signIn.body.user.id as number } as Chat['customer'],
        staff: { token: s.token, userId: s.userId } as Chat['staff'],
        typingTo: { customer: [], staff: [] },
        sent: new Map(),
      };
    });

    process.stderr.write(`connecting ${CHATS * 2 + 1} WebSockets…\n`);
    await pool(CHATS, 32, async (i) => {
      const c = chats[i]!;
      const room = orderChatRoom(c.orderId);
      c.customer.ws = await openWs(wsBase, c.customer.token, [room]);
      // A chat screen: the staff side's connection is in the chat room only (its board is another connection).
      c.staff.ws = await openWs(wsBase, c.staff.token, [room]);
      c.staff.ws.send(JSON.stringify({ type: 'leave-room', data: { roomId: 'city-1-orders' } }));
      c.staff.ws.send(JSON.stringify({ type: 'leave-room', data: { roomId: `user-${c.staff.userId}` } }));
      for (const side of ['customer', 'staff'] as const) {
        const other = side === 'customer' ? 'staff' : 'customer';
        c[side].ws.on('message', (raw) => {
          const text = String(raw);
          const now = performance.now();
          if (text.startsWith('{"type":"typing"')) {
            const t0 = c.typingTo[side].shift();
            if (t0 !== undefined && measuring) typingLat.push(now - t0);
          } else if (text.startsWith('{"type":"order-message"')) {
            const m = JSON.parse(text) as { data: { clientId: string; author: { kind: string } } };
            if (m.data.author.kind !== other) return;
            const t0 = c.sent.get(m.data.clientId);
            if (t0 !== undefined) {
              c.sent.delete(m.data.clientId);
              if (measuring) msgLat.push(now - t0);
            }
          }
        });
      }
    });
    const board = await openWs(wsBase, admin, []);
    let boardMessages = 0;
    board.on('message', () => boardMessages++);

    let seq = 0;
    /** One chat's second: a typing burst from this second's author, then its message. */
    const tick = (c: Chat, second: number) => {
      const author = second % 2 === 0 ? 'customer' : 'staff';
      const to = author === 'customer' ? 'staff' : 'customer';
      for (let k = 0; k < TYPING; k++) {
        setTimeout(() => {
          c.typingTo[to].push(performance.now());
          c[author].ws.send(JSON.stringify({ type: 'typing', data: { orderId: c.orderId, typing: true } }));
        }, k * 100);
      }
      setTimeout(() => {
        const clientId = `b${++seq}`;
        c.sent.set(clientId, performance.now());
        call(base, 'POST', `/api/orders/${c.orderId}/chat/messages`, { clientId, text: `Message ${seq} from the ${author}` }, c[author].token).then(
          (r) => {
            if (r.status !== 201) failures++;
          },
          () => failures++,
        );
      }, TYPING * 100);
    };

    process.stderr.write('running…\n');
    const total = WARMUP_S + SECONDS;
    const hz = 100; // clock ticks per second on Linux
    let cpu0 = 0;
    let t0 = 0;
    for (let s = 0; s < total; s++) {
      if (s === WARMUP_S) {
        measuring = true;
        cpu0 = cpuTicks(server.pid);
        t0 = performance.now();
      }
      const start = performance.now();
      // Spread each second's chats over the second, as independent people would be.
      chats.forEach((c, i) => setTimeout(() => tick(c, s), (i * 1000) / CHATS));
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - start))));
    }
    const cpu = (cpuTicks(server.pid) - cpu0) / hz / ((performance.now() - t0) / 1000);
    measuring = false;
    await new Promise((r) => setTimeout(r, 1500));

    const result = {
      chats: CHATS,
      seconds: SECONDS,
      messages: msgLat.length,
      typing: typingLat.length,
      messageP50: pct(msgLat, 50),
      messageP99: pct(msgLat, 99),
      messageMax: pct(msgLat, 100),
      typingP50: pct(typingLat, 50),
      typingP99: pct(typingLat, 99),
      typingMax: pct(typingLat, 100),
      serverCpuCores: cpu,
      failures,
      boardMessages,
      cores: cpus().length,
    };
    console.log(
      [
        `| chats | messages/s | typing frames/s | message p50 / p99 / max | typing p50 / p99 / max | server CPU | failed sends |`,
        `|---|---|---|---|---|---|---|`,
        `| ${CHATS} | ${fmt(result.messages / SECONDS)} | ${fmt(result.typing / SECONDS)} | ${fmt(result.messageP50)} / ${fmt(result.messageP99)} / ${fmt(result.messageMax)} ms | ${fmt(result.typingP50)} / ${fmt(result.typingP99)} / ${fmt(result.typingMax)} ms | ${(result.serverCpuCores * 100).toFixed(0)}% of a core | ${failures} |`,
      ].join('\n'),
    );
    console.log(JSON.stringify(result));
    for (const c of chats) {
      c.customer.ws.terminate();
      c.staff.ws.terminate();
    }
    board.terminate();
  } finally {
    agent.destroy();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
