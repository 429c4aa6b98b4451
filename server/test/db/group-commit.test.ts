import { describe, expect, it } from 'vitest';
import { userRoom } from '@ordercast/shared';
import { signInCustomer, useTestApp } from '../helpers/app';

describe('group commit', () => {
  const t = useTestApp();

  it('shares one commit but keeps each piece atomic: a failing piece rolls back alone', async () => {
    const { user } = await signInCustomer(t.app);
    const before = await t.app.events.log.highestId();
    const seenInTx: boolean[] = [];
    const credit = (n: number) => () => t.app.ledger.apply(user.id, 'adjusted', n, null, `piece ${n}`);
    const results = await Promise.allSettled([
      t.app.txGrouped(credit(100)),
      t.app.txGrouped(async () => {
        await credit(5000)();
        throw new Error('this piece fails after writing');
      }),
      t.app.txGrouped(credit(200)).then((v) => {
        seenInTx.push(t.app.db.$client.inTransaction);
        return v;
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // Promises settle after COMMIT, never inside the transaction.
    expect(seenInTx).toEqual([false]);
    expect(await t.app.ledger.balance(user.id)).toBe(300);
    expect((await t.app.ledger.history(user.id)).map((e) => e.comment)).toEqual(['piece 200', 'piece 100']);
    const events = (await t.app.events.log.after(before)).filter((e) => e.rooms.includes(userRoom(user.id)));
    expect(events.map((e) => JSON.parse(e.json).data.balance)).toEqual([1, 3]);
  });

  it('a piece sees the pieces committed before it in the same batch (no double spend)', async () => {
    const { user } = await signInCustomer(t.app);
    await t.app.tx(() => t.app.ledger.apply(user.id, 'adjusted', 100, null));
    const spend = () => t.app.txGrouped(() => t.app.ledger.apply(user.id, 'used', -60, null));
    const results = await Promise.allSettled([spend(), spend(), spend()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await t.app.ledger.balance(user.id)).toBe(40);
  });

  it('a batch of one (no savepoint) commits on success and writes nothing when it fails', async () => {
    const { user } = await signInCustomer(t.app);
    const before = await t.app.events.log.highestId();
    await expect(
      t.app.txGrouped(async () => {
        await t.app.ledger.apply(user.id, 'adjusted', 700, null, 'lonely failure');
        throw new Error('fails after writing');
      }),
    ).rejects.toThrow('fails after writing');
    expect(t.app.db.$client.inTransaction).toBe(false);
    expect(await t.app.ledger.balance(user.id)).toBe(0);
    expect(await t.app.events.log.highestId()).toBe(before);
    const ok = t.app.txGrouped(() => t.app.ledger.apply(user.id, 'adjusted', 300, null, 'lonely success'));
    await expect(ok.then(() => t.app.db.$client.inTransaction)).resolves.toBe(false);
    expect(await t.app.ledger.balance(user.id)).toBe(300);
    expect((await t.app.events.log.after(before)).filter((e) => e.rooms.includes(userRoom(user.id)))).toHaveLength(1);
  });
});
