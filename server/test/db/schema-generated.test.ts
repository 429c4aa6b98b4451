import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * Both migration folders are generated from schema.ts (PostgreSQL's through schema-postgres.ts): a
 * change of the schema with only one folder regenerated, or none, fails here. drizzle-kit runs on a
 * copy of each folder and must find nothing to generate.
 */
const server = resolve(import.meta.dirname, '../..');
const drizzleKit = resolve(server, '../node_modules/.bin/drizzle-kit');
const work = mkdtempSync(join(tmpdir(), 'ordercast-drizzle-kit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const files = (dir: string) =>
  Object.fromEntries(readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.sql') || f.endsWith('.json')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));

describe('generated migrations are up to date with the schema', () => {
  for (const [dialect, folder, schema] of [
    ['sqlite', 'sqlite', './src/db/schema.ts'],
    ['postgresql', 'postgres', './src/db/schema-postgres.ts'],
  ] as const) {
    it(`drizzle/${folder}/`, () => {
      const source = resolve(server, '../drizzle', folder);
      const copy = join(work, folder);
      cpSync(source, copy, { recursive: true });
      // drizzle-kit wants the output folder relative to its working directory.
      const out = execFileSync(drizzleKit, ['generate', '--dialect', dialect, '--schema', schema, '--out', relative(server, copy)], {
        cwd: server,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(out).toContain('No schema changes');
      expect(files(copy)).toEqual(files(source));
    }, 60_000);
  }
});
