import { cleanText, seesAllCities, toMajor, type CreateStaffBody, type PatchMeBody, type PatchStaffBody, type StaffMember, type User } from '@ordercast/shared';
import { inJsonInts, isUniqueViolation, sqlText } from '../db/portable';
import { tableRows } from '../db/rows';
import { users } from '../db/schema';
import type { Sql } from '../db/sql';
import { badRequest, conflict, forbidden, notFound, unprocessable } from '../lib/errors';
import { isoNow } from '../lib/time';
import { hashPassword } from './password';
import type { Principal } from './principal';
import type { TelegramUser } from './telegram';

type UserRow = typeof users.$inferSelect;

/** People: customers (by Telegram id) and staff (by username) share one id space, so `user-{id}` names one person. */
type UserEdit = {
  id: number;
  cityId: number | null;
  setPhone: number;
  phone: string | null;
  clearVerified: number;
  language: string | null;
  name: string | null;
  at: string;
};
type StaffEdit = { id: number; name: string | null; active: number | null; passwordHash: string | null; at: string };

export class UsersService {
  /** Every authenticated request loads its principal: these run per request. */
  private readonly q;
  private readonly decode: (row: unknown) => UserRow;

  /**
   * `onRightsChanged` is told (after the commit) whenever a user's rights change: disabled or
   * enabled, cities, role, password. The app publishes it on the event bus so every process
   * re-checks that user's open connections.
   */
  constructor(
    private readonly sql: Sql,
    private readonly onRightsChanged: (userId: number) => void = () => {},
  ) {
    const u = tableRows(users);
    const U = u.columns;
    this.decode = u.decode;
    this.q = {
      allCities: sql.prepare<void, { id: number }>('SELECT id FROM cities ORDER BY id'),
      managerCities: sql.prepare<{ id: number }, { id: number }>('SELECT city_id AS id FROM manager_cities WHERE user_id = @id ORDER BY city_id'),
      principal: sql.prepare<{ id: number }, Pick<UserRow, 'id' | 'role' | 'cityId' | 'tokenVersion'> & { active: 0 | 1 }>(
        'SELECT id, role, city_id AS "cityId", active, token_version AS "tokenVersion" FROM users WHERE id = @id',
      ),
      byId: sql.prepare<{ id: number }, UserRow>(`SELECT ${U} FROM users WHERE id = @id`),
      byUsername: sql.prepare<{ username: string }, UserRow>(`SELECT ${U} FROM users WHERE username = @username`),
      byTelegramId: sql.prepare<{ tg: number }, UserRow>(`SELECT ${U} FROM users WHERE telegram_id = @tg`),
      refreshCustomer: sql.prepare<{ id: number; name: string; tgUsername: string | null; at: string }, UserRow>(
        `UPDATE users SET name = @name, tg_username = @tgUsername, updated_at = @at WHERE id = @id RETURNING ${U}`,
      ),
      insertCustomer: sql.prepare<{ tg: number; name: string; tgUsername: string | null; language: string }, UserRow>(
        `INSERT INTO users (role, telegram_id, name, tg_username, language) VALUES ('customer', @tg, @name, @tgUsername, @language) RETURNING ${U}`,
      ),
      city: sql.prepare<{ id: number }, { id: number }>('SELECT id FROM cities WHERE id = @id'),
      citiesIn: sql.prepare<{ ids: string }, { id: number }>(sqlText`SELECT id FROM cities WHERE ${inJsonInts('id', 'ids')}`),
      updateMe: sql.prepare<UserEdit, UserRow>(
        `UPDATE users SET city_id = coalesce(@cityId, city_id),
           phone = CASE WHEN @setPhone = 1 THEN @phone ELSE phone END,
           phone_verified_at = CASE WHEN @clearVerified = 1 THEN NULL ELSE phone_verified_at END,
           language = coalesce(@language, language), name = coalesce(@name, name), updated_at = @at
         WHERE id = @id RETURNING ${U}`,
      ),
      staff: sql.prepare<void, UserRow>(`SELECT ${U} FROM users WHERE role IN ('manager', 'admin', 'ceo') ORDER BY id`),
      insertStaff: sql.prepare<{ role: string; username: string; passwordHash: string; name: string }, UserRow>(
        `INSERT INTO users (role, username, password_hash, name, language) VALUES (@role, @username, @passwordHash, @name, 'ru') RETURNING ${U}`,
      ),
      addManagerCity: sql.prepare<{ userId: number; cityId: number }>('INSERT INTO manager_cities (user_id, city_id) VALUES (@userId, @cityId)'),
      clearManagerCities: sql.prepare<{ userId: number }>('DELETE FROM manager_cities WHERE user_id = @userId'),
      // A new password revokes every token signed before it.
      patchStaff: sql.prepare<StaffEdit, UserRow>(
        `UPDATE users SET name = coalesce(@name, name), active = coalesce(@active, active),
           password_hash = coalesce(@passwordHash, password_hash),
           token_version = CASE WHEN @passwordHash IS NULL THEN token_version ELSE token_version + 1 END,
           updated_at = @at
         WHERE id = @id RETURNING ${U}`,
      ),
      writeAccess: sql.prepare<{ id: number; allowed: number }>('UPDATE users SET bot_write_access = @allowed WHERE id = @id'),
      managerOf: sql.prepare<{ userId: number; cityId: number }, { c: number }>('SELECT city_id AS c FROM manager_cities WHERE user_id = @userId AND city_id = @cityId'),
    };
  }

