import type { Sql } from '../db/sql';
import type { UsersService } from '../auth/users';
import type { TelegramUser } from '../auth/telegram';
import { isoNow } from '../lib/time';
import { normalPhone, VerifiedPhones } from '../zones/contact';

export interface BotPeopleDeps {
  sql: Sql;
  users: Pick<UsersService, 'upsertTelegramCustomer'>;
}

/**
 * What the bot remembers about people: who started it (so later order updates may be sent) and who
 * blocked it (so nothing is sent to them until they start it again).
 */
export class BotPeople {
  private readonly q;

  constructor(private readonly deps: BotPeopleDeps) {
    const sql = deps.sql;
    this.q = {
      role: sql.prepare<{ tg: number }, { role: string }>('SELECT role FROM users WHERE telegram_id = @tg'),
      started: sql.prepare<{ id: number; now: string }>('UPDATE users SET bot_started_at = @now, bot_blocked_at = NULL WHERE id = @id'),
      blocked: sql.prepare<{ tg: number; now: string }>("UPDATE users SET bot_blocked_at = @now WHERE telegram_id = @tg AND role = 'customer'"),
      unblocked: sql.prepare<{ tg: number }>('UPDATE users SET bot_blocked_at = NULL WHERE telegram_id = @tg'),
      city: sql.prepare<{ id: number }, { name: string; nameEn: string }>('SELECT name, name_en AS "nameEn" FROM cities WHERE id = @id'),
      owns: sql.prepare<{ id: number; tg: number }, { id: number }>(
        'SELECT o.id AS id FROM orders o JOIN users u ON u.id = o.user_id WHERE o.id = @id AND u.telegram_id = @tg',
      ),
    };
    this.phones = new VerifiedPhones(sql);
  }

  private readonly phones: VerifiedPhones;

  /** `/start`: the customer exists (created as on a first Mini App launch), has started the bot, is not blocking it. Null for a staff account. */
  started(tg: TelegramUser): Promise<number | null> {
    return this.deps.sql.tx(async () => {
      const existing = await this.q.role.get({ tg: tg.id });
      // A staff member's Telegram account is not a customer: nothing to record.
      if (existing && existing.role !== 'customer') return null;
      const row = await this.deps.users.upsertTelegramCustomer(tg);
      await this.q.started.run({ id: row.id, now: isoNow() });
      return row.id;
    });
  }

  /** Telegram said 403 "bot was blocked by the user", or sent my_chat_member "kicked". */
  async blocked(telegramId: number): Promise<void> {
    await this.deps.sql.tx(() => this.q.blocked.run({ tg: telegramId, now: isoNow() }));
  }

  /** my_chat_member back to "member" (the user unblocked the bot). */
  async unblocked(telegramId: number): Promise<void> {
    await this.deps.sql.tx(() => this.q.unblocked.run({ tg: telegramId }));
  }

  /**
   * The customer shared their own contact in the chat (Telegram's update, user_id checked by the
   * caller): the phone is stored as verified. False for someone the project does not know as a customer.
   */
  phoneShared(telegramId: number, phoneNumber: string): Promise<boolean> {
    return this.deps.sql.tx(() => this.phones.store(telegramId, normalPhone(phoneNumber)));
  }

  async cityName(cityId: number, lang: 'ru' | 'en'): Promise<string | undefined> {
    const row = await this.q.city.get({ id: cityId });
    return row && (lang === 'ru' ? row.name : row.nameEn || row.name);
  }

  /** Whether order `orderId` belongs to the customer with this Telegram id (a deep link never reveals another's). */
  async ownsOrder(telegramId: number, orderId: number): Promise<boolean> {
    return (await this.q.owns.get({ id: orderId, tg: telegramId })) !== undefined;
  }
}
