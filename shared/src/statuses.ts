/**
 * Order lifecycle. One table drives the server's checks, the webhook mapping and the
 * buttons both apps show, so a move that is allowed anywhere is allowed everywhere.
 */
export const ORDER_STATUSES = [
  'pending',
  'confirmed',
  'preparing',
  'ready',
  'delivering',
  'completed',
  'cancelled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const DELIVERY_TYPES = ['delivery', 'pickup'] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];

/** Statuses an order can still leave; the admin board shows a column for each. */
export const ACTIVE_STATUSES = ['pending', 'confirmed', 'preparing', 'ready', 'delivering'] as const satisfies readonly OrderStatus[];

/** Who moved an order (its status history). */
export const STATUS_SOURCES = ['customer', 'staff', 'pos', 'system'] as const;
export type StatusSource = (typeof STATUS_SOURCES)[number];

/** Where an order stands with the external POS ("Гуляш"); not_sent: cancelled before the POS ever had it, and never sent. */
export const SYNC_STATUSES = ['pending', 'retrying', 'synced', 'failed', 'not_sent'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** The POS outbox job's own state: waiting for its next attempt, being sent, done, given up, or cancelled with its order before it was sent. */
export const SYNC_JOB_STATUSES = ['pending', 'in_flight', 'done', 'failed', 'cancelled'] as const;
export type SyncJobStatus = (typeof SYNC_JOB_STATUSES)[number];

const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['preparing', 'cancelled'],
  preparing: ['ready'],
  ready: ['delivering', 'completed'],
  delivering: ['completed'],
  completed: [],
  cancelled: [],
};

/** Next statuses allowed from `from`; `ready → completed` only for pickup, `ready → delivering` only for delivery. */
export function nextStatuses(from: OrderStatus, delivery: DeliveryType): OrderStatus[] {
  return TRANSITIONS[from].filter((to) => {
    if (from === 'ready' && to === 'completed') return delivery === 'pickup';
    if (from === 'ready' && to === 'delivering') return delivery === 'delivery';
    return true;
  });
}

export function canTransition(from: OrderStatus, to: OrderStatus, delivery: DeliveryType): boolean {
  return nextStatuses(from, delivery).includes(to);
}

/** Customers may cancel only before the kitchen has confirmed. */
export function customerCanCancel(status: OrderStatus): boolean {
  return status === 'pending';
}

export function isFinal(status: OrderStatus): boolean {
  return status === 'completed' || status === 'cancelled';
}

/** The path an order of this delivery type walks when nothing goes wrong (the customer's timeline). */
export function happyPath(delivery: DeliveryType): OrderStatus[] {
  return delivery === 'delivery'
    ? ['pending', 'confirmed', 'preparing', 'ready', 'delivering', 'completed']
    : ['pending', 'confirmed', 'preparing', 'ready', 'completed'];
}
