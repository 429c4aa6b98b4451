import { describe, expect, it } from 'vitest';
import { localDay } from '../../src/lib/time';

describe('localDay', () => {
  it('turns at local midnight, also when asked again within the same minute', async () => {
    const at = (iso: string) => localDay(new Date(iso), 'Europe/Moscow'); // UTC+3
    expect(at('2026-11-21T20:59:00.000Z')).toBe('2026-11-21');
    expect(at('2026-11-21T20:59:59.999Z')).toBe('2026-11-21');
    expect(at('2026-11-21T21:00:00.000Z')).toBe('2026-11-22');
    expect(at('2026-11-21T20:59:30.000Z')).toBe('2026-11-21'); // going back in time is answered too
  });

  it('handles zones with offsets that are not whole hours, and keeps zones apart', async () => {
    // Asia/Kathmandu is UTC+5:45: local midnight is 18:15 UTC.
    expect(localDay(new Date('2026-11-21T18:14:59.999Z'), 'Asia/Kathmandu')).toBe('2026-11-21');
    expect(localDay(new Date('2026-11-21T18:15:00.000Z'), 'Asia/Kathmandu')).toBe('2026-11-22');
    expect(localDay(new Date('2026-11-21T18:15:00.000Z'), 'America/New_York')).toBe('2026-11-21');
    expect(localDay(new Date('2026-11-21T18:15:00.000Z'), 'Asia/Kathmandu')).toBe('2026-11-22');
  });
});
