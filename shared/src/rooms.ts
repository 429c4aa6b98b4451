import { seesAllCities, type Role } from './roles';

/**
 * Room names are part of the wire contract (clients outside this repository join them by
 * name). Everything that builds or checks a
 * room name goes through here so the server's rules and the clients' joins cannot drift.
 */
export const ADMIN_ROOM = 'admin-orders';
export const cityOrdersRoom = (cityId: number): string => `city-${cityId}-orders`;
export const cityMenuRoom = (cityId: number): string => `city-${cityId}-menu`;
export const userRoom = (userId: number): string => `user-${userId}`;
/** One order's chat (issue 18): its people's typing and presence, and the chat's state on joining. */
export const orderChatRoom = (orderId: number): string => `order-${orderId}-chat`;

export type ParsedRoom =
  | { kind: 'admin' }
  | { kind: 'city-orders'; cityId: number }
  | { kind: 'city-menu'; cityId: number }
  | { kind: 'user'; userId: number }
  | { kind: 'order-chat'; orderId: number };

const CITY_ORDERS = /^city-([1-9]\d{0,9})-orders$/;
const CITY_MENU = /^city-([1-9]\d{0,9})-menu$/;
const USER = /^user-([1-9]\d{0,14})$/;
const ORDER_CHAT = /^order-([1-9]\d{0,14})-chat$/;

export function parseRoom(roomId: string): ParsedRoom | null {
  if (roomId === ADMIN_ROOM) return { kind: 'admin' };
  let m = CITY_ORDERS.exec(roomId);
  if (m) return { kind: 'city-orders', cityId: Number(m[1]) };
  m = CITY_MENU.exec(roomId);
  if (m) return { kind: 'city-menu', cityId: Number(m[1]) };
  m = USER.exec(roomId);
  if (m) return { kind: 'user', userId: Number(m[1]) };
  m = ORDER_CHAT.exec(roomId);
  if (m) return { kind: 'order-chat', orderId: Number(m[1]) };
  return null;
}

/** Who is asking: enough of the JWT's claims to decide room access. */
export interface RoomPrincipal {
  userId: number;
  role: Role;
  /** Cities a manager works in; ignored for other roles. */
  cityIds: readonly number[];
  /** The customer's chosen city, if any (its menu room is joined on connect). */
  cityId?: number | null;
}

/** Rooms a connection joins on connect: admin/ceo → admin-orders, manager → its city rooms, everyone → own user room. */
export function defaultRooms(p: RoomPrincipal): string[] {
  const rooms: string[] = [];
  if (seesAllCities(p.role)) rooms.push(ADMIN_ROOM);
  if (p.role === 'manager') for (const c of p.cityIds) rooms.push(cityOrdersRoom(c));
  rooms.push(userRoom(p.userId));
  if (p.role === 'customer' && p.cityId) rooms.push(cityMenuRoom(p.cityId));
  return rooms;
}

/** Who an order's chat is between: its customer, and the staff who see its city. */
export interface ChatOrderRef {
  userId: number;
  cityId: number;
}

/**
 * Who may take part in an order's chat: its own customer; admin and ceo; a manager of the order's
 * city. Nobody else (another customer, a manager of another city). `order` null: no such order.
 */
export function canJoinOrderChat(p: RoomPrincipal, order: ChatOrderRef | null): boolean {
  if (!order) return false;
  if (p.role === 'customer') return order.userId === p.userId;
  return seesAllCities(p.role) || (p.role === 'manager' && p.cityIds.includes(order.cityId));
}

/**
 * The one rule for join-room (WebSocket) and the SSE room endpoint alike. An order chat room
 * depends on the order (whose it is, in which city): pass `order` (null: no such order); without
 * it such a room is refused.
 */
export function canJoinRoom(p: RoomPrincipal, roomId: string, order?: ChatOrderRef | null): boolean {
  const room = parseRoom(roomId);
  if (!room) return false;
  switch (room.kind) {
    case 'admin':
      return seesAllCities(p.role);
    case 'city-orders':
      return seesAllCities(p.role) || (p.role === 'manager' && p.cityIds.includes(room.cityId));
    case 'city-menu':
      // Menus are public: any signed-in client may follow any city's stop-list.
      return true;
    case 'user':
      return room.userId === p.userId || seesAllCities(p.role);
    case 'order-chat':
      return canJoinOrderChat(p, order ?? null);
  }
}
