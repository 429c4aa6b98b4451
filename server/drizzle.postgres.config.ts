import { defineConfig } from 'drizzle-kit';

/** PostgreSQL migrations, from schema.ts translated by src/db/to-postgres.ts. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema-postgres.ts',
  out: '../drizzle/postgres',
});
