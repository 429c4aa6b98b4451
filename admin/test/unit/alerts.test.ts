import { describe, expect, it } from 'vitest';
import { alertKey, clear, fromSnapshot, raise, sorted, visible, type SyncAlert } from '../../src/lib/alerts';

const err = (entityId: number, timestamp: string, extra: Record<string, unknown> = {}) => ({
  entity: 'order' as const,
  entityId,
  error: 'POS unreachable: connect ECONNREFUSED',
  timestamp,
  ...extra,
});

describe('sync alert lifecycle', () => {
  it('raises one alert per entity, updated by each further error', () => {
    let a: Map<string, SyncAlert> = new Map();
    a = raise(a, err(5, '2026-01-01T12:00:00.000Z', { attempt: 1, nextRetryAt: '2026-01-01T12:00:02.000Z', cityId: 1 }));
    a = raise(a, err(5, '2026-01-01T12:00:02.000Z', { attempt: 2, nextRetryAt: '2026-01-01T12:00:06.000Z', error: 'timeout' }));
    expect(a.size).toBe(1);
    expect(a.get(alertKey('order', 5))).toMatchObject({
      attempts: 2,
      error: 'timeout',
      nextRetryAt: '2026-01-01T12:00:06.000Z',
      firstSeenAt: '2026-01-01T12:00:00.000Z',
      lastSeenAt: '2026-01-01T12:00:02.000Z',
      cityId: 1,
    });
  });

  it('counts attempts itself when the event does not say', () => {
    let a: Map<string, SyncAlert> = new Map();
    a = raise(a, err(6, '2026-01-01T12:00:00.000Z'));
    a = raise(a, err(6, '2026-01-01T12:00:01.000Z'));
    expect(a.get('order:6')!.attempts).toBe(2);
  });

  it('clears on sync-success for that entity only', () => {
    let a: Map<string, SyncAlert> = new Map();
    a = raise(a, err(1, '2026-01-01T12:00:00.000Z'));
    a = raise(a, err(2, '2026-01-01T12:00:00.000Z'));
    a = raise(a, { entity: 'menu', entityId: 1, error: 'menu fetch failed', timestamp: '2026-01-01T12:00:00.000Z' });
    a = clear(a, { entity: 'order', entityId: 1, timestamp: '2026-01-01T12:00:05.000Z' });
    expect([...a.keys()].sort()).toEqual(['menu:1', 'order:2']);
    // A success for the menu of city 1 is not the success of order 1, nor the other way round.
    a = clear(a, { entity: 'order', entityId: 99, timestamp: '2026-01-01T12:00:05.000Z' });
    expect(a.size).toBe(2);
    a = clear(a, { entity: 'menu', entityId: 1, timestamp: '2026-01-01T12:00:05.000Z' });
    expect([...a.keys()]).toEqual(['order:2']);
  });

  it('ignores a success older than the latest error (events replayed out of order)', () => {
    let a: Map<string, SyncAlert> = new Map();
    a = raise(a, err(3, '2026-01-01T12:00:10.000Z'));
    a = clear(a, { entity: 'order', entityId: 3, timestamp: '2026-01-01T12:00:05.000Z' });
    expect(a.has('order:3')).toBe(true);
  });

  it('does not mutate the map it is given', () => {
    const a: Map<string, SyncAlert> = new Map();
    const b = raise(a, err(4, '2026-01-01T12:00:00.000Z'));
    expect(a.size).toBe(0);
    clear(b, { entity: 'order', entityId: 4, timestamp: '2026-01-01T12:01:00.000Z' });
    expect(b.size).toBe(1);
  });

  it('lists newest first, filtered by city (city-less problems always shown)', () => {
    let a: Map<string, SyncAlert> = new Map();
    a = raise(a, err(1, '2026-01-01T12:00:00.000Z', { cityId: 1 }));
    a = raise(a, err(2, '2026-01-01T12:00:09.000Z', { cityId: 2 }));
    a = raise(a, { entity: 'menu', entityId: 0, error: 'x', timestamp: '2026-01-01T12:00:05.000Z' });
    expect(sorted(a).map((x) => x.key)).toEqual(['order:2', 'menu:0', 'order:1']);
    expect(visible(a, 1).map((x) => x.key)).toEqual(['menu:0', 'order:1']);
  });

  it('reads the GET /api/admin/sync snapshot in either case style', () => {
    const snap = fromSnapshot({
      problems: [
        { entity: 'order', entity_id: 9, attempts: 3, last_error: 'timeout', next_retry_at: '2026-01-01T12:01:00.000Z', city_id: 2, order_number: '0007' },
        { entity: 'menu', entityId: 0, attempts: 1, error: 'down', nextRetryAt: null },
      ],
      recent: [{ entity: 'order', entity_id: 1 }],
    });
    expect(snap.get('order:9')).toMatchObject({ attempts: 3, error: 'timeout', cityId: 2, label: '#0007', nextRetryAt: '2026-01-01T12:01:00.000Z' });
    expect(snap.get('menu:0')).toMatchObject({ attempts: 1, error: 'down', nextRetryAt: null });
    expect(snap.size).toBe(2);
    expect(fromSnapshot([{ entity: 'order', entityId: 2, error: 'e' }]).size).toBe(1);
    expect(fromSnapshot(null).size).toBe(0);
  });
});

describe('a cancel the kitchen system refused', () => {
  it('is its own alert beside the order send, worded in plain words, cleared by the cancel success only', async () => {
    const { plainText, describe: describeAlert, isAlreadyDelivered } = await import('../../src/lib/alerts');
    const { setLang } = await import('../../src/i18n');
    setLang('en');
    let a: Map<string, SyncAlert> = new Map();
    a = raise(a, err(13, '2026-01-01T12:00:00.000Z', { nextRetryAt: '2026-01-01T12:00:02.000Z' }));
    a = raise(a, err(13, '2026-01-01T12:05:00.000Z', { action: 'cancel', code: 'ALREADY_COMPLETED', nextRetryAt: null, error: 'POS rejected the request' }));
    expect(a.size).toBe(2);
    const cancel = a.get(alertKey('order', 13, 'cancel'))!;
    cancel.label = '#M-0013';
    expect(isAlreadyDelivered(cancel)).toBe(true);
    expect(describeAlert(cancel)).toBe('Cancel of order #M-0013');
    expect(plainText(cancel, Date.parse('2026-01-01T12:05:00.000Z'))).toBe('The kitchen had already delivered order #M-0013; the cancel did not reach it');
    setLang('ru');
    expect(plainText(cancel, 0)).toBe('Кухня уже доставила заказ #M-0013; отмена до неё не дошла');
    setLang('en');
    // The order's own success does not clear the cancel's alert; the cancel's does.
    a = clear(a, { entity: 'order', entityId: 13, timestamp: '2026-01-01T12:06:00.000Z' });
    expect([...a.keys()]).toEqual([alertKey('order', 13, 'cancel')]);
    a = clear(a, { entity: 'order', entityId: 13, action: 'cancel', timestamp: '2026-01-01T12:07:00.000Z' });
    expect(a.size).toBe(0);
    // From the sync overview: a failed cancel job.
    const snap = fromSnapshot({ problems: [{ kind: 'cancel', order_id: 13, order_number: 'M-0013', last_error: 'x', last_error_code: 'ALREADY_COMPLETED', next_retry_at: null, attempts: 1 }] });
    expect(snap.get(alertKey('order', 13, 'cancel'))).toMatchObject({ action: 'cancel', code: 'ALREADY_COMPLETED', label: '#M-0013' });
  });
});
