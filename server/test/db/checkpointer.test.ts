import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../helpers/app';

describe('WAL checkpoints off the event loop', () => {
  const t = useTestApp({ POS_SYNC_WORKER: 'false' });

  it('commits leave pages in the WAL; the checkpoint worker moves them into the database file', async () => {
    const file = t.config.DATABASE_PATH;
    expect(t.app.db.$client.pragma('wal_autocheckpoint', { simple: true })).toBe(20_000);
    // Let the worker settle what start-up wrote, then measure.
    await new Promise((r) => setTimeout(r, 1200));
    const before = statSync(file).size;
    const payload = JSON.stringify({ entity: 'order', entityId: 1, timestamp: 'x'.repeat(2000) });
    await t.app.tx(async () => {
      for (let i = 0; i < 2000; i++) t.app.db.$client.prepare('INSERT INTO events (type, rooms, payload) VALUES (?, ?, ?)').run('sync-success', '[]', payload);
    });
    // About 4 MB committed into the WAL. (Whether the database file has grown yet depends on when the
    // worker thread's next pass runs; the commit itself never checkpoints below the backstop above.)
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(3_000_000);
    // Until the pages have all moved (a pass may move them in more than one step, and a loaded
    // machine delays the worker): generous, since a pass that never comes fails all the same.
    const deadline = Date.now() + 20_000;
    while (statSync(file).size <= before + 3_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(statSync(file).size).toBeGreaterThan(before + 3_000_000);
  });
});
