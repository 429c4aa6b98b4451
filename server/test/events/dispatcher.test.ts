import { beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../../src/events/types';
import { useTestApp } from '../helpers/app';

/**
 * The in-process dispatcher publishes what this process appended from memory, not by reading the
 * rows back. Rolled-back appends must never be published, and the id SQLite hands out again must
 * carry the event that committed under it.
 */
describe('dispatch from memory after commit', () => {
  const t = useTestApp({ POS_SYNC_WORKER: 'false' });
  let seen: BusEvent[];
  beforeAll(() => {
    t.app.events.bus.subscribe((ev) => seen.push(ev));
  });

  const append = (tag: string) => t.app.events.append('sync-success', ['test-room'], { tag } as never);
  // Dispatch follows the commit asynchronously (its reads are statements too): a turn of the event loop covers it.
  const tags = async () => {
    await new Promise((r) => setImmediate(r));
    return seen.map((e) => (JSON.parse(e.json) as { data: { tag: string } }).data.tag);
  };

  it('publishes the committed pieces of a batch, never the rolled-back one, with their own ids', async () => {
    seen = [];
    const results = await Promise.allSettled([
      t.app.txGrouped(() => append('a')),
      t.app.txGrouped(async () => {
        await append('rolled back');
        throw new Error('piece fails');
      }),
      t.app.txGrouped(() => append('b')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await tags()).toEqual(['a', 'b']);
    // What was published is exactly what the log holds.
    const stored = (await t.app.events.log.after(seen[0]!.id - 1)).filter((e) => e.rooms.includes('test-room'));
    expect(stored.map((e) => [e.id, e.json])).toEqual(seen.map((e) => [e.id, e.json]));
    expect(seen[1]!.id).toBe(seen[0]!.id + 1);
  });

  it('drops appends of a failed transaction; the next commit reuses the id with its own event', async () => {
    seen = [];
    await expect(
      t.app.tx(async () => {
        await append('gone 1');
        await append('gone 2');
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(seen).toEqual([]);
    await t.app.tx(() => append('kept'));
    expect(await tags()).toEqual(['kept']);
    expect((await t.app.events.log.after(seen[0]!.id - 1))[0]!.json).toBe(seen[0]!.json);
  });

  it('still publishes events it did not append itself, read from the log', async () => {
    seen = [];
    await t.app.tx(async () => {
      t.app.db.$client.prepare('INSERT INTO events (type, rooms, payload) VALUES (?, ?, ?)').run('sync-success', '["test-room"]', '{"tag":"raw"}');
    });
    await t.app.tx(() => append('after raw'));
    expect(await tags()).toEqual(['raw', 'after raw']);
  });
});
