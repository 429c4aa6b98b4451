import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import Database from 'better-sqlite3';
import { cleanText, seesAllCities, toMajor, type CreateStaffBody, type PatchMeBody, type PatchStaffBody, type StaffMember, type User } from '@ordercast/shared';
import type { Db } from '../db/client';
import { cities, managerCities, users } from '../db/schema';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../lib/errors';
import { isoNow } from '../lib/time';
import { hashPassword } from './password';
import type { Principal } from './principal';
import type { TelegramUser } from './telegram';

type UserRow = typeof users.$inferSelect;

/** People: customers (by Telegram id) and staff (by username) share one id space, so `user-{id}` names one person. */
export class UsersService {
  /** Every authenticated request loads its principal: these run per request, on better-sqlite3 directly (no row mapping). */
  private readonly q;

  /**
   * `onRightsChanged` is told (after the commit) whenever a user's rights change: disabled or
   * enabled, cities, role, password. The app publishes it on the event bus so every process
   * re-checks that user's open connections.
   */
  constructor(
    private readonly db: Db,
    private readonly onRightsChanged: (userId: number) => void = () => {},
  ) {
    const sqlite = db.$client;
    this.q = {
      allCities: sqlite.prepare<[], number>('SELECT id FROM cities ORDER BY id').pluck(),
      managerCities: sqlite.prepare<[number], number>('SELECT city_id FROM manager_cities WHERE user_id = ? ORDER BY city_id').pluck(),
      principal: sqlite.prepare<[number], Pick<UserRow, 'id' | 'role' | 'cityId' | 'tokenVersion'> & { active: 0 | 1 }>(
        'SELECT id, role, city_id AS cityId, active, token_version AS tokenVersion FROM users WHERE id = ?',
      ),
    };
  }

  private allCityIds(): number[] {
    return this.q.allCities.all();
  }

  private managerCityIds(userId: number): number[] {
    return this.q.managerCities.all(userId);
  }

  private cityIdsFor(row: Pick<UserRow, 'id' | 'role'>): number[] {
    if (seesAllCities(row.role)) return this.allCityIds();
    if (row.role === 'manager') return this.managerCityIds(row.id);
    return [];
  }

  /** The live principal for a token's subject; null when the user is gone or deactivated. */
  principal(userId: number): Principal | null {
    const row = this.q.principal.get(userId);
    if (!row || !row.active) return null;
    return { userId: row.id, role: row.role, cityIds: this.cityIdsFor(row), cityId: row.cityId, tokenVersion: row.tokenVersion };
  }

