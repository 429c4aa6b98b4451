import type { SqlText } from './sql';

/** A piece of SQL text that differs between the dialects. */
export type Dialectal = { sqlite: string; postgres: string };

/**
 * SQL text built from parts, some of which differ per dialect: a plain string when none does, else
 * one text per dialect (for `Sql.prepare`).
 */
export function sqlText(strings: TemplateStringsArray, ...parts: (string | number | Dialectal)[]): SqlText {
  let sqlite = strings[0]!;
  let postgres = strings[0]!;
  let differs = false;
  parts.forEach((p, i) => {
    if (typeof p === 'object') {
      differs = true;
      sqlite += p.sqlite;
      postgres += p.postgres;
    } else {
      sqlite += String(p);
      postgres += String(p);
    }
    sqlite += strings[i + 1]!;
    postgres += strings[i + 1]!;
  });
  return differs ? { sqlite, postgres } : sqlite;
}

/**
 * `expr IN (the values of a JSON array parameter)`: a list of any length as one bound parameter,
 * so the statement is prepared once (pass `JSON.stringify(ids)`).
 */
export const inJsonInts = (expr: string, param: string): Dialectal => ({
  sqlite: `${expr} IN (SELECT value FROM json_each(@${param}))`,
  postgres: `${expr} IN (SELECT value::bigint FROM json_array_elements_text(@${param}::json))`,
});

export const inJsonTexts = (expr: string, param: string): Dialectal => ({
  sqlite: `${expr} IN (SELECT value FROM json_each(@${param}))`,
  postgres: `${expr} IN (SELECT value FROM json_array_elements_text(@${param}::json))`,
});

/** The current time as stored (ISO-8601 with milliseconds, UTC), in SQL. */
export const NOW_ISO: Dialectal = {
  sqlite: "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
  postgres: `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
};

/** Caches statements whose text depends on which optional filters a call has (a few shapes each). */
export class StatementCache<S> {
  private readonly byText = new Map<string, S>();
  constructor(private readonly prepare: (text: SqlText) => S) {}
  get(text: SqlText): S {
    const key = typeof text === 'string' ? text : text.sqlite;
    let s = this.byText.get(key);
    if (!s) {
      s = this.prepare(text);
      this.byText.set(key, s);
    }
    return s;
  }
}

/** A unique (or primary key) constraint refused the write, on either database. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * The database cannot take the work right now (no pooled connection free in time, the server
 * unreachable or shutting down): not the client's fault and not a bug, so 503 with Retry-After, the
 * answer a load balancer and a retrying client understand. SQLite's busy timeout is one too.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    code === 'POOL_TIMEOUT' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'SQLITE_BUSY' ||
    // PostgreSQL: connection exceptions (08xxx), admin/crash shutdown, cannot connect now, too many connections.
    (typeof code === 'string' && (/^08/.test(code) || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300'))
  );
}
