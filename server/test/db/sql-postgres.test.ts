import { requireService } from '../helpers/services';
import { freshDatabase } from '../helpers/pg';
import { PgSql } from '../../src/db/sql-postgres';
import { sqlContract } from './sql-contract';

const pgOptions = await requireService('postgres');

sqlContract(
  'PostgreSQL',
  async () => {
    const db = await freshDatabase();
    const sql = new PgSql(db.url, { poolMax: 10 });
    return {
      sql,
      dispose: async () => {
        await sql.close();
        await db.drop();
      },
    };
  },
  pgOptions,
);
