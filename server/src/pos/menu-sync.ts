import type { FastifyBaseLogger } from 'fastify';
import { toMinor, type MenuSyncState } from '@ordercast/shared';
import type { Sql } from '../db/sql';
import type { Announce } from '../events/announce';
import { isoNow } from '../lib/time';
import type { PosClient } from './client';
import type { PosMenu } from './wire';

export const MENU_STATE_KEY = 'pos.menu_sync';

/** The advisory lock (PostgreSQL) that lets one node at a time import the menu; any fixed number, the same on every node. */
const MENU_IMPORT_LOCK = 0x6d656e75; // "menu"

const EMPTY: MenuSyncState = { status: 'unknown', last_success_at: null, last_attempt_at: null, last_error: null, failures: 0, last_changes: 0 };

/**
 * Imports the POS menu (prices and stop-list per city) on start and every MENU_SYNC_INTERVAL_MS.
 * The POS is the master: a price or availability that differs is overwritten (and announced
 * with `menu-updated`); nothing is written when nothing changed. A failed import keeps the last
 * good menu and tells staff (`sync-error` entity "menu"); the first success after failures says
 * so (`sync-success`).
 */
export class MenuSync {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = true;

  private readonly q;

  constructor(
    private readonly deps: {
      sql: Sql;
      client: PosClient;
      announce: Pick<Announce, 'syncSuccess' | 'syncError' | 'menuUpdated'>;
      log: FastifyBaseLogger;
    },
    private readonly intervalMs: number,
  ) {
    const sql = deps.sql;
    this.q = {
      // Every node imports on its own timer. One import at a time: the next one waits for it, then
      // finds what it wrote and writes and announces nothing twice (nor a recovery twice). SQLite's
      // write transaction already excludes every other writer (BEGIN IMMEDIATE); on PostgreSQL two
      // nodes' transactions would both read the old prices and both announce the change, so the
      // import takes a transaction-scoped advisory lock first.
      importLock: sql.prepare<{ key: number }>({ sqlite: 'SELECT @key AS key', postgres: 'SELECT pg_advisory_xact_lock(@key::bigint)' }),
      state: sql.prepare<{ key: string }, { value: string }>('SELECT value FROM system_state WHERE key = @key'),
      saveState: sql.prepare<{ key: string; value: string; now: string }>(
        `INSERT INTO system_state (key, value, updated_at) VALUES (@key, @value, @now)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      cityIds: sql.prepare<void, { id: number }>('SELECT id FROM cities ORDER BY id'),
      products: sql.prepare<void, { id: number; code: string; weight: number | null; kcal: number | null }>(
        'SELECT id, pos_code AS code, weight, kcal FROM products',
      ),
      prices: sql.prepare<void, { productId: number; cityId: number; price: number; available: number }>(
        'SELECT product_id AS "productId", city_id AS "cityId", price, available FROM product_prices',
      ),
      productFacts: sql.prepare<{ id: number; weight: number | null; kcal: number | null }>('UPDATE products SET weight = @weight, kcal = @kcal WHERE id = @id'),
      upsertPrice: sql.prepare<{ productId: number; cityId: number; price: number; available: number; now: string }>(
        `INSERT INTO product_prices (product_id, city_id, price, available, updated_at) VALUES (@productId, @cityId, @price, @available, @now)
         ON CONFLICT (product_id, city_id) DO UPDATE SET price = excluded.price, available = excluded.available, updated_at = excluded.updated_at`,
      ),
      options: sql.prepare<void, { id: number; code: string }>('SELECT id, pos_code AS code FROM product_options'),
      optionPrices: sql.prepare<void, { optionId: number; cityId: number; price: number; available: number }>(
        'SELECT option_id AS "optionId", city_id AS "cityId", price, available FROM product_option_prices',
      ),
      upsertOptionPrice: sql.prepare<{ optionId: number; cityId: number; price: number; available: number; now: string }>(
        `INSERT INTO product_option_prices (option_id, city_id, price, available, updated_at) VALUES (@optionId, @cityId, @price, @available, @now)
         ON CONFLICT (option_id, city_id) DO UPDATE SET price = excluded.price, available = excluded.available, updated_at = excluded.updated_at`,
      ),
    };
  }

  start(): void {
    this.stopped = false;
    void this.run();
    this.timer = setInterval(() => void this.run(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.current;
  }

  async state(): Promise<MenuSyncState> {
    const row = await this.q.state.get({ key: MENU_STATE_KEY });
    if (!row) return { ...EMPTY };
    try {
      return { ...EMPTY, ...(JSON.parse(row.value) as Partial<MenuSyncState>) };
    } catch {
      return { ...EMPTY };
    }
  }

  /** One import; concurrent calls share the run in progress. */
  run(): Promise<void> {
    this.current ??= this.runOnce()
      .catch((err: unknown) => this.deps.log.error({ err }, 'pos menu sync crashed'))
      .finally(() => {
        this.current = undefined;
      });
    return this.current;
  }

  private async runOnce(): Promise<void> {
    if (this.stopped) return;
    const res = await this.deps.client.getMenu();
    if (!res.ok && res.kind === 'aborted') return;
    const now = isoNow();
    let unknown: string[] = [];
    const next = await this.deps.sql.tx(async () => {
      await this.q.importLock.get({ key: MENU_IMPORT_LOCK });
      const prev = await this.state();
      const cityIds = (await this.q.cityIds.all()).map((c) => c.id);
      let next: MenuSyncState;
      unknown = [];
      if (res.ok) {
        const changes = await this.apply(res.data, now, unknown);
        next = { status: 'ok', last_success_at: now, last_attempt_at: now, last_error: null, failures: 0, last_changes: changes };
        if (prev.status === 'failing') await this.deps.announce.syncSuccess({ entity: 'menu', entityId: 0, timestamp: now }, { allCityIds: cityIds });
      } else {
        next = { ...prev, status: 'failing', last_attempt_at: now, last_error: res.message, failures: prev.failures + 1 };
        await this.deps.announce.syncError(
          {
          entity: 'menu',
          entityId: 0,
          error: res.message,
          timestamp: now,
          attempt: next.failures,
          nextRetryAt: this.stopped ? null : new Date(Date.parse(now) + this.intervalMs).toISOString(),
          cityId: null,
          },
          { allCityIds: cityIds },
        );
      }
      await this.q.saveState.run({ key: MENU_STATE_KEY, value: JSON.stringify(next), now });
      return next;
    });
    if (unknown.length) this.deps.log.warn({ codes: [...new Set(unknown)].slice(0, 20) }, 'pos menu lists codes this server does not know; skipped');
    if (res.ok) this.deps.log.info({ changes: next.last_changes }, 'pos menu imported');
    else this.deps.log.warn({ code: res.code }, `pos menu import failed, keeping the last good menu: ${res.message}`);
  }

  /**
   * Writes what differs; returns how many (product or option, city) rows changed, and products
   * whose weight or kcal changed. Codes the server does not know are skipped.
   */
  private async apply(menu: PosMenu, now: string, unknown: string[]): Promise<number> {
    const productRows = await this.q.products.all();
    const byCode = new Map(productRows.map((p) => [p.code, p.id]));
    const facts = new Map(productRows.map((p) => [p.id, p]));
    const knownCities = new Set((await this.q.cityIds.all()).map((c) => c.id));
    const current = new Map((await this.q.prices.all()).map((r) => [`${r.productId}:${r.cityId}`, r]));
    let changes = 0;
    for (const city of menu.cities) {
      if (!knownCities.has(city.cityId)) continue;
      for (const item of city.items) {
        const productId = byCode.get(item.code);
        if (productId === undefined) {
          unknown.push(item.code);
          continue;
        }
        // Weight and energy are the dish's, not the city's: any city's listing that carries them updates them.
        const known = facts.get(productId)!;
        const weight = item.weight === undefined ? known.weight : item.weight;
        const kcal = item.kcal === undefined ? known.kcal : item.kcal;
        if (weight !== known.weight || kcal !== known.kcal) {
          await this.q.productFacts.run({ id: productId, weight, kcal });
          facts.set(productId, { ...known, weight, kcal });
          changes++;
        }
        const price = toMinor(item.price);
        if (price <= 0) continue;
        const row = current.get(`${productId}:${city.cityId}`);
        if (row && row.price === price && row.available === (item.available ? 1 : 0)) continue;
        await this.q.upsertPrice.run({ productId, cityId: city.cityId, price, available: item.available ? 1 : 0, now });
        changes++;
        await this.deps.announce.menuUpdated({
          cityId: city.cityId,
          productId,
          available: item.available,
          price: item.price,
          timestamp: now,
        });
      }
    }
    changes += await this.applyOptions(menu, knownCities, now, unknown);
    return changes;
  }

  /**
   * Modifiers' prices (0 allowed) and stop-list per city. Not announced one by one: customers get
   * them with their next menu, and an order with an option stopped meanwhile is refused with a
   * clear `option_unavailable`.
   */
  private async applyOptions(menu: PosMenu, knownCities: ReadonlySet<number>, now: string, unknown: string[]): Promise<number> {
    const byCode = new Map((await this.q.options.all()).map((o) => [o.code, o.id]));
    const current = new Map((await this.q.optionPrices.all()).map((r) => [`${r.optionId}:${r.cityId}`, r]));
    let changes = 0;
    for (const city of menu.cities) {
      if (!knownCities.has(city.cityId)) continue;
      for (const option of city.options ?? []) {
        const optionId = byCode.get(option.code);
        if (optionId === undefined) {
          unknown.push(option.code);
          continue;
        }
        const price = toMinor(option.price);
        const row = current.get(`${optionId}:${city.cityId}`);
        if (row && row.price === price && row.available === (option.available ? 1 : 0)) continue;
        await this.q.upsertOptionPrice.run({ optionId, cityId: city.cityId, price, available: option.available ? 1 : 0, now });
        changes++;
      }
    }
    return changes;
  }
}
