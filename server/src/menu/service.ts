import { toMajor, type AvailabilityResponse, type City, type Menu, type Product, type ProductOptionGroup } from '@ordercast/shared';
import { columnsOf } from '../db/rows';
import { categories, products } from '../db/schema';
import type { Sql } from '../db/sql';
import type { Announce } from '../events/announce';
import type { RestaurantsService } from '../restaurants/service';
import { notFound } from '../lib/errors';
import { isoNow } from '../lib/time';

type GroupRow = {
  gId: number;
  productId: number;
  kind: ProductOptionGroup['kind'];
  gName: string;
  gNameEn: string;
  min: number;
  max: number;
  oId: number;
  oName: string;
  oNameEn: string;
  price: number;
  available: number;
};

export class MenuService {
  private readonly q;

  constructor(
    sql: Sql,
    private readonly announce: Pick<Announce, 'menuUpdated'>,
    /** Cities with their live status and restaurants. */
    private readonly venues: Pick<RestaurantsService, 'cities' | 'city'>,
  ) {
    this.q = {
      price: sql.prepare<{ productId: number; cityId: number }, { price: number; available: number }>(
        'SELECT price, available FROM product_prices WHERE product_id = @productId AND city_id = @cityId',
      ),
      // Only a real change writes (and is announced): two staff stopping one dish at once announce it once.
      setAvailable: sql.prepare<{ productId: number; cityId: number; available: number; at: string }>(
        'UPDATE product_prices SET available = @available, updated_at = @at WHERE product_id = @productId AND city_id = @cityId AND available <> @available',
      ),
      // Every product's option groups with the options priced in this city, required groups first.
      groups: sql.prepare<{ cityId: number }, GroupRow>(
        `SELECT g.id AS "gId", g.product_id AS "productId", g.kind AS kind, g.name AS "gName", g.name_en AS "gNameEn",
           g.min_choices AS min, g.max_choices AS max, o.id AS "oId", o.name AS "oName", o.name_en AS "oNameEn",
           op.price AS price, op.available AS available
         FROM product_option_groups g
         JOIN product_options o ON o.group_id = g.id
         JOIN product_option_prices op ON op.option_id = o.id AND op.city_id = @cityId
         ORDER BY g.min_choices DESC, g.sort, g.id, o.sort, o.id`,
      ),
      categories: sql.prepare<void, typeof categories.$inferSelect>(`SELECT ${columnsOf(categories)} FROM categories ORDER BY sort, id`),
      products: sql.prepare<{ cityId: number }, typeof products.$inferSelect & { price: number; onMenu: number }>(
        `SELECT ${columnsOf(products, 'p')}, pp.price AS price, pp.available AS "onMenu"
         FROM products p JOIN product_prices pp ON pp.product_id = p.id AND pp.city_id = @cityId
         ORDER BY p.sort, p.id`,
      ),
    };
  }

  /**
   * The stop-list: a dish available or not in one city (call inside app.tx, after checking the
   * caller's city). The change and its `menu-updated` commit together; setting what is already
   * set changes nothing and announces nothing. 404 when the dish is not on that city's menu.
   */
  async setAvailability(productId: number, cityId: number, available: boolean): Promise<AvailabilityResponse> {
    const row = await this.q.price.get({ productId, cityId });
    if (!row) throw notFound(`Product ${productId} is not on the menu of city ${cityId}`, 'unknown_product');
    const timestamp = isoNow();
    const update = { cityId, productId, available, price: toMajor(row.price), timestamp };
    if ((row.available === 1) === available) return { update, changed: false };
    // (Changed by another transaction since the read above: it announced the change.)
    if (!(await this.q.setAvailable.run({ productId, cityId, available: available ? 1 : 0, at: timestamp })).changes) return { update, changed: false };
    await this.announce.menuUpdated(update);
    return { update, changed: true };
  }

  cities(): Promise<City[]> {
    return this.venues.cities();
  }

  city(cityId: number): Promise<City | undefined> {
    return this.venues.city(cityId);
  }

  /**
   * Every product's option groups with the options priced in this city (one query), required
   * groups first. An option without a price in the city is not offered there.
   */
  private async optionGroups(cityId: number): Promise<Map<number, ProductOptionGroup[]>> {
    const rows = await this.q.groups.all({ cityId });
    const byProduct = new Map<number, ProductOptionGroup[]>();
    const groups = new Map<number, ProductOptionGroup>();
    for (const r of rows) {
      let group = groups.get(r.gId);
      if (!group) {
        group = { id: r.gId, kind: r.kind, name: r.gName, name_en: r.gNameEn, min: r.min, max: r.max, options: [] };
        groups.set(r.gId, group);
        const list = byProduct.get(r.productId);
        if (list) list.push(group);
        else byProduct.set(r.productId, [group]);
      }
      group.options.push({ id: r.oId, name: r.oName, name_en: r.oNameEn, price: toMajor(r.price), available: r.available === 1 });
    }
    return byProduct;
  }

  /** One query for the products, one for their options: the Mini App shows the menu within one round trip after sign-in. */
  async menu(cityId: number): Promise<Menu> {
    const city = await this.city(cityId);
    if (!city) throw notFound(`City ${cityId} not found`, 'unknown_city');
    const cats = await this.q.categories.all();
    const rows = await this.q.products.all({ cityId });
    const options = await this.optionGroups(cityId);
    return {
      city,
      categories: cats.map((c) => ({ id: c.id, name: c.name, name_en: c.nameEn, sort: c.sort })),
      products: rows.map(
        (p): Product => ({
          id: p.id,
          category_id: p.categoryId,
          name: p.name,
          name_en: p.nameEn,
          description: p.description,
          description_en: p.descriptionEn,
          image: p.image,
          price: toMajor(p.price),
          available: p.onMenu === 1,
          weight: p.weight,
          kcal: p.kcal,
          option_groups: options.get(p.id) ?? [],
        }),
      ),
    };
  }
}
