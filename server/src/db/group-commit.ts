import type Database from 'better-sqlite3';

interface Pending {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: work submitted in the same event-loop turn shares one write transaction.
 * Each piece runs in its own savepoint (better-sqlite3 nests transactions that way), so one
 * that throws rolls back alone; every promise settles only after the shared COMMIT, so no
 * caller ever answers before its write is durable. Under light load a batch is one piece,
 * exactly like a plain transaction; under heavy load a commit's index pages are written once
 * for many orders instead of once per order.
 */
export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly outer: Database.Transaction<(batch: Pending[]) => { ok: boolean; value: unknown }[]>;
  /** A batch of one needs no savepoint: its failure rolls back a transaction that holds nothing else. */
  private readonly single: Database.Transaction<(fn: () => unknown) => unknown>;

  constructor(
    sqlite: Database.Database,
    private readonly afterCommit: () => void,
    private readonly maxBatch = 256,
  ) {
    const piece = sqlite.transaction((fn: () => unknown) => fn());
    this.single = piece;
    this.outer = sqlite.transaction((batch: Pending[]) =>
      batch.map((p) => {
        try {
          return { ok: true, value: piece(p.fn) };
        } catch (err) {
          return { ok: false, value: err };
        }
      }),
    );
  }

  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch);
      if (batch.length === 1) {
        this.flushOne(batch[0]!);
        continue;
      }
      let results: { ok: boolean; value: unknown }[];
      try {
        results = this.outer.immediate(batch);
      } catch (err) {
        // The commit itself failed (disk full, lock timeout): nothing of the batch was written.
        for (const p of batch) p.reject(err);
        continue;
      }
      this.afterCommit();
      batch.forEach((p, i) => (results[i]!.ok ? p.resolve(results[i]!.value) : p.reject(results[i]!.value)));
    }
  }

  private flushOne(p: Pending): void {
    let value: unknown;
    try {
      value = this.single.immediate(p.fn);
    } catch (err) {
      p.reject(err);
      return;
    }
    this.afterCommit();
    p.resolve(value);
  }
}
