import { desc, eq, sql } from 'drizzle-orm';
import { toMajor, type BonusLedgerEntry, type BonusOperationType } from '@ordercast/shared';
import type { Db } from '../db/client';
import { bonusLedger, users } from '../db/schema';
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
    private readonly db: Db,
    private readonly announce: Pick<Announce, 'bonusUpdated'>,
  ) {
    const p = sql.placeholder;
    this.q = {
      balance: db.select({ b: users.bonusBalance }).from(users).where(eq(users.id, p('userId'))).prepare(),
      // The guard in WHERE makes an overdraft a no-op that returns nothing, whatever ran concurrently.
      debitOrCredit: db
        .update(users)
        .set({ bonusBalance: sql`${users.bonusBalance} + ${p('amount')}` })
        .where(sql`${users.id} = ${p('userId')} AND ${users.bonusBalance} + ${p('amount')} >= 0`)
        .returning({ balance: users.bonusBalance })
        .prepare(),
      insert: db
        .insert(bonusLedger)
        .values({ userId: p('userId'), type: p('type'), amount: p('amount'), balanceAfter: p('balanceAfter'), orderId: p('orderId'), comment: p('comment') })
        .prepare(),
    };
  }

  balance(userId: number): number {
    return this.q.balance.get({ userId })?.b ?? 0;
  }

  /**
   * Applies a signed amount (minor units) and emits `bonus-updated`. A debit beyond the balance
   * throws before anything is written; the CHECK constraint backs this up.
   */
  apply(userId: number, type: BonusOperationType, amount: number, orderId: number | null, comment: string | null = null): number {
    if (amount === 0) return this.balance(userId);
    const updated = this.q.debitOrCredit.get({ userId, amount });
    if (!updated) throw unprocessable('Not enough bonuses', 'insufficient_bonuses');
    this.q.insert.run({ userId, type, amount, balanceAfter: updated.balance, orderId, comment });
    this.announce.bonusUpdated(userId, {
      balance: toMajor(updated.balance),
      operation: { type, amount: toMajor(Math.abs(amount)), orderId },
      timestamp: isoNow(),
    });
    return updated.balance;
  }

  history(userId: number, limit = 100): BonusLedgerEntry[] {
    return this.db
      .select()
      .from(bonusLedger)
      .where(eq(bonusLedger.userId, userId))
      .orderBy(desc(bonusLedger.id))
      .limit(limit)
      .all()
      .map((r) => ({
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
