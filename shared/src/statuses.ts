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

/** How an option group is shown: one of (size), several of (extras), things left out (removals, price 0). The rule itself is min/max choices. */
export const OPTION_GROUP_KINDS = ['single', 'multiple', 'removal'] as const;
export type OptionGroupKind = (typeof OPTION_GROUP_KINDS)[number];

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

/** What an outbox job tells the POS: the order itself, or that an order it has was cancelled. */
export const SYNC_JOB_KINDS = ['send', 'cancel'] as const;
export type SyncJobKind = (typeof SYNC_JOB_KINDS)[number];

const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['confirmed', 'cancelled'],
  confirmed: ['preparing', 'cancelled'],
  // Staff may cancel from every active status (the POS is told through the outbox); customers
  // only before the kitchen starts (customerCanCancel).
  preparing: ['ready', 'cancelled'],
  ready: ['delivering', 'completed', 'cancelled'],
  delivering: ['completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

/**
 * Next statuses allowed from `from`; `ready → completed` only for pickup, `ready → delivering` only
 * for delivery; an order still `awaitingPayment` (see awaitsPayment) may only be cancelled.
 */
export function nextStatuses(from: OrderStatus, delivery: DeliveryType, awaitingPayment = false): OrderStatus[] {
  return TRANSITIONS[from].filter((to) => {
    if (awaitingPayment && to !== 'cancelled') return false;
    if (from === 'ready' && to === 'completed') return delivery === 'pickup';
    if (from === 'ready' && to === 'delivering') return delivery === 'delivery';
    return true;
  });
}

export function canTransition(from: OrderStatus, to: OrderStatus, delivery: DeliveryType, awaitingPayment = false): boolean {
  return nextStatuses(from, delivery, awaitingPayment).includes(to);
}

/** Customers may cancel while the kitchen has not started: `pending` or `confirmed`. */
export function customerCanCancel(status: OrderStatus): boolean {
  return status === 'pending' || status === 'confirmed';
}

/**
 * Why an order was cancelled: a fixed list (iiko / r_keeper style), plus optional free text
 * (`cancel_note`). A customer's own cancel is always `customer_asked`; staff pick one.
 */
export const CANCEL_REASONS = ['customer_asked', 'out_of_stock', 'courier_unreachable', 'duplicate', 'other', 'not_paid'] as const;
/** Reasons only the system gives (`not_paid`: an online order left unpaid past its time); staff never pick these. */
export const SYSTEM_CANCEL_REASONS = ['not_paid'] as const satisfies readonly CancelReason[];
export type CancelReason = (typeof CANCEL_REASONS)[number];

export function isFinal(status: OrderStatus): boolean {
  return status === 'completed' || status === 'cancelled';
}

/** The path an order of this delivery type walks when nothing goes wrong (the customer's timeline). */
export function happyPath(delivery: DeliveryType): OrderStatus[] {
  return delivery === 'delivery'
    ? ['pending', 'confirmed', 'preparing', 'ready', 'delivering', 'completed']
    : ['pending', 'confirmed', 'preparing', 'ready', 'completed'];
}

/**
 * How the customer pays: `online` in Telegram before the kitchen starts (the order reaches the POS
 * only once paid), or on receipt: `card` to the courier (or at the pickup counter), `cash` (with an
 * optional "change from" note for the courier).
 */
export const PAYMENT_METHODS = ['online', 'card', 'cash'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/**
 * Where an order's money stands. `unpaid` until paid online (or, on receipt, until completed);
 * `refund_due`: it was paid online and then cancelled, so staff owe a refund at the provider;
 * `refunded`: staff marked that refund done.
 */
export const PAYMENT_STATUSES = ['unpaid', 'paid', 'refund_due', 'refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * An online order not paid yet: the kitchen does not have it (its POS job is queued once paid), so
 * nobody may start it; it can only be paid or cancelled (staff, the customer, or the payment's expiry).
 */
export function awaitsPayment(method: PaymentMethod, status: PaymentStatus): boolean {
  return method === 'online' && status === 'unpaid';
}
