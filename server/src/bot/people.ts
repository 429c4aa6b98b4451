import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { cities, orders, users } from '../db/schema';
import type { UsersService } from '../auth/users';
import type { TelegramUser } from '../auth/telegram';
import { isoNow } from '../lib/time';
import { normalPhone, storeVerifiedPhone } from '../zones/contact';

export interface BotPeopleDeps {
  db: Db;
  tx<T>(fn: () => T): T;
  users: UsersService;
}

/**
 * What the bot remembers about people: who started it (so later order updates may be sent) and who
 * blocked it (so nothing is sent to them until they start it again).
 */
export class BotPeople {
  constructor(private readonly deps: BotPeopleDeps) {}

  /** `/start`: the customer exists (created as on a first Mini App launch), has started the bot, is not blocking it. Null for a staff account. */
  started(tg: TelegramUser): number | null {
    return this.deps.tx(() => {
      const existing = this.deps.db.select({ role: users.role }).from(users).where(eq(users.telegramId, tg.id)).get();
      // A staff member's Telegram account is not a customer: nothing to record.
      if (existing && existing.role !== 'customer') return null;
      const row = this.deps.users.upsertTelegramCustomer(tg);
      this.deps.db.update(users).set({ botStartedAt: isoNow(), botBlockedAt: null }).where(eq(users.id, row.id)).run();
      return row.id;
    });
  }

  /** Telegram said 403 "bot was blocked by the user", or sent my_chat_member "kicked". */
  blocked(telegramId: number): void {
    this.deps.tx(() => {
      this.deps.db.update(users).set({ botBlockedAt: isoNow() }).where(and(eq(users.telegramId, telegramId), eq(users.role, 'customer'))).run();
    });
  }

  /** my_chat_member back to "member" (the user unblocked the bot). */
  unblocked(telegramId: number): void {
    this.deps.tx(() => {
      this.deps.db.update(users).set({ botBlockedAt: null }).where(eq(users.telegramId, telegramId)).run();
    });
  }

  /**
   * The customer shared their own contact in the chat (Telegram's update, user_id checked by the
   * caller): the phone is stored as verified. False for someone the project does not know as a customer.
   */
  phoneShared(telegramId: number, phoneNumber: string): boolean {
    return this.deps.tx(() => storeVerifiedPhone(this.deps.db, telegramId, normalPhone(phoneNumber)));
  }

  cityName(cityId: number, lang: 'ru' | 'en'): string | undefined {
    const row = this.deps.db.select({ name: cities.name, nameEn: cities.nameEn }).from(cities).where(eq(cities.id, cityId)).get();
    return row && (lang === 'ru' ? row.name : row.nameEn || row.name);
  }

  /** Whether order `orderId` belongs to the customer with this Telegram id (a deep link never reveals another's). */
  ownsOrder(telegramId: number, orderId: number): boolean {
    const row = this.deps.db
      .select({ id: orders.id })
      .from(orders)
      .innerJoin(users, eq(users.id, orders.userId))
      .where(and(eq(orders.id, orderId), eq(users.telegramId, telegramId)))
      .get();
    return row !== undefined;
  }
}
