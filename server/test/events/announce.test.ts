import { describe, expect, it } from 'vitest';
import { ADMIN_ROOM, SERVER_EVENT_TYPES, cityMenuRoom, cityOrdersRoom, orderChatRoom, userRoom, type Order, type ServerEventType } from '@ordercast/shared';
import { EVENT_CATALOGUE } from '@ordercast/shared/schemas';
import { Announce } from '../../src/events/announce';
import { useTestApp } from '../helpers/app';

/** events/announce.ts: the rooms of every event type, as written to the durable log. */
describe('Announce: which rooms hear which event', () => {
  // No POS worker: its start-up menu import (against no POS) would log a sync-error among the events checked here.
  const t = useTestApp({ POS_SYNC_WORKER: 'false' });

  const roomsOf = async (announce: () => Promise<void>) => {
    const before = await t.app.events.log.highestId();
    await t.app.tx(announce);
    const appended = await t.app.events.log.after(before);
    expect(appended).toHaveLength(1);
    return appended[0]!.rooms;
  };
  const ts = new Date().toISOString();
  const order = { id: 7, user_id: 42, city_id: 2 } as Order;

  it('orders: staff of the city for new-order, the customer for order-created, both for a status move', async () => {
    expect(await roomsOf(() => t.app.announce.newOrder(order))).toEqual([ADMIN_ROOM, cityOrdersRoom(2)]);
    expect(await roomsOf(() => t.app.announce.orderCreated(order))).toEqual([userRoom(42)]);
    expect(
      await roomsOf(() => t.app.announce.orderStatusUpdated({ userId: 42, cityId: 2 }, { orderId: 7, newStatus: 'confirmed', oldStatus: 'pending', timestamp: ts })),
    ).toEqual([userRoom(42), ADMIN_ROOM, cityOrdersRoom(2)]);
  });

  it('bonuses: the customer only', async () => {
    expect(await roomsOf(() => t.app.announce.bonusUpdated(42, { balance: 10, operation: { type: 'earned', amount: 10, orderId: 7 }, timestamp: ts }))).toEqual([
      userRoom(42),
    ]);
  });

  it('sync: the staff of the order’s city (admin alone when unknown), or of every city for the menu', async () => {
    expect(await roomsOf(() => t.app.announce.syncSuccess({ entity: 'order', entityId: 7, timestamp: ts }, { cityId: 3 }))).toEqual([ADMIN_ROOM, cityOrdersRoom(3)]);
    expect(await roomsOf(() => t.app.announce.syncSuccess({ entity: 'order', entityId: 7, timestamp: ts }, { cityId: null }))).toEqual([ADMIN_ROOM]);
    const error = { entity: 'menu' as const, entityId: 0, error: 'x', timestamp: ts, attempt: 1, nextRetryAt: null, cityId: null };
    expect(await roomsOf(() => t.app.announce.syncError(error, { allCityIds: [1, 2, 3] }))).toEqual([
      ADMIN_ROOM,
      cityOrdersRoom(1),
      cityOrdersRoom(2),
      cityOrdersRoom(3),
    ]);
  });

  it('menu-updated: customers with the city’s menu open and the city’s staff, whoever changed it', async () => {
    expect(await roomsOf(() => t.app.announce.menuUpdated({ cityId: 3, productId: 1, available: false, price: 390, timestamp: ts }))).toEqual([
      cityMenuRoom(3),
      ADMIN_ROOM,
      cityOrdersRoom(3),
    ]);
  });

  it('order-message and order-chat-read: the order’s chat room, the customer and the city’s staff', async () => {
    const msg = { id: 1, orderId: 7, clientId: 'c1', author: { kind: 'staff' as const, name: 'Anna', userId: 3 }, text: 'hi', createdAt: ts };
    expect(await roomsOf(() => t.app.announce.orderMessage({ userId: 42, cityId: 2 }, msg))).toEqual([orderChatRoom(7), userRoom(42), ADMIN_ROOM, cityOrdersRoom(2)]);
  });

  it('order-eta-updated and order-payment-updated: the customer and the city’s staff; city-status-updated: the city’s menu room and its staff', async () => {
    expect(
      await roomsOf(() => t.app.announce.orderEtaUpdated({ userId: 42, cityId: 2 }, { orderId: 7, promisedAt: ts, oldPromisedAt: null, reason: 'Rush', timestamp: ts })),
    ).toEqual([userRoom(42), ADMIN_ROOM, cityOrdersRoom(2)]);
    expect(
      await roomsOf(() =>
        t.app.announce.orderPaymentUpdated(
          { userId: 42, cityId: 2 },
          { orderId: 7, method: 'online', status: 'refund_due', oldStatus: 'paid', telegramChargeId: 'tg-1', providerChargeId: 'p-1', timestamp: ts },
        ),
      ),
    ).toEqual([userRoom(42), ADMIN_ROOM, cityOrdersRoom(2)]);
    const view = (await t.app.restaurants.city(3))!;
    expect(await roomsOf(() => t.app.announce.cityStatusUpdated({ cityId: 3, status: view.status, restaurants: view.restaurants, timestamp: ts }))).toEqual([
      cityMenuRoom(3),
      ADMIN_ROOM,
      cityOrdersRoom(3),
    ]);
  });
});

