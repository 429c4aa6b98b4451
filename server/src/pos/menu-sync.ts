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
 *
 * Once per interval for the whole deployment, not once per node: every node's timer is due at the
 * shared state's `last_attempt_at` + interval, and the node that finds it due first claims the
 * attempt (writes `last_attempt_at` under the import lock) before asking the POS; the others find
 * the claim and wait for the next due time. So N nodes make one POS request per interval, and an
 * outage counts one failure and sends one alert per interval, not N. A node that dies after its
 * claim costs one interval's import. `run()` (a manual import) asks the POS at once whatever the
 * state says, and claims too, so the timers count from it.
 */
export class MenuSync {
  private timer: NodeJS.Timeout | undefined;
  /** The import or check in progress and those queued behind it: one at a time per node. */
  private chain: Promise<void> = Promise.resolve();
  /** A manual import queued or in progress: later calls share it. */
  private manual: Promise<void> | undefined;
  private stopped = true;
  /** The first check after start: if another node imported lately, this one still asks the POS once (a light probe) so its /health knows it. */
  private starting = false;

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
      // One claim and one import's writes at a time across nodes: the next one waits for it, then
      // finds what it wrote (a fresh claim: skip; the new prices: nothing to write or announce twice,
      // nor a recovery twice). SQLite's write transaction already excludes every other writer
      // (BEGIN IMMEDIATE); on PostgreSQL two nodes' transactions would both read the old state, so
      // both take a transaction-scoped advisory lock first.
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
    this.starting = true;
    // The check at start is queued at once, so `idle()` right after start waits for its outcome.
    this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.chain;
  }

  /** Resolves when the import or check in progress (and any queued) is done: the start-up outcome is logged by then. */
  idle(): Promise<void> {
    return this.chain;
  }

  /**
   * A manual import: asks the POS now, whatever another node did lately (after the check or import
   * this node is running, if any). Calls while it waits its turn share it.
   */
  run(): Promise<void> {
    this.manual ??= this.enqueue(async () => {
      this.manual = undefined;
      if (this.stopped) return;
      const { at, before } = await this.claim(false);
      await this.importMenu(at, before);
    });
    return this.manual;
  }

  private enqueue(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn).catch((err: unknown) => this.deps.log.error({ err }, 'pos menu sync crashed'));
    this.chain = next;
    return next;
  }

  /** The periodic check: import when due for the deployment, then sleep until the next due time. */
  private tick(): void {
    let delayMs = this.intervalMs;
    void this.enqueue(async () => {
      if (this.stopped) return;
      const { claimed, at, before } = await this.claim(true);
      if (claimed) await this.importMenu(at, before);
      else if (this.starting) await this.deps.client.probe();
      this.starting = false;
      // Never longer than an interval: a node whose clock lags the claimer's checks early and finds it not yet due.
      delayMs = Math.min(this.intervalMs, Math.max(0, Date.parse(at) + this.intervalMs - Date.now()));
    }).finally(() => {
      if (this.stopped) return;
      this.timer = setTimeout(() => this.tick(), delayMs);
      this.timer.unref();
    });
  }

  /**
   * Claims the next attempt for this node: writes `last_attempt_at` = now, `at`. The periodic
   * check claims only when the last attempt of any node is an interval old; else it returns that
   * attempt's time as `at`, unclaimed. A time further ahead than an interval is a clock that was
   * wrong and does not hold the imports back.
   */
  private async claim(periodic: boolean): Promise<{ claimed: boolean; at: string; before: string | null }> {
    return this.locked(async (prev) => {
      const now = Date.now();
      if (periodic && prev.last_attempt_at && Math.abs(now - Date.parse(prev.last_attempt_at)) < this.intervalMs) {
        return { claimed: false, at: prev.last_attempt_at, before: prev.last_attempt_at };
      }
      const at = new Date(now).toISOString();
      await this.q.saveState.run({ key: MENU_STATE_KEY, value: JSON.stringify({ ...prev, last_attempt_at: at }), now: at });
      return { claimed: true, at, before: prev.last_attempt_at };
    });
  }

  /**
   * Gives a claimed attempt back when this node stops before it has an outcome: the attempt time
   * returns to what it was, so another node (or this one, restarted) imports at once instead of
   * an interval later. Only our own claim: a later one (a manual import elsewhere) stays.
   */
  private async release(attemptAt: string, before: string | null): Promise<void> {
    await this.locked(async (prev) => {
      if (prev.last_attempt_at !== attemptAt) return;
      const now = isoNow();
      await this.q.saveState.run({ key: MENU_STATE_KEY, value: JSON.stringify({ ...prev, last_attempt_at: before }), now });
    });
  }

  /** `fn` with the shared state, in a transaction holding the import lock (every write of the state goes through here). */
  private locked<T>(fn: (prev: MenuSyncState) => Promise<T>): Promise<T> {
    return this.deps.sql.tx(async () => {
      await this.q.importLock.get({ key: MENU_IMPORT_LOCK });
      return fn(await this.state());
    });
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

  /** One import, claimed at `attemptAt`: asks the POS, then writes what changed or the failure. */
  private async importMenu(attemptAt: string, before: string | null): Promise<void> {
    const res = await this.deps.client.getMenu();
    if (!res.ok && res.kind === 'aborted') return this.release(attemptAt, before);
    const now = isoNow();
    let unknown: string[] = [];
    const next = await this.locked(async (prev) => {
      // Our claim, or a later one (a manual import on another node meanwhile): the timers count from the latest.
      const lastAttempt = prev.last_attempt_at && prev.last_attempt_at > attemptAt ? prev.last_attempt_at : attemptAt;
      const cityIds = (await this.q.cityIds.all()).map((c) => c.id);
      let next: MenuSyncState;
      unknown = [];
      if (res.ok) {
        const changes = await this.apply(res.data, now, unknown);
        next = { status: 'ok', last_success_at: now, last_attempt_at: lastAttempt, last_error: null, failures: 0, last_changes: changes };
        if (prev.status === 'failing') await this.deps.announce.syncSuccess({ entity: 'menu', entityId: 0, timestamp: now }, { allCityIds: cityIds });
      } else {
        next = { ...prev, status: 'failing', last_attempt_at: lastAttempt, last_error: res.message, failures: prev.failures + 1 };
        await this.deps.announce.syncError(
          {
          entity: 'menu',
          entityId: 0,
          error: res.message,
          timestamp: now,
          attempt: next.failures,
          nextRetryAt: this.stopped ? null : new Date(Date.parse(lastAttempt) + this.intervalMs).toISOString(),
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
