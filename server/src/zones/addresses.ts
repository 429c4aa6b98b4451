import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { cleanText, type CreateAddressBody, type SavedAddress, type UpdateAddressBody } from '@ordercast/shared';
import type { Db } from '../db/client';
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
  /**
   * Refreshing an address an order went to again (the common case of every delivery order), on
   * one prepared statement: drizzle's query building and a statement prepared per call were about
   * a third of an order's CPU (bench:order-path profile, 2026-11-30).
   */
  private readonly touch;

  constructor(private readonly db: Db) {
    this.touch = db.$client.prepare<{ userId: number; key: string; lat: number; lng: number; at: string }>(
      `UPDATE saved_addresses SET lat = @lat, lng = @lng, last_used_at = @at, updated_at = @at
       WHERE user_id = @userId AND address_key = @key`,
    );
  }

  /** Named ones first, then the most recently used. */
  list(userId: number): SavedAddress[] {
    return this.db
      .select()
      .from(savedAddresses)
      .where(eq(savedAddresses.userId, userId))
      .orderBy(sql`${savedAddresses.label} = ''`, desc(sql`coalesce(${savedAddresses.lastUsedAt}, ${savedAddresses.createdAt})`), asc(savedAddresses.id))
      .all()
      .map(toWire);
  }

  get(userId: number, id: number): AddressRow {
    const row = this.db.select().from(savedAddresses).where(and(eq(savedAddresses.id, id), eq(savedAddresses.userId, userId))).get();
    if (!row) throw notFound(`Address ${id} not found`, 'unknown_address');
    return row;
  }

  create(userId: number, body: CreateAddressBody): SavedAddress {
    const address = cleaned(body.address);
    const key = addressKey(address);
    if (this.byKey(userId, key)) throw conflict('This address is already saved', 'address_exists');
    if (this.count(userId) >= MAX_ADDRESSES) throw conflict(`At most ${MAX_ADDRESSES} addresses can be saved; delete one first`, 'too_many_addresses');
    const row = this.db
      .insert(savedAddresses)
      .values({ userId, label: cleanText(body.label ?? '').slice(0, 40), address, addressKey: key, lat: body.lat, lng: body.lng })
      .returning()
      .get();
    return toWire(row);
  }

  update(userId: number, id: number, body: UpdateAddressBody): SavedAddress {
    const row = this.get(userId, id);
    const address = body.address !== undefined ? cleaned(body.address) : undefined;
    if (address !== undefined) {
      const other = this.byKey(userId, addressKey(address));
      if (other && other.id !== row.id) throw conflict('This address is already saved', 'address_exists');
    }
    const updated = this.db
      .update(savedAddresses)
      .set({
        ...(body.label !== undefined && { label: cleanText(body.label).slice(0, 40) }),
        ...(address !== undefined && { address, addressKey: addressKey(address) }),
        ...(body.lat !== undefined && { lat: body.lat }),
        ...(body.lng !== undefined && { lng: body.lng }),
        updatedAt: isoNow(),
      })
      .where(eq(savedAddresses.id, row.id))
      .returning()
      .get()!;
    return toWire(updated);
  }

  remove(userId: number, id: number): void {
    const row = this.get(userId, id);
    this.db.delete(savedAddresses).where(eq(savedAddresses.id, row.id)).run();
  }

  /**
   * An address an order was delivered to: the same address (by key) is refreshed (its point and
   * last use), a new one saved without a label. At the limit the least recently used unlabelled
   * one makes room; when every saved one is named, nothing is saved (names are the customer's).
   */
  remember(userId: number, text: string, lat: number, lng: number, at = isoNow()): void {
    const key = addressKey(text);
    if (this.touch.run({ userId, key, lat, lng, at }).changes > 0) return;
    if (this.count(userId) >= MAX_ADDRESSES) {
      const oldest = this.db
        .select({ id: savedAddresses.id })
        .from(savedAddresses)
        .where(and(eq(savedAddresses.userId, userId), eq(savedAddresses.label, '')))
        .orderBy(asc(sql`coalesce(${savedAddresses.lastUsedAt}, ${savedAddresses.createdAt})`))
        .limit(1)
        .get();
      if (!oldest) return;
      this.db.delete(savedAddresses).where(eq(savedAddresses.id, oldest.id)).run();
    }
    this.db.insert(savedAddresses).values({ userId, address: text, addressKey: key, lat, lng, lastUsedAt: at }).run();
  }

  private byKey(userId: number, key: string): AddressRow | undefined {
    return this.db.select().from(savedAddresses).where(and(eq(savedAddresses.userId, userId), eq(savedAddresses.addressKey, key))).get();
  }

  private count(userId: number): number {
    return this.db.select({ n: sql<number>`count(*)` }).from(savedAddresses).where(eq(savedAddresses.userId, userId)).get()?.n ?? 0;
  }
}

function cleaned(text: string): string {
  const clean = cleanText(text);
  if (clean.length < 3) throw badRequest('An address needs at least 3 characters', 'address_required');
  return clean;
}
