import { toMajor, type BonusLedgerEntry, type BonusOperationType } from '@ordercast/shared';
import { tableRows } from '../db/rows';
import { bonusLedger } from '../db/schema';
import type { Sql } from '../db/sql';
import type { Announce } from '../events/announce';
import { unprocessable } from '../lib/errors';
import { isoNow } from '../lib/time';


/**
 * The bonus ledger: append-only rows, with the balance kept beside them on the user row in the
 * same transaction. Callers must already be inside a write transaction.
 */
export class BonusLedger {
  private readonly q;

  constructor(
    sql: Sql,
    private readonly announce: Pick<Announce, 'bonusUpdated'>,
  ) {
    const entries = tableRows(bonusLedger);
    this.q = {
      balance: sql.prepare<{ userId: number }, { b: number }>('SELECT bonus_balance AS b FROM users WHERE id = @userId'),
      // SQLite: the write transaction already excludes every other writer (one writer at a time).
      // PostgreSQL: the customer's row is locked until commit, so what is decided on this balance
      // (and on the customer's orders read after it) still holds when this transaction writes.
      lockedBalance: sql.prepare<{ userId: number }, { b: number }>({
        sqlite: 'SELECT bonus_balance AS b FROM users WHERE id = @userId',
        postgres: 'SELECT bonus_balance AS b FROM users WHERE id = @userId FOR UPDATE',
      }),
      // The guard in WHERE makes an overdraft a no-op that returns nothing, whatever ran concurrently.
      debitOrCredit: sql.prepare<{ userId: number; amount: number }, { balance: number }>(
        'UPDATE users SET bonus_balance = bonus_balance + @amount WHERE id = @userId AND bonus_balance + @amount >= 0 RETURNING bonus_balance AS balance',
      ),
      insert: sql.prepare<{ userId: number; type: BonusOperationType; amount: number; balanceAfter: number; orderId: number | null; comment: string | null }>(
        `INSERT INTO bonus_ledger (user_id, type, amount, balance_after, order_id, comment)
         VALUES (@userId, @type, @amount, @balanceAfter, @orderId, @comment)`,
      ),
      history: sql.prepare<{ userId: number; limit: number }, typeof bonusLedger.$inferSelect>(
        `SELECT ${entries.columns} FROM bonus_ledger WHERE user_id = @userId ORDER BY id DESC LIMIT @limit`,
      ),
    };
  }

  async balance(userId: number): Promise<number> {
    return (await this.q.balance.get({ userId }))?.b ?? 0;
  }

  /**
   * The balance, read inside a write transaction so that no other transaction changes it (or
   * places an order for this customer) until this one commits: on PostgreSQL the user's row is
   * locked (`FOR UPDATE`); on SQLite the single writer gives the same.
   */
  async lockedBalance(userId: number): Promise<number> {
    return (await this.q.lockedBalance.get({ userId }))?.b ?? 0;
  }

  /**
   * Applies a signed amount (minor units) and emits `bonus-updated`. A debit beyond the balance
   * throws before anything is written; the CHECK constraint backs this up.
   */
  async apply(userId: number, type: BonusOperationType, amount: number, orderId: number | null, comment: string | null = null): Promise<number> {
    if (amount === 0) return this.balance(userId);
    const updated = await this.q.debitOrCredit.get({ userId, amount });
    if (!updated) throw unprocessable('Not enough bonuses', 'insufficient_bonuses');
    await this.q.insert.run({ userId, type, amount, balanceAfter: updated.balance, orderId, comment });
    await this.announce.bonusUpdated(userId, {
      balance: toMajor(updated.balance),
      operation: { type, amount: toMajor(Math.abs(amount)), orderId },
      timestamp: isoNow(),
    });
    return updated.balance;
  }

  async history(userId: number, limit = 100): Promise<BonusLedgerEntry[]> {
    return (await this.q.history.all({ userId, limit })).map((r) => ({
      id: r.id,
      type: r.type,
      amount: toMajor(r.amount),
      balance_after: toMajor(r.balanceAfter),
      order_id: r.orderId,
      comment: r.comment,
      created_at: r.createdAt,
    }));
  }
}
