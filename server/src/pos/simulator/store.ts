import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { toMajor, toMinor } from '@ordercast/shared';
import { DEMO_CITIES, DEMO_OPTION_GROUPS, DEMO_PRODUCTS, demoOptionPrice, demoPrice, optionPosCode, posCode } from '../../db/seed-data';
import type { PosMenu, PosMenuItem, PosMenuOption, PosOrder, PosOrderBody, PosOrderItem, PosOrderStatus } from '../wire';

/**
 * The simulated POS's own state: its own SQLite file (or memory), never the server's database.
 * Money is kept in kopecks here too and travels in roubles.
 */
interface OrderRow {
  seq: number;
  pos_order_id: string;
  external_id: number;
  order_number: string;
  city_id: number;
  type: 'delivery' | 'pickup';
  items: string;
  total: number;
  /** The order as the server sent it (JSON of PosOrderBody). */
  body: string;
  status: PosOrderStatus;
  delivered_status: PosOrderStatus | null;
  requests: number;
  history: string;
  cancelled_at: string | null;
  cancel_reason: string | null;
  cancel_requests: number;
  created_at: string;
  updated_at: string;
}

interface MenuRow {
  city_id: number;
  code: string;
  name: string;
  price: number;
  available: number;
  weight: number | null;
  kcal: number | null;
}

interface OptionRow {
  city_id: number;
  code: string;
  product_code: string;
  name: string;
  price: number;
  available: number;
}

export interface KitchenOrder {
  posOrderId: string;
  externalId: number;
  type: 'delivery' | 'pickup';
  status: PosOrderStatus;
  deliveredStatus: PosOrderStatus | null;
  /** When the current status was reached (the webhook's timestamp). */
  statusAt: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pos_orders (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  pos_order_id TEXT NOT NULL UNIQUE,
  external_id INTEGER NOT NULL UNIQUE,
  order_number TEXT NOT NULL,
  city_id INTEGER NOT NULL,
  type TEXT NOT NULL,
  items TEXT NOT NULL,
  total INTEGER NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  delivered_status TEXT,
  requests INTEGER NOT NULL DEFAULT 1,
  history TEXT NOT NULL,
  cancelled_at TEXT,
  cancel_reason TEXT,
  cancel_requests INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pos_menu (
  city_id INTEGER NOT NULL,
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price > 0),
  available INTEGER NOT NULL,
  sort INTEGER NOT NULL,
  PRIMARY KEY (city_id, code)
);
CREATE TABLE IF NOT EXISTS pos_menu_options (
  city_id INTEGER NOT NULL,
  code TEXT NOT NULL,
  product_code TEXT NOT NULL,
  name TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  available INTEGER NOT NULL,
  sort INTEGER NOT NULL,
  PRIMARY KEY (city_id, code)
);
CREATE TABLE IF NOT EXISTS pos_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export class PosStore {
  private readonly db: Database.Database;

  constructor(path = ':memory:') {
    if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
    this.db = new Database(path);
    if (path !== ':memory:') this.db.pragma('journal_mode = WAL');
    this.db.exec(SCHEMA);
    // A simulator file from before cancels: add their columns.
    const cols = new Set((this.db.prepare('PRAGMA table_info(pos_orders)').all() as { name: string }[]).map((c) => c.name));
    if (!cols.has('cancelled_at')) {
      this.db.exec('ALTER TABLE pos_orders ADD cancelled_at TEXT; ALTER TABLE pos_orders ADD cancel_reason TEXT; ALTER TABLE pos_orders ADD cancel_requests INTEGER NOT NULL DEFAULT 0;');
    }
    const menuCols = new Set((this.db.prepare('PRAGMA table_info(pos_menu)').all() as { name: string }[]).map((c) => c.name));
    if (!menuCols.has('weight')) this.db.exec('ALTER TABLE pos_menu ADD weight INTEGER; ALTER TABLE pos_menu ADD kcal INTEGER;');
    this.seedMenu();
    this.seedOptions();
  }

  /** The modifiers (sizes, extras, removals) under their codes, per city; also added to a simulator file from before options. */
  private seedOptions(): void {
    const n = (this.db.prepare('SELECT COUNT(*) AS n FROM pos_menu_options').get() as { n: number }).n;
    if (n > 0) return;
    const insert = this.db.prepare('INSERT INTO pos_menu_options (city_id, code, product_code, name, price, available, sort) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const setWeight = this.db.prepare('UPDATE pos_menu SET weight = ?, kcal = ? WHERE code = ? AND weight IS NULL');
    this.db.transaction(() => {
      for (const p of DEMO_PRODUCTS) setWeight.run(p.weight, p.kcal, posCode(p));
      for (const c of DEMO_CITIES) {
        for (const g of DEMO_OPTION_GROUPS) {
          const product = DEMO_PRODUCTS.find((p) => p.id === g.productId)!;
          for (const o of g.options) {
            insert.run(c.id, optionPosCode(g, o), posCode(product), o.name, toMinor(demoOptionPrice(o, c.id)), (o.unavailableIn ?? []).includes(c.id) ? 0 : 1, o.id);
          }
        }
      }
      this.touchMenu();
    })();
  }

  /** The POS's nomenclature: the chain's dishes under their POS codes, priced per city (as the server's demo data). */
  private seedMenu(): void {
    const n = (this.db.prepare('SELECT COUNT(*) AS n FROM pos_menu').get() as { n: number }).n;
    if (n > 0) return;
    const insert = this.db.prepare('INSERT INTO pos_menu (city_id, code, name, price, available, sort) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const c of DEMO_CITIES) {
        for (const p of DEMO_PRODUCTS) {
          insert.run(c.id, posCode(p), p.name, toMinor(demoPrice(p, c.id)), (p.unavailableIn ?? []).includes(c.id) ? 0 : 1, p.id);
        }
      }
      this.touchMenu();
    })();
  }

