import { and, asc, eq } from 'drizzle-orm';
import { toMajor, type City, type Menu, type Product } from '@ordercast/shared';
import type { Db } from '../db/client';
import { categories, cities, productPrices, products } from '../db/schema';
import { notFound } from '../lib/errors';

export class MenuService {
  constructor(private readonly db: Db) {}

  cities(): City[] {
    return this.db
      .select()
      .from(cities)
      .orderBy(asc(cities.id))
      .all()
      .map((c) => ({ id: c.id, name: c.name, name_en: c.nameEn, timezone: c.timezone }));
  }

  city(cityId: number): City | undefined {
    const c = this.db.select().from(cities).where(eq(cities.id, cityId)).get();
    return c && { id: c.id, name: c.name, name_en: c.nameEn, timezone: c.timezone };
  }

  /** One query for the products: the Mini App shows the menu within one round trip after sign-in. */
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
        }),
      ),
    };
  }
}
