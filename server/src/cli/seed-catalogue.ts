/**
 * `npm run seed-catalogue`: the sample cities and menu (no people, no passwords) into a database
 * that has no cities yet. A production start seeds nothing by itself; a chain that starts from
 * this catalogue runs this once, then the POS menu import keeps prices and stop-lists.
 */
import { seedCatalogueIfEmpty } from '../db/seed';
import { openMigratedDatabase } from './database';

const db = await openMigratedDatabase();
try {
  if (await seedCatalogueIfEmpty(db.sql)) {
    await db.syncSequences();
    console.log(`sample catalogue written to ${db.where}`);
  } else console.log(`${db.where} already has cities; nothing changed`);
} finally {
  await db.close();
}
