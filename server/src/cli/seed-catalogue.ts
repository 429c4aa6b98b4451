/**
 * `npm run seed-catalogue`: the sample cities and menu (no people, no passwords) into a database
 * that has no cities yet. A production start seeds nothing by itself; a chain that starts from
 * this catalogue runs this once, then the POS menu import keeps prices and stop-lists.
 */
import { seedCatalogueIfEmpty } from '../db/seed';
import { openMigratedDatabase } from './database';

const { db, path } = openMigratedDatabase();
try {
  console.log(seedCatalogueIfEmpty(db) ? `sample catalogue written to ${path}` : `${path} already has cities; nothing changed`);
} finally {
  db.$client.close();
}
