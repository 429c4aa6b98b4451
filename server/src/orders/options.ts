import type { CreateOrderBody } from '@ordercast/shared';
import { CatalogueMemo } from '../db/catalogue-version';
import type { Sql } from '../db/sql';
import { columnsOf } from '../db/rows';
import { orderItemOptions } from '../db/schema';
import { badRequest, unprocessable } from '../lib/errors';

/** An option chosen for an order line, priced by the server (kopecks, per unit of the line). */
export type ChosenOption = Omit<typeof orderItemOptions.$inferInsert, 'id' | 'orderItemId'>;
export type ItemOptionRow = typeof orderItemOptions.$inferSelect;

/** A product's group and option as the order path reads them (option columns null for a group without options; price null where the city does not sell it). */
interface GroupOptionRow {
  productId: number;
  groupId: number;
  groupName: string;
  groupNameEn: string;
  min: number;
  max: number;
  optionId: number | null;
  name: string | null;
  nameEn: string | null;
  posCode: string | null;
  price: number | null;
  available: 0 | 1 | null;
}

type CreateItem = CreateOrderBody['items'][number];

/** Option ids in one order: a choice is a set, so [2, 1] and [1, 2] are the same line and the same request. */
export const sortedOptions = (ids: readonly number[] | undefined): number[] => (ids?.length ? [...ids].sort((a, b) => a - b) : []);

/** The key of a cart line: the same dish with other options is another line. */
export const lineKey = (productId: number, optionIds: readonly number[]): string => (optionIds.length ? `${productId}:${optionIds.join(',')}` : String(productId));

/** The body an Idempotency-Key's hash is taken over: options sorted, so a retry listing them in another order replays. */
export function canonicalBody(body: CreateOrderBody): CreateOrderBody {
  if (!body.items.some((i) => i.options?.length)) return body;
  return { ...body, items: body.items.map((i): CreateItem => (i.options?.length ? { ...i, options: sortedOptions(i.options) } : i)) };
}

const quoted = (name: string, nameEn: string) => (nameEn && nameEn !== name ? `"${name}" (${nameEn})` : `"${name}"`);

/**
 * Options on the order path: the one place that prices an order line's options and checks them
 * against their groups' rules (the client's prices are never read), and that stores and reads
 * what was chosen. Statements are prepared once on better-sqlite3, like the rest of the order path.
 */
export class OrderOptions {
  private readonly q;

  /**
   * Every dish's groups and options with the city's prices, by dish, one city at a time: read for
   * every order line, changed rarely, so kept in memory while the catalogue's version holds
   * (db/catalogue-version.ts).
   */
  private readonly groupsOfCity: CatalogueMemo<number, Map<number, GroupOptionRow[]>>;

  constructor(sql: Sql) {
    const groupsOfCity = sql.prepare<{ cityId: number }, GroupOptionRow>(
      `SELECT g.product_id AS "productId", g.id AS "groupId", g.name AS "groupName", g.name_en AS "groupNameEn", g.min_choices AS min, g.max_choices AS max,
         o.id AS "optionId", o.name AS name, o.name_en AS "nameEn", o.pos_code AS "posCode", op.price AS price, op.available AS available
       FROM product_option_groups g
       LEFT JOIN product_options o ON o.group_id = g.id
       LEFT JOIN product_option_prices op ON op.option_id = o.id AND op.city_id = @cityId
       ORDER BY g.product_id, g.min_choices DESC, g.sort, g.id, o.sort, o.id`,
    );
    this.groupsOfCity = new CatalogueMemo(sql, async (cityId: number) => {
      const byProduct = new Map<number, GroupOptionRow[]>();
      for (const r of await groupsOfCity.all({ cityId })) {
        const list = byProduct.get(r.productId);
        if (list) list.push(r);
        else byProduct.set(r.productId, [r]);
      }
      return byProduct;
    });
    this.q = {
      insert: sql.prepare<ChosenOption & { orderItemId: number }>(
        `INSERT INTO order_item_options (order_item_id, option_id, group_name, group_name_en, name, name_en, price, pos_code)
         VALUES (@orderItemId, @optionId, @groupName, @groupNameEn, @name, @nameEn, @price, @posCode)`,
      ),
      ofOrder: sql.prepare<{ orderId: number }, ItemOptionRow>(
        `SELECT ${columnsOf(orderItemOptions)} FROM order_item_options
         WHERE order_item_id IN (SELECT id FROM order_items WHERE order_id = @orderId) ORDER BY id`,
      ),
    };
  }

