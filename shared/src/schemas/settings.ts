import { Type, type Static } from 'typebox';

/** Server settings the staff apps follow (so a threshold changed in the environment reaches every board). */
export const StaffSettings = Type.Object({
  order_warn_minutes: Type.Integer({ minimum: 1 }),
  order_late_minutes: Type.Integer({ minimum: 1 }),
  /** Board: a card turns amber when its promised time is this close (red once past it). */
  order_eta_warn_minutes: Type.Integer({ minimum: 1 }),
  bonus_earn_rate: Type.Number(),
  bonus_max_share: Type.Number(),
});
export type StaffSettings = Static<typeof StaffSettings>;
