import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderChatRoom } from '@ordercast/shared';
import { buildTestApp } from '../helpers/app';
import { requireService, TEST_REDIS_URL } from '../helpers/services';
import { TestClient, sleep } from '../realtime/helpers';
import { ServerProcess } from '../realtime/processes';

/** chat/realtime.ts + chat/presence.ts across two server processes sharing Redis and one database. */
describe('order chat presence and typing across two processes', await requireService('redis'), () => {
  let dir: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let manager: string;
  const closers: (() => void)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ordercast-chat-presence-'));
    const env = {
      DATABASE_PATH: join(dir, 'app.db'),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_CHANNEL: `ordercast-test-${randomBytes(6).toString('hex')}`,
      CHAT_PRESENCE_TTL_MS: '1500',
    };
    await (await buildTestApp({}, { dir })).close();
    // One after the other: two cold starts at once can outlast the start timeout on a loaded machine.
    a = await ServerProcess.start(env);
    b = await ServerProcess.start(env);
    manager = await a.staffToken('manager1');
  }, 180_000);
  afterAll(async () => {
    for (const c of closers) c();
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const connect = async (p: ServerProcess, token: string, orderId: number) => {
    const c = await TestClient.ready(`${p.ws}/ws?token=${token}`);
    closers.push(() => c.close());
    c.send({ type: 'join-room', data: { roomId: orderChatRoom(orderId) } });
    await c.waitFor((m) => m.type === 'chat-state');
    return c;
  };

  it('join, typing and leave cross processes; a killed process’s people leave when their entries expire', async () => {
    const cust = await a.customer(930_000_001);
    const orderId = await a.order(cust.token, 1);
    const staffOnA = await connect(a, manager, orderId);
    const custOnB = await connect(b, cust.token, orderId);

    const joined = await staffOnA.waitFor((m) => m.type === 'chat-presence' && m.data.change === 'join' && m.data.participant.kind === 'customer');
    expect(joined.data.present.map((p: { kind: string }) => p.kind).sort()).toEqual(['customer', 'staff']);
    const state = custOnB.ofType('chat-state')[0]!;
    expect(state.data.present.map((p: { kind: string }) => p.kind)).toContain('staff');

    custOnB.send({ type: 'typing', data: { orderId } });
    await staffOnA.waitFor((m) => m.type === 'typing' && m.data.author.kind === 'customer', 2000);

    // A message through B reaches A's socket as a durable event.
    const sent = await b.json('POST', `/api/orders/${orderId}/chat/messages`, { clientId: 'x1', text: 'From B' }, cust.token);
    expect(sent.status).toBe(201);
    await staffOnA.waitFor((m) => m.type === 'order-message' && m.data.text === 'From B');

    // B dies without a word: the customer's entry expires and A says they left.
    b.kill('SIGKILL');
    const left = await staffOnA.waitFor((m) => m.type === 'chat-presence' && m.data.change === 'leave' && m.data.participant.kind === 'customer', 10_000);
    expect(left.data.present.map((p: { kind: string }) => p.kind)).toEqual(['staff']);
  });

  it('leaving on one process is seen on the other at once', async () => {
    const cust = await a.customer(930_000_002);
    const orderId = await a.order(cust.token, 1);
    const staff = await connect(a, manager, orderId);
    const c2 = await TestClient.ready(`${a.ws}/ws?token=${cust.token}`);
    closers.push(() => c2.close());
    c2.send({ type: 'join-room', data: { roomId: orderChatRoom(orderId) } });
    await staff.waitFor((m) => m.type === 'chat-presence' && m.data.change === 'join' && m.data.participant.kind === 'customer');
    c2.close();
    await staff.waitFor((m) => m.type === 'chat-presence' && m.data.change === 'leave', 3000);
    await sleep(10);
  });
});
