import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../src/roles';
import {
  ADMIN_ROOM,
  canJoinRoom,
  cityMenuRoom,
  cityOrdersRoom,
  defaultRooms,
  parseRoom,
  userRoom,
  type RoomPrincipal,
} from '../src/rooms';

const who = (role: Role, extra: Partial<RoomPrincipal> = {}): RoomPrincipal => ({ userId: 7, role, cityIds: [], ...extra });

describe('room names (wire contract)', () => {
  it('builds the names of seed 001', async () => {
    expect([ADMIN_ROOM, cityOrdersRoom(3), cityMenuRoom(3), userRoom(42)]).toEqual(['admin-orders', 'city-3-orders', 'city-3-menu', 'user-42']);
  });

  it('parses every name it builds, back to the same ids', async () => {
    expect(parseRoom(ADMIN_ROOM)).toEqual({ kind: 'admin' });
    expect(parseRoom(cityOrdersRoom(12))).toEqual({ kind: 'city-orders', cityId: 12 });
    expect(parseRoom(cityMenuRoom(1))).toEqual({ kind: 'city-menu', cityId: 1 });
    expect(parseRoom(userRoom(123456789012345))).toEqual({ kind: 'user', userId: 123456789012345 });
  });

  it('refuses anything else: unknown shapes, zero or leading zeros, signs, spaces, over-long ids', async () => {
    for (const bad of [
      '',
      'admin',
      'admin-orders ',
      'ADMIN-ORDERS',
      'city-0-orders',
      'city-01-orders',
      'city--1-orders',
      'city-1.5-menu',
      'city-1-kitchen',
      'city-12345678901-orders', // 11 digits
      'user-0',
      'user-1e3',
      'user-1234567890123456', // 16 digits
      'user-7\n',
      '../user-7',
    ]) {
      expect(parseRoom(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});

describe('rooms joined on connect', () => {
  it('admin and ceo: admin-orders and their own room', async () => {
    expect(defaultRooms(who('admin'))).toEqual(['admin-orders', 'user-7']);
    expect(defaultRooms(who('ceo', { cityIds: [1, 2] }))).toEqual(['admin-orders', 'user-7']);
  });

  it('a manager: the orders room of each of their cities, not admin-orders', async () => {
    expect(defaultRooms(who('manager', { cityIds: [2, 5] }))).toEqual(['city-2-orders', 'city-5-orders', 'user-7']);
    expect(defaultRooms(who('manager'))).toEqual(['user-7']);
  });

  it('a customer: their own room, and the menu room of the chosen city if any', async () => {
    expect(defaultRooms(who('customer', { cityId: 3 }))).toEqual(['user-7', 'city-3-menu']);
    expect(defaultRooms(who('customer', { cityId: null }))).toEqual(['user-7']);
    expect(defaultRooms(who('customer'))).toEqual(['user-7']);
    // cityIds mean nothing for a customer.
    expect(defaultRooms(who('customer', { cityIds: [4] }))).toEqual(['user-7']);
  });

  it('every default room is one the same principal may join', async () => {
    for (const role of ROLES) {
      const p = who(role, { cityIds: [1, 2], cityId: 2 });
      for (const room of defaultRooms(p)) expect(canJoinRoom(p, room), `${role} ${room}`).toBe(true);
    }
  });
});

describe('who may join which room (WebSocket join-room and the SSE room endpoint)', () => {
  const table: [RoomPrincipal, Record<string, boolean>][] = [
    [who('customer'), { 'admin-orders': false, 'city-1-orders': false, 'city-1-menu': true, 'user-7': true, 'user-8': false }],
    [who('manager', { cityIds: [1] }), { 'admin-orders': false, 'city-1-orders': true, 'city-2-orders': false, 'city-2-menu': true, 'user-7': true, 'user-8': false }],
    [who('admin'), { 'admin-orders': true, 'city-1-orders': true, 'city-9-orders': true, 'city-9-menu': true, 'user-7': true, 'user-8': true }],
    [who('ceo'), { 'admin-orders': true, 'city-1-orders': true, 'user-8': true }],
  ];

  it.each(table.map(([p, rooms]) => [p.role, p, rooms] as const))('%s', (_role, p, rooms) => {
    for (const [room, allowed] of Object.entries(rooms)) expect(canJoinRoom(p, room), `${p.role} → ${room}`).toBe(allowed);
  });

  it('nobody joins a room that is not a valid name', async () => {
    for (const role of ROLES) {
      for (const bad of ['lobby', 'city-0-orders', 'user-', 'admin-orders2']) expect(canJoinRoom(who(role, { cityIds: [0] }), bad)).toBe(false);
    }
  });
});
