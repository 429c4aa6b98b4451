import { toMinor } from '@ordercast/shared';
import { hashPassword } from '../auth/password';
import { insertRows } from './rows';
import { perSql, type Sql } from './sql';
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

/**
 * The seed's own statements, prepared once per `Sql` (not on every check: `isEmpty` runs twice per seed).
 * `lock`, inside the seeding transaction: one seeder at a time. On PostgreSQL several nodes may start on one
 * empty database at once; without the lock each would see no cities and insert the same ids. (SQLite's
 * BEGIN IMMEDIATE already admits one writer.)
 */
const statements = perSql((sql) => ({
  countCities: sql.prepare<void, { n: number }>('SELECT count(*) AS n FROM cities'),
  lock: sql.prepare({ sqlite: 'SELECT 1', postgres: 'SELECT pg_advisory_xact_lock(7130014)' }),
}));
const isEmpty = async (sql: Sql) => ((await statements(sql).countCities.get())?.n ?? 0) === 0;

/**
 * Fills demo data into an empty database (no cities yet): the catalogue, staff with the demo
 * password, a demo customer. Development and tests only. Returns whether it did. On PostgreSQL the
 * caller then moves the identity sequences past the ids given here (syncIdentitySequences).
 */
export async function seedIfEmpty(sql: Sql, demoPassword: string): Promise<boolean> {
  if (!(await isEmpty(sql))) return false;
  const hashes = await Promise.all(DEMO_STAFF.map(() => hashPassword(demoPassword)));
  return sql.tx(async () => {
    await statements(sql).lock.get();
    // Two nodes starting at once on one empty PostgreSQL database: the second sees the first's cities.
    if (!(await isEmpty(sql))) return false;
    await insertCatalogue(sql);
    for (const [i, s] of DEMO_STAFF.entries()) {
      const [id] = await insertRows(sql, users, [{ role: s.role, username: s.username, passwordHash: hashes[i]!, name: s.name, language: 'ru' }]);
      if (s.cityIds.length) await insertRows(sql, managerCities, s.cityIds.map((cityId) => ({ userId: id!, cityId })));
    }
    const bonus = toMinor(DEMO_CUSTOMER.bonuses);
    const [customerId] = await insertRows(sql, users, [
      {
        role: 'customer',
        telegramId: DEMO_CUSTOMER.telegramId,
        name: `${DEMO_CUSTOMER.firstName} ${DEMO_CUSTOMER.lastName}`,
        tgUsername: DEMO_CUSTOMER.username,
        language: 'ru',
        bonusBalance: bonus,
      },
    ]);
    await insertRows(sql, bonusLedger, [{ userId: customerId!, type: 'adjusted', amount: bonus, balanceAfter: bonus, comment: 'Welcome bonus' }]);
    return true;
  });
}

/**
 * The sample catalogue alone (cities and their restaurants, categories, dishes, prices; no people), into a database
 * with no cities: what `npm run seed-catalogue` gives a production start, which seeds nothing by
 * itself. The POS menu import then owns prices and stop-lists. Returns whether it filled it.
 */
export async function seedCatalogueIfEmpty(sql: Sql): Promise<boolean> {
  if (!(await isEmpty(sql))) return false;
  return sql.tx(async () => {
    await statements(sql).lock.get();
    if (!(await isEmpty(sql))) return false;
    await insertCatalogue(sql);
    return true;
  });
}

async function insertCatalogue(sql: Sql): Promise<void> {
  await insertRows(sql, cities, [...DEMO_CITIES]);
  await insertRows(
    sql,
    restaurants,
    DEMO_RESTAURANTS.map((r) => ({ ...r, hours: JSON.stringify(r.hours) })),
  );
  await insertRows(
    sql,
    deliveryZones,
    DEMO_ZONES.map((z) => ({
      ...z,
      geometry: JSON.stringify(z.geometry),
      deliveryFee: toMinor(z.deliveryFee),
      freeFrom: z.freeFrom === null ? null : toMinor(z.freeFrom),
      minOrder: toMinor(z.minOrder),
    })),
  );
  await insertRows(sql, categories, [...DEMO_CATEGORIES]);
  await insertRows(
    sql,
    products,
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
  );
  await insertRows(
    sql,
    productPrices,
    DEMO_PRODUCTS.flatMap((p) =>
      DEMO_CITIES.map((c) => ({
        productId: p.id,
        cityId: c.id,
        price: toMinor(demoPrice(p, c.id)),
        available: !(p.unavailableIn ?? []).includes(c.id),
      })),
    ),
  );
  await insertRows(
    sql,
    productOptionGroups,
    DEMO_OPTION_GROUPS.map(({ options: _options, ...g }) => ({ ...g, sort: g.id })),
  );
  await insertRows(
    sql,
    productOptions,
    DEMO_OPTION_GROUPS.flatMap((g) => g.options.map((o) => ({ id: o.id, groupId: g.id, posCode: optionPosCode(g, o), name: o.name, nameEn: o.nameEn, sort: o.id }))),
  );
  await insertRows(
    sql,
    productOptionPrices,
    DEMO_OPTION_GROUPS.flatMap((g) =>
      g.options.flatMap((o) =>
        DEMO_CITIES.map((c) => ({ optionId: o.id, cityId: c.id, price: toMinor(demoOptionPrice(o, c.id)), available: !(o.unavailableIn ?? []).includes(c.id) })),
      ),
    ),
  );
}
