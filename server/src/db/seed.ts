import { sql } from 'drizzle-orm';
import { toMinor } from '@ordercast/shared';
import { hashPassword } from '../auth/password';
import type { Db } from './client';
import { bonusLedger, categories, cities, managerCities, productPrices, products, users } from './schema';
import { DEMO_CATEGORIES, DEMO_CITIES, DEMO_CUSTOMER, DEMO_PRODUCTS, DEMO_STAFF, demoPrice, posCode, productImage } from './seed-data';

/** Fills demo data into an empty database (no cities yet). Returns whether it did. */
export async function seedIfEmpty(db: Db, demoPassword: string): Promise<boolean> {
  const count = db.select({ n: sql<number>`count(*)` }).from(cities).get()?.n ?? 0;
  if (count > 0) return false;
  const hashes = await Promise.all(DEMO_STAFF.map(() => hashPassword(demoPassword)));
  db.$client.transaction(() => {
    db.insert(cities).values([...DEMO_CITIES]).run();
    db.insert(categories).values([...DEMO_CATEGORIES]).run();
    db.insert(products)
      .values(
        DEMO_PRODUCTS.map((p) => ({
          id: p.id,
          categoryId: p.categoryId,
          posCode: posCode(p),
          name: p.name,
          nameEn: p.nameEn,
          description: p.description,
          descriptionEn: p.descriptionEn,
          image: productImage(p),
          sort: p.id,
        })),
      )
      .run();
    db.insert(productPrices)
      .values(
        DEMO_PRODUCTS.flatMap((p) =>
          DEMO_CITIES.map((c) => ({
            productId: p.id,
            cityId: c.id,
            price: toMinor(demoPrice(p, c.id)),
            available: !(p.unavailableIn ?? []).includes(c.id),
          })),
        ),
      )
      .run();
    DEMO_STAFF.forEach((s, i) => {
      const row = db
        .insert(users)
        .values({ role: s.role, username: s.username, passwordHash: hashes[i]!, name: s.name, language: 'ru' })
        .returning({ id: users.id })
        .get();
      if (s.cityIds.length) db.insert(managerCities).values(s.cityIds.map((cityId) => ({ userId: row.id, cityId }))).run();
    });
    const bonus = toMinor(DEMO_CUSTOMER.bonuses);
    const customer = db
      .insert(users)
      .values({
        role: 'customer',
        telegramId: DEMO_CUSTOMER.telegramId,
        name: `${DEMO_CUSTOMER.firstName} ${DEMO_CUSTOMER.lastName}`,
        tgUsername: DEMO_CUSTOMER.username,
        language: 'ru',
        bonusBalance: bonus,
      })
      .returning({ id: users.id })
      .get();
    db.insert(bonusLedger).values({ userId: customer.id, type: 'adjusted', amount: bonus, balanceAfter: bonus, comment: 'Welcome bonus' }).run();
  })();
  return true;
}
