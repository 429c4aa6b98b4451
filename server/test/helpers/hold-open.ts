/** What runs a transaction: an `Sql`, or an app (`app.tx`). */
export interface Transacting {
  tx<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Runs `work` in a transaction on `db` and keeps that transaction open behind a gate (its writes
 * uncommitted, its locks held) until the returned `release` is called: for racing other work against
 * a transaction that has written but not committed. Resolves once `work` is done (rejects with its
 * error); `release` opens the gate and resolves with `work`'s value once the transaction has
 * committed. Calling `release` again returns the same outcome (from a `finally`, say).
 */
export async function holdOpen<T>(db: Transacting, work: () => Promise<T>): Promise<() => Promise<T>> {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  let done!: () => void;
  const workDone = new Promise<void>((r) => (done = r));
  const holding = db.tx(async () => {
    const value = await work();
    done();
    await gate;
    return value;
  });
  // A failing `work` ends the transaction without reaching the gate: its error, not a wait forever.
  await Promise.race([workDone, holding]);
  return () => {
    open();
    return holding;
  };
}
