import { eq } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { toMinor, type MenuSyncState } from '@ordercast/shared';
import type { Db } from '../db/client';
import { cities, productOptionPrices, productOptions, productPrices, products, systemState } from '../db/schema';
import type { Announce } from '../events/announce';
import { isoNow } from '../lib/time';
import type { PosClient } from './client';
import type { PosMenu } from './wire';

export const MENU_STATE_KEY = 'pos.menu_sync';

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

  constructor(
    private readonly deps: {
      db: Db;
      /** A write transaction. */
      tx: <T>(fn: () => T) => T;
      client: PosClient;
      announce: Pick<Announce, 'syncSuccess' | 'syncError' | 'menuUpdated'>;
      log: FastifyBaseLogger;
    },
    private readonly intervalMs: number,
  ) {}

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

  state(): MenuSyncState {
    const row = this.deps.db.select().from(systemState).where(eq(systemState.key, MENU_STATE_KEY)).get();
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
    this.deps.tx(() => {
      const prev = this.state();
      const cityIds = this.deps.db.select({ id: cities.id }).from(cities).all().map((c) => c.id);
      let next: MenuSyncState;
      if (res.ok) {
        const changes = this.apply(res.data, now);
        next = { status: 'ok', last_success_at: now, last_attempt_at: now, last_error: null, failures: 0, last_changes: changes };
        if (prev.status === 'failing') this.deps.announce.syncSuccess({ entity: 'menu', entityId: 0, timestamp: now }, { allCityIds: cityIds });
      } else {
        next = { ...prev, status: 'failing', last_attempt_at: now, last_error: res.message, failures: prev.failures + 1 };
        this.deps.announce.syncError(
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
      this.deps.db
        .insert(systemState)
        .values({ key: MENU_STATE_KEY, value: JSON.stringify(next), updatedAt: now })
        .onConflictDoUpdate({ target: systemState.key, set: { value: JSON.stringify(next), updatedAt: now } })
        .run();
    });
    if (res.ok) this.deps.log.info({ changes: this.state().last_changes }, 'pos menu imported');
    else this.deps.log.warn({ code: res.code }, `pos menu import failed, keeping the last good menu: ${res.message}`);
  }

  /**
   * Writes what differs; returns how many (product or option, city) rows changed, and products
   * whose weight or kcal changed. Codes the server does not know are skipped.
   */
  private apply(menu: PosMenu, now: string): number {
    const db = this.deps.db;
    const productRows = db.select({ id: products.id, code: products.posCode, weight: products.weight, kcal: products.kcal }).from(products).all();
    const byCode = new Map(productRows.map((p) => [p.code, p.id]));
    const facts = new Map(productRows.map((p) => [p.id, p]));
    const knownCities = new Set(db.select({ id: cities.id }).from(cities).all().map((c) => c.id));
    const current = new Map(
      db
        .select()
        .from(productPrices)
        .all()
        .map((r) => [`${r.productId}:${r.cityId}`, r]),
    );
    let changes = 0;
    const unknown: string[] = [];
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
          db.update(products).set({ weight, kcal }).where(eq(products.id, productId)).run();
          facts.set(productId, { ...known, weight, kcal });
          changes++;
        }
        const price = toMinor(item.price);
        if (price <= 0) continue;
        const row = current.get(`${productId}:${city.cityId}`);
        if (row && row.price === price && row.available === item.available) continue;
        db.insert(productPrices)
          .values({ productId, cityId: city.cityId, price, available: item.available, updatedAt: now })
          .onConflictDoUpdate({ target: [productPrices.productId, productPrices.cityId], set: { price, available: item.available, updatedAt: now } })
          .run();
        changes++;
        this.deps.announce.menuUpdated({
          cityId: city.cityId,
          productId,
          available: item.available,
          price: item.price,
          timestamp: now,
        });
      }
    }
    changes += this.applyOptions(menu, knownCities, now, unknown);
    if (unknown.length) this.deps.log.warn({ codes: [...new Set(unknown)].slice(0, 20) }, 'pos menu lists codes this server does not know; skipped');
    return changes;
  }

  /**
   * Modifiers' prices (0 allowed) and stop-list per city. Not announced one by one: customers get
   * them with their next menu, and an order with an option stopped meanwhile is refused with a
   * clear `option_unavailable`.
   */
  private applyOptions(menu: PosMenu, knownCities: ReadonlySet<number>, now: string, unknown: string[]): number {
    const db = this.deps.db;
    const byCode = new Map(db.select({ id: productOptions.id, code: productOptions.posCode }).from(productOptions).all().map((o) => [o.code, o.id]));
    const current = new Map(
      db
        .select()
        .from(productOptionPrices)
        .all()
        .map((r) => [`${r.optionId}:${r.cityId}`, r]),
    );
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
        if (row && row.price === price && row.available === option.available) continue;
        db.insert(productOptionPrices)
          .values({ optionId, cityId: city.cityId, price, available: option.available, updatedAt: now })
          .onConflictDoUpdate({ target: [productOptionPrices.optionId, productOptionPrices.cityId], set: { price, available: option.available, updatedAt: now } })
          .run();
        changes++;
      }
    }
    return changes;
  }
}
