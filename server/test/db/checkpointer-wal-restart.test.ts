import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../src/db/checkpointer';

const ROW = 'x'.repeat(8000);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openDb() {
  const dir = mkdtempSync(join(tmpdir(), 'ordercast-wal-'));
  dirs.push(dir);
  const path = join(dir, 'wal.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 100000');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO t (body) VALUES (?)');
  const tx = db.transaction(() => insert.run(ROW));
  return { db, path, tx };
}

/**
 * Bytes 12–15 of the WAL header: the checkpoint sequence number, which SQLite increments each time
 * a writer starts the WAL over from its beginning (and writes with the first frame after that).
 */
function walSequence(path: string): number {
  const fd = openSync(`${path}-wal`, 'r');
  try {
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, 12);
    return b.readUInt32BE(0);
  } finally {
    closeSync(fd);
  }
}

/** Frames now in the WAL (a PASSIVE pass reports them and changes nothing the writer sees). */
const walFrames = (db: Database.Database) => (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;

const tick = () => new Promise((r) => setImmediate(r));

describe('WAL restart under sustained writes', () => {
  it('the main-connection pass after a caught-up worker report lets the next commit start the WAL over', async () => {
    const { db, path, tx } = openDb();
    const ck = startCheckpointer(db, path, { everyMs: 20, restartPages: 200 });
    for (let i = 0; i < 400; i++) tx();
    // Idle: the worker catches up and reports it; the main connection then finishes the pass.
    const deadline = Date.now() + 5000;
    while (ck.restarts === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(ck.restarts).toBeGreaterThan(0);
    await ck.stop();
    const seq = walSequence(path);
    tx();
    // The WAL began again: it holds just the last commit's frames, not the 400 before it.
    expect(walSequence(path)).toBeGreaterThan(seq);
    expect(walFrames(db)).toBeLessThan(10);
    db.close();
  });

  it('under writes every event-loop turn the WAL restarts again and again', async () => {
    const { db, path, tx } = openDb();
    const ck = startCheckpointer(db, path, { everyMs: 20, restartPages: 200 });
    tx();
    const first = walSequence(path);
    let resets = 0;
    let last = first;
    const end = Date.now() + 1500;
    while (Date.now() < end) {
      tx();
      const seq = walSequence(path);
      if (seq !== last) resets++;
      last = seq;
      await tick();
    }
    const restarts = ck.restarts;
    await ck.stop();
    db.close();
    expect(restarts).toBeGreaterThan(0);
    expect(resets).toBeGreaterThan(0);
  });
});
