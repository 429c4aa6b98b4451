/** `npm run migrate`: applies pending migrations; exits non-zero with the reason on failure. */
import { loadConfigOrExit } from '../config/config';
import { openDatabase, runMigrations } from './client';

const config = loadConfigOrExit();
try {
  const db = openDatabase(config.DATABASE_PATH);
  runMigrations(db);
  db.$client.close();
  console.log(`migrations applied to ${config.DATABASE_PATH}`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