  private touchMenu(): void {
    this.db.prepare("INSERT INTO pos_meta (key, value) VALUES ('menu_updated_at', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(new Date().toISOString());
  }

  menu(cityId?: number): PosMenu {
    const rows = (
      cityId === undefined
        ? this.db.prepare('SELECT * FROM pos_menu ORDER BY city_id, sort, code').all()
        : this.db.prepare('SELECT * FROM pos_menu WHERE city_id = ? ORDER BY sort, code').all(cityId)
    ) as MenuRow[];
    const optionRows = (
      cityId === undefined
        ? this.db.prepare('SELECT * FROM pos_menu_options ORDER BY city_id, sort, code').all()
        : this.db.prepare('SELECT * FROM pos_menu_options WHERE city_id = ? ORDER BY sort, code').all(cityId)
    ) as OptionRow[];
    const byCity = new Map<number, { items: PosMenuItem[]; options: PosMenuOption[] }>();
    const cityOf = (id: number) => {
      let c = byCity.get(id);
      if (!c) byCity.set(id, (c = { items: [], options: [] }));
      return c;
    };
    for (const r of rows) {
      cityOf(r.city_id).items.push({ code: r.code, name: r.name, price: toMajor(r.price), available: r.available === 1, weight: r.weight, kcal: r.kcal });
    }
    for (const r of optionRows) cityOf(r.city_id).options.push(toOption(r));
    const updatedAt = (this.db.prepare("SELECT value FROM pos_meta WHERE key = 'menu_updated_at'").get() as { value: string } | undefined)?.value;
    return { updatedAt: updatedAt ?? new Date(0).toISOString(), cities: [...byCity].map(([id, c]) => ({ cityId: id, ...c })) };
  }

  /** A modifier in a city (price in kopecks). */
  menuOption(cityId: number, code: string): { price: number; available: boolean; name: string; productCode: string } | undefined {
    const r = this.db.prepare('SELECT * FROM pos_menu_options WHERE city_id = ? AND code = ?').get(cityId, code) as OptionRow | undefined;
    return r && { price: r.price, available: r.available === 1, name: r.name, productCode: r.product_code };
  }

  /** Price in kopecks (0 allowed). Returns the modifier after the change, or undefined when the city has no such code. */
  patchMenuOption(cityId: number, code: string, patch: { price?: number; available?: boolean }): PosMenuOption | undefined {
    return this.db.transaction(() => {
      const r = this.db.prepare('SELECT * FROM pos_menu_options WHERE city_id = ? AND code = ?').get(cityId, code) as OptionRow | undefined;
      if (!r) return undefined;
      const price = patch.price ?? r.price;
      const available = patch.available ?? r.available === 1;
      this.db.prepare('UPDATE pos_menu_options SET price = ?, available = ? WHERE city_id = ? AND code = ?').run(price, available ? 1 : 0, cityId, code);
      this.touchMenu();
      return toOption({ ...r, price, available: available ? 1 : 0 });
    })();
  }

  menuItem(cityId: number, code: string): { price: number; available: boolean; name: string; weight: number | null; kcal: number | null } | undefined {
    const r = this.db.prepare('SELECT * FROM pos_menu WHERE city_id = ? AND code = ?').get(cityId, code) as MenuRow | undefined;
    return r && { price: r.price, available: r.available === 1, name: r.name, weight: r.weight, kcal: r.kcal };
  }

  hasCity(cityId: number): boolean {
    return this.db.prepare('SELECT 1 FROM pos_menu WHERE city_id = ? LIMIT 1').get(cityId) !== undefined;
  }

  /** Price in kopecks. Returns the item after the change, or undefined when the city has no such code. */
  patchMenuItem(cityId: number, code: string, patch: { price?: number; available?: boolean; weight?: number | null; kcal?: number | null }): PosMenuItem | undefined {
    return this.db.transaction(() => {
      const current = this.menuItem(cityId, code);
      if (!current) return undefined;
      const price = patch.price ?? current.price;
      const available = patch.available ?? current.available;
      const weight = patch.weight === undefined ? current.weight : patch.weight;
      const kcal = patch.kcal === undefined ? current.kcal : patch.kcal;
      this.db.prepare('UPDATE pos_menu SET price = ?, available = ? WHERE city_id = ? AND code = ?').run(price, available ? 1 : 0, cityId, code);
      // Weight and energy belong to the dish: every city's listing of it changes.
      this.db.prepare('UPDATE pos_menu SET weight = ?, kcal = ? WHERE code = ?').run(weight, kcal, code);
      this.touchMenu();
      return { code, name: current.name, price: toMajor(price), available, weight, kcal };
    })();
  }

  private toOrder(r: OrderRow): PosOrder {
    return {
      posOrderId: r.pos_order_id,
      externalId: r.external_id,
      orderNumber: r.order_number,
      cityId: r.city_id,
      type: r.type,
      status: r.status,
      ...restaurantOf(r.body),
      items: JSON.parse(r.items) as PosOrderItem[],
      total: toMajor(r.total),
      deliveryFee: (JSON.parse(r.body) as { deliveryFee?: number }).deliveryFee ?? 0,
      requests: r.requests,
      deliveredStatus: r.delivered_status,
      history: JSON.parse(r.history) as PosOrder['history'],
      cancelledAt: r.cancelled_at,
      cancelReason: r.cancel_reason,
      cancelRequests: r.cancel_requests,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  byExternalId(externalId: number): PosOrder | undefined {
    const r = this.db.prepare('SELECT * FROM pos_orders WHERE external_id = ?').get(externalId) as OrderRow | undefined;
    return r && this.toOrder(r);
  }

  byPosOrderId(posOrderId: string): PosOrder | undefined {
    const r = this.db.prepare('SELECT * FROM pos_orders WHERE pos_order_id = ?').get(posOrderId) as OrderRow | undefined;
    return r && this.toOrder(r);
  }

  list(limit = 1000): PosOrder[] {
    return (this.db.prepare('SELECT * FROM pos_orders ORDER BY seq DESC LIMIT ?').all(limit) as OrderRow[]).map((r) => this.toOrder(r));
  }

  /** Counts a repeated POST of an order the POS already has (idempotent replay). */
  countRepeat(externalId: number): void {
    this.db.prepare('UPDATE pos_orders SET requests = requests + 1 WHERE external_id = ?').run(externalId);
  }

  /** Stores a validated new order as accepted (the POST's answer says so: no callback for that step); returns it. */
  insert(body: PosOrderBody): PosOrder {
    const now = new Date().toISOString();
    return this.db.transaction(() => {
      const seq = ((this.db.prepare('SELECT MAX(seq) AS m FROM pos_orders').get() as { m: number | null }).m ?? 0) + 1;
      const posOrderId = `GUL-${String(seq).padStart(6, '0')}`;
      this.db
        .prepare(
          `INSERT INTO pos_orders (seq, pos_order_id, external_id, order_number, city_id, type, items, total, body, status, delivered_status, history, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'accepted', 'accepted', ?, ?, ?)`,
        )
        .run(
          seq,
          posOrderId,
          body.externalId,
          body.orderNumber,
          body.cityId,
          body.type,
          JSON.stringify(body.items),
          toMinor(body.total),
          JSON.stringify(body),
          JSON.stringify([{ status: 'accepted', at: now }]),
          now,
          now,
        );
      return this.byPosOrderId(posOrderId)!;
    })();
  }

  /** Moves an order to the kitchen's next step. */
  advance(posOrderId: string, status: PosOrderStatus, at: string): void {
    this.db.transaction(() => {
      const r = this.db.prepare('SELECT history FROM pos_orders WHERE pos_order_id = ?').get(posOrderId) as { history: string } | undefined;
      if (!r) return;
      const history = JSON.parse(r.history) as PosOrder['history'];
      history.push({ status, at });
      this.db.prepare('UPDATE pos_orders SET status = ?, history = ?, updated_at = ? WHERE pos_order_id = ?').run(status, JSON.stringify(history), at, posOrderId);
    })();
  }

  /**
   * The server's cancel: `cancelled` (now, or `duplicate` when it already was), `completed` when
   * the kitchen has handed the order over, or undefined for an unknown order. Every call is counted.
   */
  cancel(posOrderId: string, reason: string): { result: 'cancelled' | 'duplicate' | 'completed'; order: PosOrder } | undefined {
    return this.db.transaction(() => {
      const r = this.db.prepare('SELECT * FROM pos_orders WHERE pos_order_id = ?').get(posOrderId) as OrderRow | undefined;
      if (!r) return undefined;
      this.db.prepare('UPDATE pos_orders SET cancel_requests = cancel_requests + 1 WHERE pos_order_id = ?').run(posOrderId);
      const result: 'cancelled' | 'duplicate' | 'completed' = r.cancelled_at ? 'duplicate' : r.status === 'delivered' || r.status === 'picked_up' ? 'completed' : 'cancelled';
      if (result === 'cancelled') {
        const now = new Date().toISOString();
        this.db.prepare('UPDATE pos_orders SET cancelled_at = ?, cancel_reason = ?, updated_at = ? WHERE pos_order_id = ?').run(now, reason, now, posOrderId);
      }
      return { result, order: this.byPosOrderId(posOrderId)! };
    })();
  }

  markDelivered(posOrderId: string, status: PosOrderStatus): void {
    this.db.prepare('UPDATE pos_orders SET delivered_status = ? WHERE pos_order_id = ?').run(status, posOrderId);
  }

  /** Orders the kitchen still has work (or an unacknowledged callback) for: resumed after a restart. */
  kitchenOrders(): KitchenOrder[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM pos_orders WHERE cancelled_at IS NULL AND (status NOT IN ('delivered', 'picked_up') OR delivered_status IS NULL OR delivered_status <> status) ORDER BY seq`,
      )
      .all() as OrderRow[];
    return rows.map((r) => {
      const history = JSON.parse(r.history) as PosOrder['history'];
      return {
        posOrderId: r.pos_order_id,
        externalId: r.external_id,
        type: r.type,
        status: r.status,
        deliveredStatus: r.delivered_status,
        statusAt: history.at(-1)?.at ?? r.updated_at,
      };
    });
  }

  close(): void {
    this.db.close();
  }
}

/** The restaurant and the promised time the server sent with the order (absent from older senders). */
function restaurantOf(body: string): { restaurantCode: string | null; promisedAt: string | null } {
  const b = JSON.parse(body) as Partial<PosOrderBody>;
  return { restaurantCode: b.restaurantCode ?? null, promisedAt: b.promisedAt ?? null };
}

const toOption = (r: OptionRow): PosMenuOption => ({ code: r.code, productCode: r.product_code, name: r.name, price: toMajor(r.price), available: r.available === 1 });
