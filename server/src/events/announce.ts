import {
  ADMIN_ROOM,
  cityMenuRoom,
  cityOrdersRoom,
  orderChatRoom,
  userRoom,
  type BonusUpdated,
  type CityStatusUpdated,
  type MenuUpdated,
  type Order,
  type OrderChatRead,
  type OrderEtaUpdated,
  type OrderPaymentUpdated,
  type OrderMessage,
  type OrderStatusUpdated,
  type SyncError,
  type SyncSuccess,
} from '@ordercast/shared';
import type { AppendEvent } from './types';

/** Staff who follow a city: admin/ceo (admin-orders) and that city's managers. */
const staffOf = (cityId: number): string[] => [ADMIN_ROOM, cityOrdersRoom(cityId)];

/**
 * Who hears which event: the one place that decides the rooms of every event type. Each method
 * appends its event (inside the caller's transaction) and returns its id. Every writer of events
 * goes through here, so the same event never reaches different rooms depending on who caused it.
 */
export class Announce {
  /**
   * `onStatus` hears every status move in its transaction too (the bot's chat outbox,
   * bot/outbox.ts), so a move and what follows from it are written in this one place.
   */
  constructor(
    private readonly append: AppendEvent,
    private readonly onStatus?: (order: { userId: number }, data: OrderStatusUpdated) => Promise<void>,
  ) {}

  /** A new order for the staff who follow its city. */
  newOrder(order: Order): Promise<void> {
    return this.append('new-order', staffOf(order.city_id), order);
  }

  /** The customer's own copy of the order they placed. */
  orderCreated(order: Order): Promise<void> {
    return this.append('order-created', [userRoom(order.user_id)], order);
  }

  /** A status move: the customer and the city's staff. */
  async orderStatusUpdated(order: { userId: number; cityId: number }, data: OrderStatusUpdated): Promise<void> {
    await this.onStatus?.(order, data);
    return this.append('order-status-updated', [userRoom(order.userId), ...staffOf(order.cityId)], data);
  }

  /** A change of a customer's bonus balance: that customer only. */
  bonusUpdated(userId: number, data: BonusUpdated): Promise<void> {
    return this.append('bonus-updated', [userRoom(userId)], data);
  }

  /**
   * A POS sync outcome. About an order: the staff of its city (admin only when the city is not
   * known). About the menu (`cityId` null): the staff of every city, `allCityIds`.
   */
  syncSuccess(data: SyncSuccess, where: { cityId: number | null } | { allCityIds: readonly number[] }): Promise<void> {
    return this.append('sync-success', syncRooms(where), data);
  }

  syncError(data: SyncError, where: { cityId: number | null } | { allCityIds: readonly number[] }): Promise<void> {
    return this.append('sync-error', syncRooms(where), data);
  }

  /**
   * A dish's price or availability in a city, whether a manager changed it or the POS import did:
   * customers with that city's menu open, and the city's staff (their stop-list screens follow it).
   */
  menuUpdated(data: MenuUpdated): Promise<void> {
    return this.append('menu-updated', [cityMenuRoom(data.cityId), ...staffOf(data.cityId)], data);
  }

  /** Staff moved an order's promised time: the customer and the city's staff, like a status move. */
  orderEtaUpdated(order: { userId: number; cityId: number }, data: OrderEtaUpdated): Promise<void> {
    return this.append('order-eta-updated', [userRoom(order.userId), ...staffOf(order.cityId)], data);
  }

  /** An order's payment moved (paid, refund due, refunded): the customer and the city's staff, like a status move. */
  orderPaymentUpdated(order: { userId: number; cityId: number }, data: OrderPaymentUpdated): Promise<void> {
    return this.append('order-payment-updated', [userRoom(order.userId), ...staffOf(order.cityId)], data);
  }

  /**
   * A city's status changed (pause, busy mode, a restaurant paused or edited, a pause ran out):
   * customers with its menu open, and its staff.
   */
  cityStatusUpdated(data: CityStatusUpdated): Promise<void> {
    return this.append('city-status-updated', [cityMenuRoom(data.cityId), ...staffOf(data.cityId)], data);
  }

  /**
   * A chat message: everyone who may take part in the order's chat, whether or not its screen is
   * open (the customer's Mini App shows a badge, the staff boards mark the order unread).
   */
  orderMessage(order: { userId: number; cityId: number }, data: OrderMessage): Promise<void> {
    return this.append('order-message', chatRooms({ orderId: data.orderId, ...order }), data);
  }

  /** A side read the chat: the same people as its messages (read receipts, other tabs clear their marks). */
  orderChatRead(order: { userId: number; cityId: number }, data: OrderChatRead): Promise<void> {
    return this.append('order-chat-read', chatRooms({ orderId: data.orderId, ...order }), data);
  }
}

/** An order's chat: its room (open chat screens), the customer (every tab and device) and the city's staff (boards' unread marks). */
const chatRooms = (order: { orderId: number; userId: number; cityId: number }): string[] => [
  orderChatRoom(order.orderId),
  userRoom(order.userId),
  ...staffOf(order.cityId),
];

function syncRooms(where: { cityId: number | null } | { allCityIds: readonly number[] }): string[] {
  if ('allCityIds' in where) return [ADMIN_ROOM, ...where.allCityIds.map(cityOrdersRoom)];
  return where.cityId ? staffOf(where.cityId) : [ADMIN_ROOM];
}