  byId(userId: number): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.id, userId)).get();
  }

  byUsername(username: string): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.username, username)).get();
  }

  toWire(row: UserRow): User {
    return {
      id: row.id,
      role: row.role,
      name: row.name,
      username: row.role === 'customer' ? row.tgUsername : row.username,
      telegram_id: row.telegramId,
      language: row.language,
      phone: row.phone,
      phone_verified: row.phone !== null && row.phoneVerifiedAt !== null,
      city_id: row.cityId,
      city_ids: this.cityIdsFor(row),
      bonus_balance: toMajor(row.bonusBalance),
      // Customers: started the bot (it may write) or the Mini App's answer; null = never asked.
      ...(row.role === 'customer' && { bot_write_access: row.botStartedAt !== null ? true : row.botWriteAccess }),
    };
  }

  /** Creates the customer on first launch; refreshes name, username and language on later ones. */
  upsertTelegramCustomer(tg: TelegramUser): UserRow {
    const name = cleanText([tg.first_name, tg.last_name].map((part) => cleanText(part ?? '')).filter(Boolean).join(' ')).slice(0, 100);
    const tgUsername = tg.username === undefined ? null : cleanText(tg.username) || null;
    const language = tg.language_code?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
    const existing = this.db.select().from(users).where(eq(users.telegramId, tg.id)).get();
    if (existing) {
      if (existing.role !== 'customer') throw conflict('This Telegram account belongs to a staff member');
      return this.db
        .update(users)
        .set({ name, tgUsername, updatedAt: isoNow() })
        .where(eq(users.id, existing.id))
        .returning()
        .get();
    }
    return this.db
      .insert(users)
      .values({ role: 'customer', telegramId: tg.id, name, tgUsername, language })
      .returning()
      .get();
  }

  updateMe(userId: number, patch: PatchMeBody): UserRow {
    if (patch.cityId !== undefined && !this.db.select({ id: cities.id }).from(cities).where(eq(cities.id, patch.cityId)).get()) {
      throw unprocessable(`City ${patch.cityId} does not exist`, 'unknown_city');
    }
    // A typed phone is the customer's word: it keeps the verified mark only when it is the verified number.
    const digits = (p: string | null | undefined) => (p ?? '').replace(/\D/g, '');
    const current = patch.phone !== undefined ? this.byId(userId) : undefined;
    const stillVerified = current !== undefined && current.phoneVerifiedAt !== null && digits(current.phone) === digits(patch.phone);
    const row = this.db
      .update(users)
      .set({
        ...(patch.cityId !== undefined && { cityId: patch.cityId }),
        ...(patch.phone !== undefined && { phone: patch.phone, ...(!stillVerified && { phoneVerifiedAt: null }) }),
        ...(patch.language !== undefined && { language: patch.language }),
        ...(patch.name !== undefined && { name: personName(patch.name) }),
        updatedAt: isoNow(),
      })
      .where(eq(users.id, userId))
      .returning()
      .get();
    if (!row) throw notFound('User not found');
    return row;
  }

  /* Staff management (admin and ceo). */

  listStaff(): StaffMember[] {
    const rows = this.db.select().from(users).where(inArray(users.role, ['manager', 'admin', 'ceo'])).orderBy(asc(users.id)).all();
    return rows.map((r) => this.toStaff(r));
  }

  private toStaff(r: UserRow): StaffMember {
    return { id: r.id, username: r.username ?? '', name: r.name, role: r.role, city_ids: this.cityIdsFor(r), active: r.active };
  }

  private assertCities(cityIds: number[]): void {
    if (cityIds.length === 0) return;
    const found = this.db.select({ id: cities.id }).from(cities).where(inArray(cities.id, cityIds)).all();
    if (found.length !== new Set(cityIds).size) throw unprocessable('Unknown city in cityIds', 'unknown_city');
  }

  /** Over HTTP `role` is manager or admin; `npm run create-admin` may also make a ceo. */
  async createStaff(body: Omit<CreateStaffBody, 'role'> & { role: CreateStaffBody['role'] | 'ceo' }): Promise<StaffMember> {
    const name = personName(body.name);
    const username = cleanText(body.username);
    const taken = () => conflict(`Username "${username}" is taken`, 'username_taken');
    if (this.byUsername(username)) throw taken();
    this.assertCities(body.cityIds);
    const passwordHash = await hashPassword(body.password);
    // Checked again by the unique index: concurrent creations all pass the look-up above while
    // their passwords hash, and only one insert may win.
    const row = this.duplicateAs(taken, () => this.db.$client.transaction(() => {
      const created = this.db
        .insert(users)
        .values({ role: body.role, username, passwordHash, name, language: 'ru' })
        .returning()
        .get();
      if (body.role === 'manager' && body.cityIds.length) {
        this.db.insert(managerCities).values([...new Set(body.cityIds)].map((cityId) => ({ userId: created.id, cityId }))).run();
      }
      return created;
    })());
    return this.toStaff(row);
  }

  /** Runs insert; a unique-index violation becomes onDuplicate's error (a 409), not a 500. */
  private duplicateAs<T>(onDuplicate: () => Error, insert: () => T): T {
    try {
      return insert();
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE') throw onDuplicate();
      throw err;
    }
  }

  /**
   * `actor` changes staff member `id`. Only a ceo may change a ceo (password, name, active, cities):
   * otherwise an admin could reset the ceo's password and sign in as the ceo.
   */
  async patchStaff(actor: Pick<Principal, 'role'>, id: number, body: PatchStaffBody): Promise<StaffMember> {
    const existing = this.byId(id);
    if (!existing || existing.role === 'customer') throw notFound('Staff member not found');
    if (existing.role === 'ceo' && actor.role !== 'ceo') throw forbidden('Only a ceo may change a ceo account', 'ceo_only');
    if (body.cityIds) this.assertCities(body.cityIds);
    const passwordHash = body.password ? await hashPassword(body.password) : undefined;
    const row = this.db.$client.transaction(() => {
      const updated = this.db
        .update(users)
        .set({
          ...(body.name !== undefined && { name: personName(body.name) }),
          ...(body.active !== undefined && { active: body.active }),
          // A new password revokes every token signed before it.
          ...(passwordHash && { passwordHash, tokenVersion: sql`${users.tokenVersion} + 1` }),
          updatedAt: isoNow(),
        })
        .where(eq(users.id, id))
        .returning()
        .get();
      if (body.cityIds && existing.role === 'manager') {
        this.db.delete(managerCities).where(eq(managerCities.userId, id)).run();
        if (body.cityIds.length) {
          this.db.insert(managerCities).values([...new Set(body.cityIds)].map((cityId) => ({ userId: id, cityId }))).run();
        }
      }
      return updated;
    })();
    if (!row) throw notFound('Staff member not found');
    this.onRightsChanged(id);
    return this.toStaff(row);
  }

  staffCanLogin(row: UserRow | undefined): row is UserRow & { passwordHash: string } {
    return !!row && row.role !== 'customer' && row.active && !!row.passwordHash;
  }

  isManagerOf(userId: number, cityId: number): boolean {
    return !!this.db
      .select({ c: managerCities.cityId })
      .from(managerCities)
      .where(and(eq(managerCities.userId, userId), eq(managerCities.cityId, cityId)))
      .get();
  }
}

/** A name as stored: cleaned of controls and bidi overrides; one that is nothing else is refused. */
function personName(raw: string): string {
  const name = cleanText(raw);
  if (!name) throw badRequest('name has no visible characters', 'invalid_name');
  return name;
}
