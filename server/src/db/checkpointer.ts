import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/*
 * SQLite's automatic WAL checkpoint runs inside whichever commit crosses the threshold, on the
 * event loop, fsync included: under a steady stream of orders every request queued behind that
 * commit waits for it (it set `bench:api`'s p99; server/bench/README.md). Instead, a worker thread with its own
 * connection runs PASSIVE checkpoints (they never block the writer) every `everyMs`.
 *
 * That alone never lets the WAL restart under sustained writes: SQLite rewinds the WAL only when
 * a write transaction begins while every frame is already backfilled, and the worker always
 * finishes a moment after the next commit appended more. So when the worker reports that it
 * caught up with a WAL of `restartPages` or more, the main connection runs one PASSIVE checkpoint
 * itself between transactions: it copies only the frames of the last few
 * milliseconds, and the next commit starts the WAL from the beginning again. The main connection's
 * autocheckpoint stays as a distant backstop should the worker ever stop.
 * The worker is plain JavaScript so it runs the same under tsx, vitest and node.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const pass = () => {
  try { parentPort.postMessage(db.pragma('wal_checkpoint(PASSIVE)')[0]); } catch (err) { /* busy: next time */ }
};
const timer = setInterval(pass, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) {}
  db.close();
  parentPort.postMessage('stopped');
});
`;

export const BACKSTOP_AUTOCHECKPOINT_PAGES = 20_000;

export interface CheckpointerOptions {
  everyMs?: number;
  /** WAL size (pages) from which the main connection finishes a caught-up checkpoint so the WAL restarts. */
  restartPages?: number;
}

export interface Checkpointer {
  /** Main-connection checkpoints run so far (each lets the WAL restart). */
  readonly restarts: number;
  stop(): Promise<void>;
}

interface PassResult {
  busy: number;
  log: number;
  checkpointed: number;
}

export function startCheckpointer(main: Database.Database, path: string, opts: CheckpointerOptions = {}): Checkpointer {
  const { everyMs = 500, restartPages = 4000 } = opts;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, everyMs, driver } });
  worker.unref();
  let stopped = false;
  const state = { restarts: 0 };
  const finish = () => {
    if (stopped || !main.open) return;
    try {
      const r = main.pragma('wal_checkpoint(PASSIVE)') as PassResult[];
      if (r[0]?.busy === 0) state.restarts++;
    } catch {
      // The worker holds the checkpoint lock right now: its next report brings another chance.
    }
  };
  worker.on('message', (m: PassResult | 'stopped') => {
    if (m === 'stopped' || stopped) return;
    if (m.busy === 0 && m.log >= restartPages && m.checkpointed === m.log) setImmediate(finish);
  });
  return {
    get restarts() {
      return state.restarts;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        stopped = true;
        const done = () => resolve();
        const onStopped = (m: unknown) => {
          if (m !== 'stopped') return;
          worker.off('message', onStopped);
          void worker.terminate().then(done, done);
        };
        worker.on('message', onStopped);
        worker.once('error', done);
        worker.once('exit', done);
        worker.postMessage('stop');
      }),
  };
}
