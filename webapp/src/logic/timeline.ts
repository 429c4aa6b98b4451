import { happyPath, type DeliveryType, type OrderStatus, type OrderStatusUpdated, type StatusHistoryEntry } from '@ordercast/shared';

export type StepState = 'done' | 'current' | 'upcoming' | 'cancelled';

export interface TimelineStep {
  status: OrderStatus;
  state: StepState;
  /** When the order reached this status, if known. */
  at: string | null;
}

/**
 * The customer's timeline: the happy path for the delivery type, each step done, current or
 * still to come. A cancelled order keeps the steps it really passed and ends with "cancelled".
 */
export function buildTimeline(status: OrderStatus, delivery: DeliveryType, history: readonly StatusHistoryEntry[]): TimelineStep[] {
  const path = happyPath(delivery);
  const reachedAt = new Map<OrderStatus, string>();
  for (const h of history) reachedAt.set(h.to, h.at);
  if (status === 'cancelled') {
    const passed = path.filter((s) => s === 'pending' || (reachedAt.has(s) && s !== 'completed'));
    return [
      ...passed.map((s) => ({ status: s, state: 'done' as const, at: reachedAt.get(s) ?? null })),
      { status: 'cancelled', state: 'cancelled', at: reachedAt.get('cancelled') ?? null },
    ];
  }
  const idx = path.indexOf(status);
  return path.map((s, i) => ({
    status: s,
    state: i < idx || (i === idx && status === 'completed') ? 'done' : i === idx ? 'current' : 'upcoming',
    at: i <= idx ? (reachedAt.get(s) ?? null) : null,
  }));
}

/**
 * Applies a live `order-status-updated` to an order with its history. Idempotent (a replayed
 * event changes nothing) and ignores an event for another order.
 */
export function applyStatusEvent<T extends { id: number; status: OrderStatus; history?: StatusHistoryEntry[]; updated_at?: string }>(
  order: T,
  ev: OrderStatusUpdated,
): T {
  if (ev.orderId !== order.id) return order;
  if (order.history) {
    // Each status is reached once: an entry for it already means this event was seen (replay or refetch).
    if (order.history.some((h) => h.to === ev.newStatus)) return order;
    const entry: StatusHistoryEntry = { from: ev.oldStatus, to: ev.newStatus, at: ev.timestamp, source: 'staff', by_user_id: null, reason: null };
    return { ...order, status: ev.newStatus, updated_at: ev.timestamp, history: [...order.history, entry] };
  }
  if (order.status === ev.newStatus) return order;
  return { ...order, status: ev.newStatus, updated_at: ev.timestamp };
}
