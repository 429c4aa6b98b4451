import { and, asc, desc, eq } from 'drizzle-orm';
import { toMajor, type AvailabilityResponse, type City, type Menu, type Product, type ProductOptionGroup } from '@ordercast/shared';
import type { Db } from '../db/client';
import { categories, productOptionGroups, productOptionPrices, productOptions, productPrices, products } from '../db/schema';
import type { Announce } from '../events/announce';
import type { RestaurantsService } from '../restaurants/service';
import { notFound } from '../lib/errors';
import { isoNow } from '../lib/time';

export class MenuService {
  constructor(
    private readonly db: Db,
    private readonly announce: Pick<Announce, 'menuUpdated'>,
    /** Cities with their live status and restaurants. */
    private readonly venues: Pick<RestaurantsService, 'cities' | 'city'>,
  ) {}

  /**
   * The stop-list: a dish available or not in one city (call inside app.tx, after checking the
   * caller's city). The change and its `menu-updated` commit together; setting what is already
   * set changes nothing and announces nothing. 404 when the dish is not on that city's menu.
   */
  setAvailability(productId: number, cityId: number, available: boolean): AvailabilityResponse {
    const where = and(eq(productPrices.productId, productId), eq(productPrices.cityId, cityId));
    const row = this.db.select({ price: productPrices.price, available: productPrices.available }).from(productPrices).where(where).get();
    if (!row) throw notFound(`Product ${productId} is not on the menu of city ${cityId}`, 'unknown_product');
    const timestamp = isoNow();
    const update = { cityId, productId, available, price: toMajor(row.price), timestamp };
    if (row.available === available) return { update, changed: false };
    this.db.update(productPrices).set({ available, updatedAt: timestamp }).where(where).run();
    this.announce.menuUpdated(update);
    return { update, changed: true };
  }

  cities(): City[] {
    return this.venues.cities();
  }

  city(cityId: number): City | undefined {
    return this.venues.city(cityId);
  }

  /**
   * Every product's option groups with the options priced in this city (one query), required
   * groups first. An option without a price in the city is not offered there.
   */
  private optionGroups(cityId: number): Map<number, ProductOptionGroup[]> {
    const rows = this.db
      .select({ g: productOptionGroups, o: productOptions, price: productOptionPrices.price, available: productOptionPrices.available })
      .from(productOptionGroups)
      .innerJoin(productOptions, eq(productOptions.groupId, productOptionGroups.id))
      .innerJoin(productOptionPrices, and(eq(productOptionPrices.optionId, productOptions.id), eq(productOptionPrices.cityId, cityId)))
      .orderBy(desc(productOptionGroups.minChoices), asc(productOptionGroups.sort), asc(productOptionGroups.id), asc(productOptions.sort), asc(productOptions.id))
      .all();
    const byProduct = new Map<number, ProductOptionGroup[]>();
    const groups = new Map<number, ProductOptionGroup>();
    for (const { g, o, price, available } of rows) {
      let group = groups.get(g.id);
      if (!group) {
        group = { id: g.id, kind: g.kind, name: g.name, name_en: g.nameEn, min: g.minChoices, max: g.maxChoices, options: [] };
        groups.set(g.id, group);
        const list = byProduct.get(g.productId);
        if (list) list.push(group);
        else byProduct.set(g.productId, [group]);
      }
      group.options.push({ id: o.id, name: o.name, name_en: o.nameEn, price: toMajor(price), available });
    }
    return byProduct;
  }

  /** One query for the products, one for their options: the Mini App shows the menu within one round trip after sign-in. */
  menu(cityId: number): Menu {
    const city = this.city(cityId);
    if (!city) throw notFound(`City ${cityId} not found`, 'unknown_city');
    const cats = this.db.select().from(categories).orderBy(asc(categories.sort), asc(categories.id)).all();
    const rows = this.db
      .select({ p: products, price: productPrices.price, available: productPrices.available })
      .from(products)
      .innerJoin(productPrices, and(eq(productPrices.productId, products.id), eq(productPrices.cityId, cityId)))
      .orderBy(asc(products.sort), asc(products.id))
      .all();
    const options = this.optionGroups(cityId);
    return {
      city,
      categories: cats.map((c) => ({ id: c.id, name: c.name, name_en: c.nameEn, sort: c.sort })),
      products: rows.map(
        ({ p, price, available }): Product => ({
          id: p.id,
          category_id: p.categoryId,
          name: p.name,
          name_en: p.nameEn,
          description: p.description,
          description_en: p.descriptionEn,
          image: p.image,
          price: toMajor(price),
          available,
          weight: p.weight,
          kcal: p.kcal,
          option_groups: options.get(p.id) ?? [],
        }),
      ),
    };
  }
}
