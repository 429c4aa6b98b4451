import { describe, expect, it } from 'vitest';
import { ResumePoint } from '../../src/client/resume';

describe('resume point', () => {
  it('accepts increasing ids and drops repeats and older ones', async () => {
    const r = new ResumePoint();
    expect([5, 6, 6, 3, 9].map((id) => r.accept(id))).toEqual([true, true, false, false, true]);
    expect([r.lastEventId, r.resumeFrom]).toEqual([9, 9]);
  });

  it('starts from a given point', async () => {
    const r = new ResumePoint(100);
    expect([r.accept(100), r.accept(101)]).toEqual([false, true]);
  });

  it('a fresh client starts at the head the server tells; a client with a point keeps its own', async () => {
    const fresh = new ResumePoint();
    fresh.connectedAt(42);
    expect([fresh.lastEventId, fresh.resumeFrom, fresh.accept(42), fresh.accept(43)]).toEqual([42, 42, false, true]);
    const known = new ResumePoint(7);
    known.connectedAt(42);
    expect(known.resumeFrom).toBe(7);
    for (const head of [0, -1, undefined, '42', null]) {
      const r = new ResumePoint();
      r.connectedAt(head);
      expect(r.resumeFrom).toBe(0);
    }
  });

  it('after a resync accepts any next id, and still resumes from the old point until one comes', async () => {
    const r = new ResumePoint(1_000);
    r.resync();
    expect([r.lastEventId, r.resumeFrom]).toEqual([0, 1_000]);
    // A head from a reconnect's `connected` does not replace the old point meanwhile.
    r.connectedAt(5);
    expect(r.resumeFrom).toBe(1_000);
    expect(r.accept(3)).toBe(true);
    expect([r.lastEventId, r.resumeFrom]).toEqual([3, 3]);
  });
});
