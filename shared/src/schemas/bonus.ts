import { Type, type Static } from 'typebox';
import { BONUS_OPERATIONS } from '../money';
import { Id, Timestamp } from './common';

export const BonusOperationType = Type.Enum(BONUS_OPERATIONS);

export const BonusLedgerEntry = Type.Object({
  id: Id,
  type: BonusOperationType,
  /** Signed: negative for `used`. */
  amount: Type.Number(),
  balance_after: Type.Number(),
  order_id: Type.Union([Id, Type.Null()]),
  comment: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
});
export type BonusLedgerEntry = Static<typeof BonusLedgerEntry>;

export const BonusesResponse = Type.Object({
  balance: Type.Number(),
  /** BONUS_EARN_RATE and BONUS_MAX_SHARE, so the checkout can show the cap without guessing. */
  earn_rate: Type.Number(),
  max_share: Type.Number(),
  ledger: Type.Array(BonusLedgerEntry),
});
export type BonusesResponse = Static<typeof BonusesResponse>;
