/** `npm run migrate`: applies pending migrations (SQLite at DATABASE_PATH, or PostgreSQL at DATABASE_URL); exits non-zero with the reason on failure. */
import { loadConfigOrExit } from '../config/config';
import { openMigrated } from '../cli/database';

const config = loadConfigOrExit();
try {
  const db = await openMigrated(config);
  await db.close();
  console.log(`migrations applied to ${db.where}`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
