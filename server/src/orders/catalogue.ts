import { CatalogueMemo } from '../db/catalogue-version';
import { columnsOf } from '../db/rows';
import { cities } from '../db/schema';
import type { Sql } from '../db/sql';

export type CityRow = typeof cities.$inferSelect;

/** A dish as an order prices it in one city. */
export interface PricedProduct {
  id: number;
  name: string;
  nameEn: string;
  price: number;
  available: 0 | 1;
}

/**
 * What `OrdersService.create` reads of the catalogue for every order — the city, and the city's
 * dishes with their prices and stop-list — kept in memory while the catalogue's version holds
 * (db/catalogue-version.ts): two statements per order line became one version read per order.
 */
export class OrderCatalogue {
  private readonly cities;
  private readonly menus;

  constructor(sql: Sql) {
    const cityById = sql.prepare<{ id: number }, CityRow>(`SELECT ${columnsOf(cities)} FROM cities WHERE id = @id`);
    const pricedOfCity = sql.prepare<{ cityId: number }, PricedProduct>(
      `SELECT p.id AS id, p.name AS name, p.name_en AS "nameEn", pp.price AS price, pp.available AS available
       FROM products p JOIN product_prices pp ON pp.product_id = p.id AND pp.city_id = @cityId`,
    );
    this.cities = new CatalogueMemo(sql, (id: number) => cityById.get({ id }));
    this.menus = new CatalogueMemo(sql, async (cityId: number) => new Map((await pricedOfCity.all({ cityId })).map((p) => [p.id, p])));
  }

  city(id: number): Promise<CityRow | undefined> {
    return this.cities.get(id);
  }

  /** The city's dishes by id (a dish the city does not sell is absent). */
  menu(cityId: number): Promise<ReadonlyMap<number, PricedProduct>> {
    return this.menus.get(cityId);
  }
}