  private async cityIdsFor(row: Pick<UserRow, 'id' | 'role'>): Promise<number[]> {
    if (seesAllCities(row.role)) return (await this.q.allCities.all()).map((r) => r.id);
    if (row.role === 'manager') return (await this.q.managerCities.all({ id: row.id })).map((r) => r.id);
    return [];
  }

  /** The live principal for a token's subject; null when the user is gone or deactivated. */
  async principal(userId: number): Promise<Principal | null> {
    const row = await this.q.principal.get({ id: userId });
    if (!row || !row.active) return null;
    return { userId: row.id, role: row.role, cityIds: await this.cityIdsFor(row), cityId: row.cityId, tokenVersion: row.tokenVersion };
  }

  async byId(userId: number): Promise<UserRow | undefined> {
    const row = await this.q.byId.get({ id: userId });
    return row && this.decode(row);
  }

  async byUsername(username: string): Promise<UserRow | undefined> {
    const row = await this.q.byUsername.get({ username });
    return row && this.decode(row);
  }

  async toWire(row: UserRow): Promise<User> {
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
      city_ids: await this.cityIdsFor(row),
      bonus_balance: toMajor(row.bonusBalance),
      // Customers: started the bot (it may write) or the Mini App's answer; null = never asked.
      ...(row.role === 'customer' && { bot_write_access: row.botStartedAt !== null ? true : row.botWriteAccess }),
    };
  }

  /** Creates the customer on first launch; refreshes name, username and language on later ones. */
  async upsertTelegramCustomer(tg: TelegramUser): Promise<UserRow> {
    const name = cleanText([tg.first_name, tg.last_name].map((part) => cleanText(part ?? '')).filter(Boolean).join(' ')).slice(0, 100);
    const tgUsername = tg.username === undefined ? null : cleanText(tg.username) || null;
    const language = tg.language_code?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
    const existing = await this.q.byTelegramId.get({ tg: tg.id });
    if (existing) {
      if (existing.role !== 'customer') throw conflict('This Telegram account belongs to a staff member');
      return this.decode(await this.q.refreshCustomer.get({ id: existing.id, name, tgUsername, at: isoNow() }));
    }
    return this.decode(await this.q.insertCustomer.get({ tg: tg.id, name, tgUsername, language }));
  }

  async updateMe(userId: number, patch: PatchMeBody): Promise<UserRow> {
    if (patch.cityId !== undefined && !(await this.q.city.get({ id: patch.cityId }))) {
      throw unprocessable(`City ${patch.cityId} does not exist`, 'unknown_city');
    }
    // A typed phone is the customer's word: it keeps the verified mark only when it is the verified number.
    const digits = (p: string | null | undefined) => (p ?? '').replace(/\D/g, '');
    const current = patch.phone !== undefined ? await this.byId(userId) : undefined;
    const stillVerified = current !== undefined && current.phoneVerifiedAt !== null && digits(current.phone) === digits(patch.phone);
    const row = await this.q.updateMe.get({
      id: userId,
      cityId: patch.cityId ?? null,
      setPhone: patch.phone !== undefined ? 1 : 0,
      phone: patch.phone ?? null,
      clearVerified: patch.phone !== undefined && !stillVerified ? 1 : 0,
      language: patch.language ?? null,
      name: patch.name !== undefined ? personName(patch.name) : null,
      at: isoNow(),
    });
    if (!row) throw notFound('User not found');
    return this.decode(row);
  }

  /* Staff management (admin and ceo). */

  async listStaff(): Promise<StaffMember[]> {
    const out: StaffMember[] = [];
    for (const r of await this.q.staff.all()) out.push(await this.toStaff(this.decode(r)));
    return out;
  }

  private async toStaff(r: UserRow): Promise<StaffMember> {
    return { id: r.id, username: r.username ?? '', name: r.name, role: r.role, city_ids: await this.cityIdsFor(r), active: r.active };
  }

  private async assertCities(cityIds: number[]): Promise<void> {
    if (cityIds.length === 0) return;
    const found = await this.q.citiesIn.all({ ids: JSON.stringify(cityIds) });
    if (found.length !== new Set(cityIds).size) throw unprocessable('Unknown city in cityIds', 'unknown_city');
  }

  /** Over HTTP `role` is manager or admin; `npm run create-admin` may also make a ceo. */
  async createStaff(body: Omit<CreateStaffBody, 'role'> & { role: CreateStaffBody['role'] | 'ceo' }): Promise<StaffMember> {
    const name = personName(body.name);
    const username = cleanText(body.username);
    const taken = () => conflict(`Username "${username}" is taken`, 'username_taken');
    if (await this.byUsername(username)) throw taken();
    await this.assertCities(body.cityIds);
    const passwordHash = await hashPassword(body.password);
    // Checked again by the unique index: concurrent creations all pass the look-up above while
    // their passwords hash, and only one insert may win.
    const row = await this.duplicateAs(taken, () =>
      this.sql.tx(async () => {
        const created = this.decode(await this.q.insertStaff.get({ role: body.role, username, passwordHash, name }));
        if (body.role === 'manager') {
          for (const cityId of new Set(body.cityIds)) await this.q.addManagerCity.run({ userId: created.id, cityId });
        }
        return created;
      }),
    );
    return this.toStaff(row);
  }

  /** Runs insert; a unique-index violation becomes onDuplicate's error (a 409), not a 500. */
  private async duplicateAs<T>(onDuplicate: () => Error, insert: () => Promise<T>): Promise<T> {
    try {
      return await insert();
    } catch (err) {
      if (isUniqueViolation(err)) throw onDuplicate();
      throw err;
    }
  }

  /**
   * `actor` changes staff member `id`. Only a ceo may change a ceo (password, name, active, cities):
   * otherwise an admin could reset the ceo's password and sign in as the ceo.
   */
  async patchStaff(actor: Pick<Principal, 'role'>, id: number, body: PatchStaffBody): Promise<StaffMember> {
    const existing = await this.byId(id);
    if (!existing || existing.role === 'customer') throw notFound('Staff member not found');
    if (existing.role === 'ceo' && actor.role !== 'ceo') throw forbidden('Only a ceo may change a ceo account', 'ceo_only');
    if (body.cityIds) await this.assertCities(body.cityIds);
    const passwordHash = body.password ? await hashPassword(body.password) : undefined;
    const row = await this.sql.tx(async () => {
      const updated = await this.q.patchStaff.get({
        id,
        name: body.name !== undefined ? personName(body.name) : null,
        active: body.active === undefined ? null : body.active ? 1 : 0,
        passwordHash: passwordHash ?? null,
        at: isoNow(),
      });
      if (body.cityIds && existing.role === 'manager') {
        await this.q.clearManagerCities.run({ userId: id });
        for (const cityId of new Set(body.cityIds)) await this.q.addManagerCity.run({ userId: id, cityId });
      }
      return updated && this.decode(updated);
    });
    if (!row) throw notFound('Staff member not found');
    this.onRightsChanged(id);
    return this.toStaff(row);
  }

  /** The customer's answer to the Mini App's requestWriteAccess. */
  async setWriteAccess(userId: number, allowed: boolean): Promise<void> {
    await this.q.writeAccess.run({ id: userId, allowed: allowed ? 1 : 0 });
  }

  staffCanLogin(row: UserRow | undefined): row is UserRow & { passwordHash: string } {
    return !!row && row.role !== 'customer' && row.active && !!row.passwordHash;
  }

  async isManagerOf(userId: number, cityId: number): Promise<boolean> {
    return (await this.q.managerOf.get({ userId, cityId })) !== undefined;
  }
}

/** A name as stored: cleaned of controls and bidi overrides; one that is nothing else is refused. */
function personName(raw: string): string {
  const name = cleanText(raw);
  if (!name) throw badRequest('name has no visible characters', 'invalid_name');
  return name;
}
