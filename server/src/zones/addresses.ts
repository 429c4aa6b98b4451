import { cleanText, type CreateAddressBody, type SavedAddress, type UpdateAddressBody } from '@ordercast/shared';
import { columnsOf } from '../db/rows';
import type { Sql } from '../db/sql';
import { savedAddresses } from '../db/schema';
import { badRequest, conflict, notFound } from '../lib/errors';
import { isoNow } from '../lib/time';

type AddressRow = typeof savedAddresses.$inferSelect;

/** Most addresses one customer keeps (bounded work and storage per client). */
export const MAX_ADDRESSES = 20;

/** One row per address whatever its spelling of case and spaces. */
export const addressKey = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();

const toWire = (r: AddressRow): SavedAddress => ({ id: r.id, label: r.label, address: r.address, lat: r.lat, lng: r.lng, last_used_at: r.lastUsedAt });

/**
 * A customer's saved addresses. Every read and write is by (user, id): another customer's
 * address is simply not there (404), so ids cannot be probed.
 */
export class AddressesService {
  private readonly q;

  constructor(sql: Sql) {
    const A = columnsOf(savedAddresses);
    this.q = {
      // Named ones first, then the most recently used.
      list: sql.prepare<{ userId: number }, AddressRow>(
        `SELECT ${A} FROM saved_addresses WHERE user_id = @userId
         ORDER BY CASE WHEN label = '' THEN 1 ELSE 0 END, coalesce(last_used_at, created_at) DESC, id`,
      ),
      get: sql.prepare<{ userId: number; id: number }, AddressRow>(`SELECT ${A} FROM saved_addresses WHERE id = @id AND user_id = @userId`),
      byKey: sql.prepare<{ userId: number; key: string }, AddressRow>(`SELECT ${A} FROM saved_addresses WHERE user_id = @userId AND address_key = @key`),
      count: sql.prepare<{ userId: number }, { n: number }>('SELECT count(*) AS n FROM saved_addresses WHERE user_id = @userId'),
      insert: sql.prepare<{ userId: number; label: string; address: string; key: string; lat: number; lng: number; lastUsedAt: string | null }, AddressRow>(
        `INSERT INTO saved_addresses (user_id, label, address, address_key, lat, lng, last_used_at)
         VALUES (@userId, @label, @address, @key, @lat, @lng, @lastUsedAt) RETURNING ${A}`,
      ),
      update: sql.prepare<{ id: number; label: string | null; address: string | null; key: string | null; lat: number | null; lng: number | null; at: string }, AddressRow>(
        `UPDATE saved_addresses SET label = coalesce(@label, label), address = coalesce(@address, address), address_key = coalesce(@key, address_key),
           lat = coalesce(@lat, lat), lng = coalesce(@lng, lng), updated_at = @at
         WHERE id = @id RETURNING ${A}`,
      ),
      // Refreshing an address an order went to again (the common case of every delivery order), on one statement.
      touch: sql.prepare<{ userId: number; key: string; lat: number; lng: number; at: string }>(
        `UPDATE saved_addresses SET lat = @lat, lng = @lng, last_used_at = @at, updated_at = @at
         WHERE user_id = @userId AND address_key = @key`,
      ),
      oldestUnnamed: sql.prepare<{ userId: number }, { id: number }>(
        `SELECT id FROM saved_addresses WHERE user_id = @userId AND label = '' ORDER BY coalesce(last_used_at, created_at) LIMIT 1`,
      ),
      remove: sql.prepare<{ id: number }>('DELETE FROM saved_addresses WHERE id = @id'),
    };
  }

  /** Named ones first, then the most recently used. */
  async list(userId: number): Promise<SavedAddress[]> {
    return (await this.q.list.all({ userId })).map(toWire);
  }

  async get(userId: number, id: number): Promise<AddressRow> {
    const row = await this.q.get.get({ userId, id });
    if (!row) throw notFound(`Address ${id} not found`, 'unknown_address');
    return row;
  }

  async create(userId: number, body: CreateAddressBody): Promise<SavedAddress> {
    const address = cleaned(body.address);
    const key = addressKey(address);
    if (await this.byKey(userId, key)) throw conflict('This address is already saved', 'address_exists');
    if ((await this.count(userId)) >= MAX_ADDRESSES) throw conflict(`At most ${MAX_ADDRESSES} addresses can be saved; delete one first`, 'too_many_addresses');
    const row = await this.q.insert.get({ userId, label: cleanText(body.label ?? '').slice(0, 40), address, key, lat: body.lat, lng: body.lng, lastUsedAt: null });
    return toWire(row!);
  }

  async update(userId: number, id: number, body: UpdateAddressBody): Promise<SavedAddress> {
    const row = await this.get(userId, id);
    const address = body.address !== undefined ? cleaned(body.address) : undefined;
    if (address !== undefined) {
      const other = await this.byKey(userId, addressKey(address));
      if (other && other.id !== row.id) throw conflict('This address is already saved', 'address_exists');
    }
    const updated = await this.q.update.get({
      id: row.id,
      label: body.label !== undefined ? cleanText(body.label).slice(0, 40) : null,
      address: address ?? null,
      key: address !== undefined ? addressKey(address) : null,
      lat: body.lat ?? null,
      lng: body.lng ?? null,
      at: isoNow(),
    });
    return toWire(updated!);
  }

  async remove(userId: number, id: number): Promise<void> {
    const row = await this.get(userId, id);
    await this.q.remove.run({ id: row.id });
  }

  /**
   * An address an order was delivered to: the same address (by key) is refreshed (its point and
   * last use), a new one saved without a label. At the limit the least recently used unlabelled
   * one makes room; when every saved one is named, nothing is saved (names are the customer's).
   */
  async remember(userId: number, text: string, lat: number, lng: number, at = isoNow()): Promise<void> {
    const key = addressKey(text);
    if ((await this.q.touch.run({ userId, key, lat, lng, at })).changes > 0) return;
    if ((await this.count(userId)) >= MAX_ADDRESSES) {
      const oldest = await this.q.oldestUnnamed.get({ userId });
      if (!oldest) return;
      await this.q.remove.run({ id: oldest.id });
    }
    await this.q.insert.run({ userId, label: '', address: text, key, lat, lng, lastUsedAt: at });
  }

  private byKey(userId: number, key: string): Promise<AddressRow | undefined> {
    return this.q.byKey.get({ userId, key });
  }

  private async count(userId: number): Promise<number> {
    return (await this.q.count.get({ userId }))?.n ?? 0;
  }
}

function cleaned(text: string): string {
  const clean = cleanText(text);
  if (clean.length < 3) throw badRequest('An address needs at least 3 characters', 'address_required');
  return clean;
}
