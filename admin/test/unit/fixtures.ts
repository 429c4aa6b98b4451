import type { Order, OrderStatus } from '@ordercast/shared';

let next = 1;
export function order(over: Partial<Order> & { status?: OrderStatus } = {}): Order {
  const id = over.id ?? next++;
  const at = over.created_at ?? new Date(Date.UTC(2026, 0, 1, 12, 0, id % 60)).toISOString();
  return {
    id,
    order_number: String(id).padStart(4, '0'),
    user_id: 10,
    city_id: 1,
    status: 'pending',
    subtotal: 780,
    bonuses_used: 0,
    total: 780,
    bonuses_earned: 39,
    items: [{ product_id: 1, name: 'Гуляш-суп', name_en: 'Goulash soup', price: 390, quantity: 2, line_total: 780, options: [] }],
    delivery: { type: 'pickup', address: null },
    phone: '+7 999 123-45-67',
    comment: null,
    cancel_reason: null,
    cancel_note: null,
    sync_status: 'pending',
    pos_order_id: null,
    promised_at: null,
    restaurant_id: null,
    requested_time: null,
    delivery_fee: 0,
    delivery_zone_id: null,
    payment_method: 'cash',
    payment_status: 'unpaid',
    payment: {
      method: 'cash',
      status: 'unpaid',
      change_from: null,
      pay_until: null,
      paid_at: null,
      telegram_payment_charge_id: null,
      provider_payment_charge_id: null,
      refunded_at: null,
    },
    created_at: at,
    updated_at: at,
    ...over,
  };
}
