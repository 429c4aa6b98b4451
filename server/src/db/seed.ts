import { sql } from 'drizzle-orm';
import { toMinor } from '@ordercast/shared';
import { hashPassword } from '../auth/password';
import type { Db } from './client';
import { bonusLedger, categories, cities, deliveryZones, managerCities, productOptionGroups, productOptionPrices, productOptions, productPrices, products, restaurants, users } from './schema';
import {
  DEMO_CATEGORIES,
  DEMO_CITIES,
  DEMO_CUSTOMER,
  DEMO_OPTION_GROUPS,
  DEMO_PRODUCTS,
  DEMO_RESTAURANTS,
  DEMO_STAFF,
  DEMO_ZONES,
  demoOptionPrice,
  demoPrice,
  optionPosCode,
  posCode,
  productImage,
} from './seed-data';

const isEmpty = (db: Db) => (db.select({ n: sql<number>`count(*)` }).from(cities).get()?.n ?? 0) === 0;

/**
 * Fills demo data into an empty database (no cities yet): the catalogue, staff with the demo
 * password, a demo customer. Development and tests only. Returns whether it did.
 */
export async function seedIfEmpty(db: Db, demoPassword: string): Promise<boolean> {
  if (!isEmpty(db)) return false;
  const hashes = await Promise.all(DEMO_STAFF.map(() => hashPassword(demoPassword)));
  db.$client.transaction(() => {
    insertCatalogue(db);
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

/**
 * The sample catalogue alone (cities and their restaurants, categories, dishes, prices; no people), into a database
 * with no cities: what `npm run seed-catalogue` gives a production start, which seeds nothing by
 * itself. The POS menu import then owns prices and stop-lists. Returns whether it filled it.
 */
export function seedCatalogueIfEmpty(db: Db): boolean {
  if (!isEmpty(db)) return false;
  db.$client.transaction(() => insertCatalogue(db))();
  return true;
}

function insertCatalogue(db: Db): void {
  db.insert(cities).values([...DEMO_CITIES]).run();
  db.insert(restaurants)
    .values(DEMO_RESTAURANTS.map((r) => ({ ...r, hours: JSON.stringify(r.hours) })))
    .run();
  db.insert(deliveryZones)
    .values(
      DEMO_ZONES.map((z) => ({
        ...z,
        geometry: JSON.stringify(z.geometry),
        deliveryFee: toMinor(z.deliveryFee),
        freeFrom: z.freeFrom === null ? null : toMinor(z.freeFrom),
        minOrder: toMinor(z.minOrder),
      })),
    )
    .run();
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
        weight: p.weight,
        kcal: p.kcal,
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
  db.insert(productOptionGroups)
    .values(DEMO_OPTION_GROUPS.map(({ options: _options, ...g }) => ({ ...g, sort: g.id })))
    .run();
  db.insert(productOptions)
    .values(DEMO_OPTION_GROUPS.flatMap((g) => g.options.map((o) => ({ id: o.id, groupId: g.id, posCode: optionPosCode(g, o), name: o.name, nameEn: o.nameEn, sort: o.id }))))
    .run();
  db.insert(productOptionPrices)
    .values(
      DEMO_OPTION_GROUPS.flatMap((g) =>
        g.options.flatMap((o) =>
          DEMO_CITIES.map((c) => ({ optionId: o.id, cityId: c.id, price: toMinor(demoOptionPrice(o, c.id)), available: !(o.unavailableIn ?? []).includes(c.id) })),
        ),
      ),
    )
    .run();
}
