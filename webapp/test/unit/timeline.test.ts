import { describe, expect, it } from 'vitest';
import type { StatusHistoryEntry } from '@ordercast/shared';
import { applyStatusEvent, buildTimeline } from '../../src/logic/timeline';

const h = (from: StatusHistoryEntry['from'], to: StatusHistoryEntry['to'], at: string): StatusHistoryEntry => ({
  from,
  to,
  at,
  source: 'staff',
  by_user_id: null,
  reason: null,
});

describe('status timeline', () => {
  it('walks the delivery path: done, current, upcoming', () => {
    const steps = buildTimeline('preparing', 'delivery', [h(null, 'pending', 't1'), h('pending', 'confirmed', 't2'), h('confirmed', 'preparing', 't3')]);
    expect(steps.map((s) => [s.status, s.state, s.at])).toEqual([
      ['pending', 'done', 't1'],
      ['confirmed', 'done', 't2'],
      ['preparing', 'current', 't3'],
      ['ready', 'upcoming', null],
      ['delivering', 'upcoming', null],
      ['completed', 'upcoming', null],
    ]);
  });

  it('a pickup order has no "on the way" step, and completed is all done', () => {
    const steps = buildTimeline('completed', 'pickup', []);
    expect(steps.map((s) => s.status)).toEqual(['pending', 'confirmed', 'preparing', 'ready', 'completed']);
    expect(steps.every((s) => s.state === 'done')).toBe(true);
  });

  it('a cancelled order keeps the steps it passed and ends with cancelled', () => {
    const steps = buildTimeline('cancelled', 'delivery', [h(null, 'pending', 't1'), h('pending', 'confirmed', 't2'), h('confirmed', 'cancelled', 't3')]);
    expect(steps.map((s) => [s.status, s.state])).toEqual([
      ['pending', 'done'],
      ['confirmed', 'done'],
      ['cancelled', 'cancelled'],
    ]);
  });

  it('applies a live status event once (a replay changes nothing) and ignores other orders', () => {
    const order = { id: 7, status: 'pending' as const, history: [h(null, 'pending', 't1')] };
    const ev = { orderId: 7, oldStatus: 'pending' as const, newStatus: 'confirmed' as const, timestamp: 't2' };
    const once = applyStatusEvent(order, ev);
    expect(once.status).toBe('confirmed');
    expect(once.history.map((x) => x.to)).toEqual(['pending', 'confirmed']);
    expect(applyStatusEvent(once, ev)).toBe(once);
    expect(applyStatusEvent(order, { ...ev, orderId: 8 })).toBe(order);
    expect(buildTimeline(once.status, 'pickup', once.history)[1]).toMatchObject({ status: 'confirmed', state: 'current', at: 't2' });
  });

  it('updates list rows (no history) by status alone', () => {
    const row = { id: 7, status: 'confirmed' as const };
    expect(applyStatusEvent(row, { orderId: 7, oldStatus: 'confirmed', newStatus: 'preparing', timestamp: 't' }).status).toBe('preparing');
  });
});
