/**
 * Bench child: the peer. A minimal Socket.IO 4 server with the same rooms as ordercast
 * (admin-orders, city-{id}-orders, user-{id}), token auth on the handshake and on REST, and the same
 * kind of SQLite write per order (better-sqlite3, WAL, one transaction per create and per status move).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Server } from 'socket.io';
import { distLine, now, serveTarget, type StaffSpec, type TargetInfo } from './common';

const SECRET = 'bench-secret-bench-secret-bench-secret';
const CITIES = [1, 2, 3];

interface Claims {
  sub: number;
  role: 'customer' | 'manager' | 'admin' | 'ceo';
  cities: number[];
}
const sign = (c: Claims) => {
  const body = Buffer.from(JSON.stringify(c)).toString('base64url');
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
};
function verify(token: string | undefined): Claims | null {
  if (!token) return null;
  const [body, sig] = token.split('.');
  if (!body || !sig) return null;
  const expected = createHmac('sha256', SECRET).update(body).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  return JSON.parse(Buffer.from(body, 'base64url').toString()) as Claims;
}

const dir = mkdtempSync(join(tmpdir(), 'socketio-bench-'));
const db = new Database(join(dir, 'peer.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE orders (
  id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, city_id INTEGER NOT NULL, status TEXT NOT NULL,
  total INTEGER NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
const insert = db.prepare('INSERT INTO orders (user_id, city_id, status, total, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
const getOrder = db.prepare<[number], { user_id: number; city_id: number; status: string }>('SELECT user_id, city_id, status FROM orders WHERE id = ?');
const setStatus = db.prepare('UPDATE orders SET status = ?, updated_at = ? WHERE id = ?');
const createTx = db.transaction((userId: number, cityId: number, productId: number, quantity: number) => {
  const createdAt = new Date().toISOString();
  const price = 390;
  const order = {
    id: 0,
    order_number: '',
    user_id: userId,
    city_id: cityId,
    status: 'pending',
    subtotal: price * quantity,
    bonuses_used: 0,
    total: price * quantity,
    bonuses_earned: Math.round(price * quantity * 0.05),
    items: [{ product_id: productId, name: 'Bench product', price, quantity }],
    delivery: { type: 'pickup', address: null },
    phone: null,
    comment: null,
    created_at: createdAt,
    updated_at: createdAt,
  };
  const id = Number(insert.run(userId, cityId, 'pending', order.total, JSON.stringify(order), createdAt, createdAt).lastInsertRowid);
  order.id = id;
  order.order_number = String(id).padStart(4, '0');
  return order;
});
const statusTx = db.transaction((id: number, status: string) => {
  const row = getOrder.get(id);
  if (!row) return null;
  setStatus.run(status, new Date().toISOString(), id);
  return row;
});

const http = createServer((req, res) => void handle(req, res));
const io = new Server(http, { serveClient: false });

io.use((socket, next) => {
  const claims = verify((socket.handshake.auth as { token?: string }).token);
  if (!claims) return next(new Error('unauthorized'));
  socket.data.claims = claims;
  next();
});
io.on('connection', (socket) => {
  const c = socket.data.claims as Claims;
  const rooms = [`user-${c.sub}`];
  if (c.role === 'admin' || c.role === 'ceo') rooms.push('admin-orders');
  if (c.role === 'manager') for (const city of c.cities) rooms.push(`city-${city}-orders`);
  void socket.join(rooms);
});

function send(res: ServerResponse, status: number, body: unknown) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** BENCH_TRACE=1: client send (x-bench-t0) → handler entry, as ordercast's trace reports it. */
let arrive: number[] = [];

async function handle(req: IncomingMessage, res: ServerResponse) {
  const t0 = req.headers['x-bench-t0'];
  if (typeof t0 === 'string') arrive.push(now() - Number(t0));
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const claims = verify(req.headers.authorization?.replace(/^Bearer /, ''));
  if (!claims) return send(res, 401, { error: 'unauthorized' });
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString() || '{}');
  } catch {
    return send(res, 400, { error: 'bad_request' });
  }
  if (req.method === 'POST' && req.url === '/api/orders' && claims.role === 'customer') {
    const item = (body.items as { productId: number; quantity: number }[])[0]!;
    const order = createTx(claims.sub, Number(body.cityId), item.productId, item.quantity);
    io.to('admin-orders').to(`city-${order.city_id}-orders`).emit('new-order', order);
    io.to(`user-${claims.sub}`).emit('order-created', order);
    return send(res, 201, { order });
  }
  const m = /^\/api\/admin\/orders\/(\d+)\/status$/.exec(req.url ?? '');
  if (req.method === 'POST' && m && claims.role !== 'customer') {
    const id = Number(m[1]);
    const newStatus = String(body.status);
    const row = statusTx(id, newStatus);
    if (!row) return send(res, 404, { error: 'not_found' });
    const data = { orderId: id, newStatus, oldStatus: row.status, timestamp: new Date().toISOString() };
    io.to(`user-${row.user_id}`).to('admin-orders').to(`city-${row.city_id}-orders`).emit('order-status-updated', data);
    return send(res, 200, { ok: true });
  }
  return send(res, 404, { error: 'not_found' });
}

async function init(customers: number, staffPerRoom: number): Promise<TargetInfo> {
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  const list = Array.from({ length: customers }, (_, i) => ({ userId: 1000 + i, token: sign({ sub: 1000 + i, role: 'customer', cities: [] }) }));
  const staff: StaffSpec[] = [];
  for (const c of CITIES) {
    const token = sign({ sub: 10 + c, role: 'manager', cities: [c] });
    for (let i = 0; i < staffPerRoom; i++) staff.push({ token, role: 'manager', cityId: c });
  }
  const adminToken = sign({ sub: 1, role: 'admin', cities: CITIES });
  const ceoToken = sign({ sub: 2, role: 'ceo', cities: CITIES });
  for (let i = 0; i < staffPerRoom; i++) staff.push(i % 2 ? { token: ceoToken, role: 'ceo', cityId: null } : { token: adminToken, role: 'admin', cityId: null });
  return { port, customers: list, staff, mover: adminToken, products: { 1: 1, 2: 1, 3: 1 }, cities: CITIES };
}

serveTarget({
  init,
  trace() {
    const line = distLine('client send → request arrival', arrive);
    arrive = [];
    return [line];
  },
  close: () =>
    new Promise<void>((resolve) => {
      void io.close(() => {
        db.close();
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
    }),
});