/**
 * The catalogue in ./shared (EVENT_CATALOGUE, which docs/events.md is generated from) writes each
 * event's rooms as patterns; Announce decides them. For every event type, a sample announcement's
 * rooms are exactly the catalogue's patterns with the sample's own city and user filled in.
 */
describe('Announce agrees with the event catalogue', () => {
  const ts = new Date().toISOString();
  const USER = 42;
  const CITY = 3;
  const order = { id: 7, user_id: USER, city_id: CITY } as Order;

  /** One sample per event type (a new type in the catalogue does not compile until it has one here). */
  const samples: Record<ServerEventType, (a: Announce) => Promise<void>> = {
    'new-order': (a) => a.newOrder(order),
    'order-created': (a) => a.orderCreated(order),
    'order-status-updated': (a) =>
      a.orderStatusUpdated({ userId: USER, cityId: CITY }, { orderId: 7, newStatus: 'confirmed', oldStatus: 'pending', timestamp: ts }),
    'bonus-updated': (a) => a.bonusUpdated(USER, { balance: 10, operation: { type: 'earned', amount: 10, orderId: 7 }, timestamp: ts }),
    'sync-success': (a) => a.syncSuccess({ entity: 'order', entityId: 7, timestamp: ts }, { cityId: CITY }),
    'sync-error': (a) =>
      a.syncError({ entity: 'order', entityId: 7, error: 'x', timestamp: ts, attempt: 1, nextRetryAt: null, cityId: CITY }, { cityId: CITY }),
    'menu-updated': (a) => a.menuUpdated({ cityId: CITY, productId: 1, available: false, price: 390, timestamp: ts }),
    'order-eta-updated': (a) =>
      a.orderEtaUpdated({ userId: USER, cityId: CITY }, { orderId: 7, promisedAt: ts, oldPromisedAt: null, reason: 'traffic', timestamp: ts }),
    'city-status-updated': (a) =>
      a.cityStatusUpdated({
        cityId: CITY,
        status: {
          city_id: CITY,
          pause: null,
          busy_minutes: 0,
          delivery_minutes: 30,
          open_now: true,
          next_open_at: null,
          accepting_orders: true,
          refusal: null,
          reopens_at: null,
        },
        restaurants: [],
        timestamp: ts,
      }),
    'order-payment-updated': (a) =>
      a.orderPaymentUpdated(
        { userId: USER, cityId: CITY },
        { orderId: 7, method: 'online', status: 'paid', oldStatus: 'unpaid', telegramChargeId: 'tg-1', providerChargeId: 'prov-1', timestamp: ts },
      ),
    'order-message': (a) =>
      a.orderMessage(
        { userId: USER, cityId: CITY },
        { id: 1, orderId: 7, clientId: 'c1', author: { kind: 'customer', name: 'Ann', userId: USER }, text: 'hi', createdAt: ts },
      ),
    'order-chat-read': (a) =>
      a.orderChatRead(
        { userId: USER, cityId: CITY },
        { orderId: 7, side: 'staff', userId: 1, lastReadId: 1, unread: { customer: 0, staff: 0 }, timestamp: ts },
      ),
  };

  const announced = async (type: ServerEventType) => {
    const seen: { type: string; rooms: readonly string[] }[] = [];
    await samples[type](new Announce(async (t, rooms) => void seen.push({ type: t, rooms })));
    expect(seen.map((s) => s.type)).toEqual([type]);
    return [...seen[0]!.rooms].sort();
  };
  const fill = (pattern: string) =>
    pattern.replace(/\{(\w+)\}/g, (_, name: string) => {
      if (name === 'cityId') return String(CITY);
      if (name === 'userId') return String(USER);
      if (name === 'orderId') return '7';
      throw new Error(`catalogue pattern ${pattern}: no sample value for {${name}}`);
    });

  it('covers every event type the server sends', async () => {
    expect(Object.keys(samples).sort()).toEqual([...SERVER_EVENT_TYPES].sort());
  });

  it.each([...SERVER_EVENT_TYPES])('%s: the rooms are the catalogue’s', async (type) => {
    expect(await announced(type)).toEqual(EVENT_CATALOGUE[type].to.map(fill).sort());
  });

  it('a sync outcome about the menu reaches every city’s staff, each room a catalogued pattern', async () => {
    const rooms: string[] = [];
    await new Announce(async (_t, r) => void rooms.push(...r)).syncError(
      { entity: 'menu', entityId: 0, error: 'x', timestamp: ts, attempt: 1, nextRetryAt: null, cityId: null },
      { allCityIds: [1, 2] },
    );
    const patterns = EVENT_CATALOGUE['sync-error'].to.map((p) => new RegExp(`^${p.replace(/\{\w+\}/g, '[1-9]\\d*')}$`));
    expect(rooms.filter((room) => !patterns.some((p) => p.test(room)))).toEqual([]);
  });
});
