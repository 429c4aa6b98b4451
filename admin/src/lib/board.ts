import {
  ACTIVE_STATUSES,
  awaitsPayment,
  isFinal,
  nextStatuses,
  type Order,
  type OrderPaymentUpdated,
  type OrderStatus,
  type OrderStatusUpdated,
  type SyncError,
  type SyncStatus,
  type SyncSuccess,
} from '@ordercast/shared';
import { lang, t } from '../i18n';

/**
 * The board's logic as pure functions: what the stores call and what the unit tests check.
 * Orders are kept by id, so an event seen twice (resume after reconnect, REST refetch racing
 * a live event) can never make a second card.
 */
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];
export type OrderMap = Map<number, Order>;

export interface BoardFilter {
  /** null: every city the user sees. */
  cityId: number | null;
  /** Order number or part of the phone. */
  q?: string;
  /** Columns shown; empty or missing: all. */
  statuses?: readonly OrderStatus[];
}

export interface BoardColumn {
  status: ActiveStatus;
  orders: Order[];
  count: number;
}

export function matchesQuery(o: Order, q: string | undefined): boolean {
  const term = q?.trim().replace(/^#/, '');
  if (!term) return true;
  // With or without the city prefix, in any case: `M-0013`, `m-0013`, `0013`, `13`.
  if (o.order_number === term.toUpperCase() || o.order_number.endsWith(term) || String(o.id) === term) return true;
  const digits = term.replace(/\D/g, '');
  return digits.length >= 3 && (o.phone ?? '').replace(/\D/g, '').includes(digits);
}

/** A column per active status, oldest order first (the one waiting longest is on top). */
export function groupBoard(orders: Iterable<Order>, filter: BoardFilter = { cityId: null }): BoardColumn[] {
  const shown = filter.statuses?.length ? new Set(filter.statuses) : null;
  const cols = new Map<ActiveStatus, Order[]>(ACTIVE_STATUSES.map((s) => [s, []]));
  for (const o of orders) {
    const col = cols.get(o.status as ActiveStatus);
    if (!col) continue; // completed / cancelled leave the board
    if (filter.cityId !== null && o.city_id !== filter.cityId) continue;
    if (!matchesQuery(o, filter.q)) continue;
    col.push(o);
  }
  return ACTIVE_STATUSES.filter((s) => !shown || shown.has(s)).map((status) => {
    const list = cols.get(status)!.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
    return { status, orders: list, count: list.length };
  });
}

/** Adds or replaces by id. Returns false (nothing changed) when the stored copy is newer. */
export function upsertOrder(map: OrderMap, order: Order): boolean {
  const prev = map.get(order.id);
  if (prev && prev.updated_at > order.updated_at) return false;
  map.set(order.id, prev && prev.updated_at === order.updated_at ? { ...prev, ...order } : order);
  return true;
}

/**
 * Applies an `order-status-updated`. Returns 'applied', 'stale' (already there or further on)
 * or 'unknown' (not on this board: the caller fetches it).
 */
export function applyStatusUpdate(map: OrderMap, ev: OrderStatusUpdated): 'applied' | 'stale' | 'unknown' {
  const o = map.get(ev.orderId);
  if (!o) return 'unknown';
  if (o.status === ev.newStatus || o.updated_at > ev.timestamp) return 'stale';
  map.set(o.id, { ...o, status: ev.newStatus, updated_at: ev.timestamp });
  return 'applied';
}

/** Sync events mark the card: an error → retrying (or failed when no retry is planned); success → synced. */
export function applySyncEvent(map: OrderMap, ev: SyncError | SyncSuccess, kind: 'error' | 'success'): boolean {
  // A cancel's outcome leaves the order's own sync state alone (the POS has the order either way).
  if (ev.entity !== 'order' || ev.action === 'cancel') return false;
  const o = map.get(ev.entityId);
  if (!o) return false;
  let sync: SyncStatus = 'synced';
  if (kind === 'error') sync = 'nextRetryAt' in ev && ev.nextRetryAt === null ? 'failed' : 'retrying';
  if (o.sync_status === sync) return false;
  map.set(o.id, { ...o, sync_status: sync });
  return true;
}

/**
 * `order-payment-updated`: the card's money follows at once (an online order turning paid is the
 * kitchen's go; a refund due is staff's to do). The charge ids come along for the panel.
 */
export function applyPaymentEvent(map: OrderMap, ev: OrderPaymentUpdated): boolean {
  const o = map.get(ev.orderId);
  if (!o || o.payment_status === ev.status) return false;
  map.set(o.id, {
    ...o,
    payment_status: ev.status,
    payment: {
      ...o.payment,
      status: ev.status,
      telegram_payment_charge_id: ev.telegramChargeId ?? o.payment.telegram_payment_charge_id,
      provider_payment_charge_id: ev.providerChargeId ?? o.payment.provider_payment_charge_id,
    },
  });
  return true;
}

/** Finished orders need no memory on the board once they are this old. */
export function pruneFinished(map: OrderMap, now: number, keepMs = 10 * 60_000): void {
  for (const [id, o] of map) if (isFinal(o.status) && now - Date.parse(o.updated_at) > keepMs) map.delete(id);
}

/* Actions */

export interface OrderAction {
  to: OrderStatus;
  label: string;
  /** Cancelling asks for a reason. */
  needsReason: boolean;
  tone: 'primary' | 'danger';
}

/**
 * Still waiting for a person: new, or only accepted by the POS (its automatic confirmation says
 * nothing about anyone having looked). Cooking or beyond means someone is on it.
 */
export const isWaiting = (s: OrderStatus | undefined): boolean => s === 'pending' || s === 'confirmed';

/**
 * Orders that reached the board after the page opened (an id above `openedAfterId`, the newest
 * order the user could see then), still wait for a person, and were not announced here yet: they
 * are new to whoever watches, whether a live `new-order` or a refetch (a city change, a resync,
 * an unknown order's status event) brought them. Unknown baseline (null): none.
 */
export function newArrivals(orders: Iterable<Order>, openedAfterId: number | null, announced: ReadonlySet<number>): Order[] {
  if (openedAfterId === null) return [];
  return [...orders].filter((o) => o.id > openedAfterId && isWaiting(o.status) && !announced.has(o.id));
}

/** The buttons for an order: exactly the shared transition table's moves, nothing more. */
export function allowedActions(order: Pick<Order, 'status' | 'delivery' | 'payment_method' | 'payment_status'>): OrderAction[] {
  return nextStatuses(order.status, order.delivery.type, awaitsPayment(order.payment_method, order.payment_status)).map((to) => ({
    to,
    label: to === 'completed' && order.delivery.type === 'pickup' ? t('action.handedOver') : t(`action.${to}`),
    needsReason: to === 'cancelled',
    tone: to === 'cancelled' ? 'danger' : 'primary',
  }));
}

/** A status in the interface language. */
export const statusLabel = (s: OrderStatus): string => t(`status.${s}`);

/** A POS sync state in words; states this build does not know yet (a newer server) show as they come. */
export function syncLabel(s: string, short = false): string {
  const key = `${short ? 'syncShort' : 'sync'}.${s}`;
  const text = t(key);
  return text === key ? s : text;
}

/** A dish in the interface language when the order item carries an English name too. */
export function itemName(i: Pick<Order['items'][number], 'name'> & { name_en?: string | null }): string {
  return lang.value === 'en' && i.name_en ? i.name_en : i.name;
}

type ItemOptions = { options?: readonly { name: string; name_en?: string | null }[] };

/** A line's chosen options in the interface language: "20 pieces, Sour cream, No onion" ('' for none). */
export function optionsText(i: ItemOptions): string {
  return (i.options ?? []).map((o) => itemName(o)).join(', ');
}

/** The first dishes of an order for a compact card: "2× Pelmeni (20 pieces, Sour cream), Paprikash" and how many lines are left out. */
export function cardDishes(items: readonly (Pick<Order['items'][number], 'name' | 'quantity'> & ItemOptions)[], shown = 2): { text: string; more: number } {
  const text = items
    .slice(0, shown)
    .map((i) => {
      const name = i.quantity > 1 ? `${i.quantity}× ${itemName(i)}` : itemName(i);
      const opts = optionsText(i);
      return opts ? `${name} (${opts})` : name;
    })
    .join(', ');
  return { text, more: Math.max(0, items.length - shown) };
}

/* Timers */

export interface Thresholds {
  warnMinutes: number;
  lateMinutes: number;
}
/** The server's ORDER_WARN_MINUTES / ORDER_LATE_MINUTES defaults. */
export const DEFAULT_THRESHOLDS: Thresholds = { warnMinutes: 15, lateMinutes: 30 };

export type Age = 'ok' | 'warn' | 'late';

export function ageOf(createdAt: string, now: number, t: Thresholds = DEFAULT_THRESHOLDS): Age {
  const minutes = (now - Date.parse(createdAt)) / 60_000;
  if (minutes >= t.lateMinutes) return 'late';
  if (minutes >= t.warnMinutes) return 'warn';
  return 'ok';
}

/** A cancel's reason code in the interface language (a code this build does not know shows as it comes). */
export function cancelReasonLabel(code: string): string {
  const key = `panel.reasons.${code}`;
  const text = t(key);
  return text === key ? code : text;
}

/** A history entry's reason: a cancel's is stored as `code` or `code: note`, shown in words. */
export function historyReason(h: { to: OrderStatus; reason: string | null }): string | null {
  if (!h.reason || h.to !== 'cancelled') return h.reason;
  const [code, ...note] = h.reason.split(': ');
  return [cancelReasonLabel(code!), ...note].join(': ');
}
