import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ROOM, cityMenuRoom, cityOrdersRoom, userRoom, type Order } from '@ordercast/shared';
import { buildTestApp, type TestApp } from '../helpers/app';

/** events/announce.ts: the rooms of every event type, as written to the durable log. */
describe('Announce: which rooms hear which event', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(() => t.close());

  const roomsOf = (announce: () => number) => {
    const id = t.app.tx(announce);
    const ev = t.app.events.log.after(id - 1)[0]!;
    expect(ev.id).toBe(id);
    return ev.rooms;
  };
  const ts = new Date().toISOString();
  const order = { id: 7, user_id: 42, city_id: 2 } as Order;

  it('orders: staff of the city for new-order, the customer for order-created, both for a status move', () => {
    expect(roomsOf(() => t.app.announce.newOrder(order))).toEqual([ADMIN_ROOM, cityOrdersRoom(2)]);
    expect(roomsOf(() => t.app.announce.orderCreated(order))).toEqual([userRoom(42)]);
    expect(
      roomsOf(() => t.app.announce.orderStatusUpdated({ userId: 42, cityId: 2 }, { orderId: 7, newStatus: 'confirmed', oldStatus: 'pending', timestamp: ts })),
    ).toEqual([userRoom(42), ADMIN_ROOM, cityOrdersRoom(2)]);
  });

  it('bonuses: the customer only', () => {
    expect(roomsOf(() => t.app.announce.bonusUpdated(42, { balance: 10, operation: { type: 'earned', amount: 10, orderId: 7 }, timestamp: ts }))).toEqual([
      userRoom(42),
    ]);
  });

  it('sync: the staff of the order’s city (admin alone when unknown), or of every city for the menu', () => {
    expect(roomsOf(() => t.app.announce.syncSuccess({ entity: 'order', entityId: 7, timestamp: ts }, { cityId: 3 }))).toEqual([ADMIN_ROOM, cityOrdersRoom(3)]);
    expect(roomsOf(() => t.app.announce.syncSuccess({ entity: 'order', entityId: 7, timestamp: ts }, { cityId: null }))).toEqual([ADMIN_ROOM]);
    const error = { entity: 'menu' as const, entityId: 0, error: 'x', timestamp: ts, attempt: 1, nextRetryAt: null, cityId: null };
    expect(roomsOf(() => t.app.announce.syncError(error, { allCityIds: [1, 2, 3] }))).toEqual([
      ADMIN_ROOM,
      cityOrdersRoom(1),
      cityOrdersRoom(2),
      cityOrdersRoom(3),
    ]);
  });

  it('menu-updated: customers with the city’s menu open and the city’s staff, whoever changed it', () => {
    expect(roomsOf(() => t.app.announce.menuUpdated({ cityId: 3, productId: 1, available: false, price: 390, timestamp: ts }))).toEqual([
      cityMenuRoom(3),
      ADMIN_ROOM,
      cityOrdersRoom(3),
    ]);
  });

  it('order-eta-updated: the customer and the city’s staff; city-status-updated: the city’s menu room and its staff', () => {
    expect(
      roomsOf(() => t.app.announce.orderEtaUpdated({ userId: 42, cityId: 2 }, { orderId: 7, promisedAt: ts, oldPromisedAt: null, reason: 'Rush', timestamp: ts })),
    ).toEqual([userRoom(42), ADMIN_ROOM, cityOrdersRoom(2)]);
    const view = t.app.restaurants.city(3)!;
    expect(roomsOf(() => t.app.announce.cityStatusUpdated({ cityId: 3, status: view.status, restaurants: view.restaurants, timestamp: ts }))).toEqual([
      cityMenuRoom(3),
      ADMIN_ROOM,
      cityOrdersRoom(3),
    ]);
  });
});