  /**
   * Prices the chosen options of one line in a city and checks them: each must be an option of
   * this dish (400 `unknown_option`), chosen once (400 `duplicate_option`), sold in the city and not
   * on its stop-list (422 `option_unavailable`); each group needs at least `min` (400
   * `option_required`) and at most `max` (400 `too_many_options`) choices. Messages name the dish
   * and the group. Returns the options in menu order and their price per unit.
   */
  async choose(cityId: number, product: { id: number; name: string }, optionIds: readonly number[]): Promise<{ options: ChosenOption[]; extra: number }> {
    const rows = (await this.groupsOfCity.get(cityId)).get(product.id) ?? [];
    if (rows.length === 0 && optionIds.length === 0) return { options: [], extra: 0 };
    const dish = `"${product.name}"`;
    const chosen = new Set(optionIds);
    if (chosen.size !== optionIds.length) throw badRequest(`An option of ${dish} is listed twice`, 'duplicate_option');
    const known = new Set(rows.map((r) => r.optionId));
    const stranger = optionIds.find((id) => !known.has(id));
    if (stranger !== undefined) throw badRequest(`Option ${stranger} is not an option of ${dish}`, 'unknown_option');

    const counts = new Map<number, { row: GroupOptionRow; n: number }>();
    const options: ChosenOption[] = [];
    let extra = 0;
    for (const r of rows) {
      const group = counts.get(r.groupId) ?? { row: r, n: 0 };
      counts.set(r.groupId, group);
      if (r.optionId === null || !chosen.has(r.optionId)) continue;
      group.n++;
      if (r.price === null || !r.available) {
        throw unprocessable(`${quoted(r.name!, r.nameEn!)} of ${dish} is not available right now`, 'option_unavailable');
      }
      extra += r.price;
      options.push({ optionId: r.optionId, groupName: r.groupName, groupNameEn: r.groupNameEn, name: r.name!, nameEn: r.nameEn!, price: r.price, posCode: r.posCode! });
    }
    for (const { row: g, n } of counts.values()) {
      const group = quoted(g.groupName, g.groupNameEn);
      if (n < g.min) {
        throw badRequest(g.min === 1 && g.max === 1 ? `Choose one of ${group} for ${dish}` : `Choose at least ${g.min} of ${group} for ${dish}`, 'option_required');
      }
      if (n > g.max) throw badRequest(g.max === 1 ? `Only one of ${group} for ${dish}` : `At most ${g.max} of ${group} for ${dish}`, 'too_many_options');
    }
    return { options, extra };
  }

  /** Writes a stored line's options (inside the order's transaction). */
  async store(orderItemId: number, options: readonly ChosenOption[]): Promise<void> {
    for (const o of options) await this.q.insert.run({ orderItemId, ...o });
  }

  /** One order's options by its line ids. */
  async ofOrder(orderId: number): Promise<Map<number, ItemOptionRow[]>> {
    return byItem(await this.q.ofOrder.all({ orderId }));
  }
}

/** Options grouped by their order line. */
export function byItem(rows: readonly ItemOptionRow[]): Map<number, ItemOptionRow[]> {
  const map = new Map<number, ItemOptionRow[]>();
  for (const r of rows) {
    const list = map.get(r.orderItemId);
    if (list) list.push(r);
    else map.set(r.orderItemId, [r]);
  }
  return map;
}
