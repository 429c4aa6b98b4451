import { defineConfig } from 'drizzle-kit';

/** SQLite migrations; drizzle.postgres.config.ts makes PostgreSQL's from the same schema. */
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/schema.ts',
  out: '../drizzle/sqlite',
});
