import { describe, expect, it } from 'vitest';
import { useServedApp, signInCustomer, signInStaff } from '../helpers/app';
import { TestClient, createOrder, until } from './helpers';

/**
 * Issue 11 item 9: a resume reads only the client's rooms (filtered inside SQLite) and never more
 * than RESUME_MAX_EVENTS of the log; further back the client gets `resync`.
 */
describe('resume window', () => {
  const connect = async (query: string) => {
    const c = TestClient.connect(`${t.url.ws}/ws?${query}`);
    t.keep(c);
    await c.waitFor((m) => m.type === 'connected');
    return c;
  };
  /** The log's events after `after` for any of `rooms`, as the test reads it (the expected replay). */
  const expected = async (after: number, rooms: string[]) =>
    (await t.app.events.log.after(after, 100_000))
      .filter((e) => e.rooms.some((r) => rooms.includes(r)))
      .map((e) => e.id);

  const t = useServedApp({ POS_SYNC_WORKER: 'false', RESUME_MAX_EVENTS: '40' });

  it('further back than the window (lastEventId=0 on a longer log): resync, no replay', async () => {
    const a = await signInCustomer(t.app);
    for (let i = 0; i < 25; i++) await createOrder(t.app, a.token, 1);
    expect(await t.app.events.log.highestId()).toBeGreaterThan(40);
    const c = await connect(`token=${a.token}&lastEventId=0`);
    await c.waitFor((m) => m.type === 'resync');
    expect(c.events()).toHaveLength(0);
  });

  it('within the window: exactly the events of the client’s rooms, in order, for a customer and a manager', async () => {
    const a = await signInCustomer(t.app);
    const b = await signInCustomer(t.app);
    const manager = (await signInStaff(t.app, 'manager1')).token;
    const from = await t.app.events.log.highestId();
    for (let i = 0; i < 6; i++) {
      await createOrder(t.app, a.token, 1);
      await createOrder(t.app, b.token, 2);
    }
    const custRooms = [`user-${a.user.id}`, 'city-1-menu'];
    const want = await expected(from, custRooms);
    expect(want).toHaveLength(6);
    const c = await connect(`token=${a.token}&lastEventId=${from}&rooms=city-1-menu`);
    await until(() => c.events().length >= want.length, 3000, 'customer replay');
    expect(c.events().map((m) => m.id)).toEqual(want);
    expect(c.ofType('resync')).toHaveLength(0);

    const m = await connect(`token=${manager}&lastEventId=${from}`);
    const wantM = await expected(from, m.messages[0]!.data.rooms);
    expect(wantM).toHaveLength(6);
    await until(() => m.events().length >= wantM.length, 3000, 'manager replay');
    expect(m.events().map((x) => x.id)).toEqual(wantM);
  });
});
