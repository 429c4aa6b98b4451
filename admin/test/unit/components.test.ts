import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import type { OrderDetail } from '@ordercast/shared';
import OrderCard from '../../src/components/OrderCard.vue';
import OrderPanel from '../../src/components/OrderPanel.vue';
import { DEFAULT_THRESHOLDS } from '../../src/lib/board';
import { useAlerts } from '../../src/stores/alerts';
import { useBoard } from '../../src/stores/board';
import { order } from './fixtures';

function detail(over: Partial<OrderDetail> = {}): OrderDetail {
  return {
    ...order({ id: 77, status: 'pending', delivery: { type: 'delivery', address: 'Nevsky 1' }, comment: 'Ring twice' }),
    history: [{ from: null, to: 'pending', at: '2026-01-01T12:00:00.000Z', source: 'customer', by_user_id: 10, reason: null }],
    customer: { id: 10, name: 'Anna', phone: '+7 900 000-00-00', username: 'anna' },
    sync: { status: 'retrying', attempts: 2, last_error: 'POS timeout', next_retry_at: null, last_attempt_at: '2026-01-01T12:00:05.000Z' },
    ...over,
  };
}

describe('OrderPanel', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('shows the details and only the allowed moves; cancel asks for a reason first', async () => {
    const board = useBoard();
    board.selectedId = 77;
    board.detail = detail();
    const w = mount(OrderPanel);
    const text = w.text();
    for (const s of ['Anna', 'Nevsky 1', 'Ring twice', 'POS timeout', 'Goulash soup']) expect(text).toContain(s);
    const buttons = w.findAll('[data-testid^="action-"]').map((b) => b.attributes('data-testid'));
    expect(buttons).toEqual(['action-confirmed', 'action-cancelled']);

    await w.get('[data-testid="action-cancelled"]').trigger('click');
    expect(w.find('[data-testid="cancel-dialog"]').exists()).toBe(true);
    expect(w.findAll('[data-testid^="cancel-reason-"]').map((r) => r.attributes('value'))).toEqual(['customer_asked', 'out_of_stock', 'courier_unreachable', 'duplicate', 'other']);
    expect(w.get('[data-testid="cancel-confirm"]').attributes('disabled')).toBeDefined();
    // The note alone is not enough: a reason from the list is.
    await w.get('[data-testid="cancel-note"]').setValue('Out of paprika');
    expect(w.get('[data-testid="cancel-confirm"]').attributes('disabled')).toBeDefined();
    await w.get('[data-testid="cancel-reason-out_of_stock"]').setValue(true);
    expect(w.get('[data-testid="cancel-confirm"]').attributes('disabled')).toBeUndefined();
    w.unmount();
  });

  it('offers nothing for a finished order', () => {
    const board = useBoard();
    board.selectedId = 77;
    board.detail = detail({ status: 'completed' });
    const w = mount(OrderPanel);
    expect(w.findAll('[data-testid^="action-"]')).toHaveLength(0);
    w.unmount();
  });
});

describe('OrderCard', () => {
  it('shows number, timer, total, type and sync state; late orders are marked', () => {
    const o = order({ id: 5, order_number: '0005', created_at: '2026-01-01T12:00:00.000Z', sync_status: 'retrying', total: 1234.5 });
    const w = mount(OrderCard, {
      props: { order: o, now: Date.parse('2026-01-01T12:31:00.000Z'), thresholds: DEFAULT_THRESHOLDS, fresh: false, selected: false },
    });
    expect(w.text()).toContain('#0005');
    expect(w.text()).toContain('31 min');
    expect(w.text()).toContain('Pickup');
    expect(w.get('[data-testid="card-sync"]').text()).toBe('POS: retrying');
    expect(w.classes()).toContain('age-late');
    expect(w.find('[data-testid="card-payment"]').exists()).toBe(false);
  });

  it('an online order says whether it is paid, and follows the payment event live', async () => {
    const o = order({ id: 6, payment_method: 'online', payment_status: 'unpaid' });
    const w = mount(OrderCard, { props: { order: o, now: Date.now(), thresholds: DEFAULT_THRESHOLDS, fresh: false, selected: false } });
    const mark = () => w.get('[data-testid="card-payment"]');
    expect(mark().text()).toContain('online · not paid');
    expect(mark().classes()).toContain('tone-warn');
    await w.setProps({ order: { ...o, payment_status: 'paid' } });
    expect(mark().text()).toContain('online · paid');
    expect(mark().classes()).toContain('tone-ok');
  });
});

describe('stores', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('board: a replayed new-order is not new and makes no second card', () => {
    const board = useBoard();
    const o = order({ id: 900 });
    expect(board.onNewOrder(o)).toBe(true);
    expect(board.onNewOrder({ ...o })).toBe(false);
    expect(board.columns(null)[0]!.count).toBe(1);
    expect(board.activeCount).toBe(1);
    board.onStatusUpdated({ orderId: 900, oldStatus: 'pending', newStatus: 'confirmed', timestamp: '2030-01-01T00:00:00.000Z' });
    expect(board.columns(null).map((c) => c.count)).toEqual([0, 1, 0, 0, 0]);
  });

  it('alerts: an error raises, the success for that entity clears', () => {
    const alerts = useAlerts();
    alerts.onError({ entity: 'order', entityId: 3, error: 'down', timestamp: '2026-01-01T12:00:00.000Z' }, '#0003');
    expect(alerts.count).toBe(1);
    expect(alerts.list[0]!.label).toBe('#0003');
    expect(alerts.onSuccess({ entity: 'order', entityId: 4, timestamp: '2026-01-01T12:01:00.000Z' })).toBe(false);
    expect(alerts.onSuccess({ entity: 'order', entityId: 3, timestamp: '2026-01-01T12:01:00.000Z' })).toBe(true);
    expect(alerts.count).toBe(0);
  });
});
