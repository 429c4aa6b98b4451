import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, openDatabase, runMigrations, type Db } from '../../src/db/client';

/*
 * SQLite's migrations moved from drizzle/ to drizzle/sqlite/ (issue 13). drizzle's migrator knows a
 * database's applied migrations by the `created_at` it recorded (the journal's `when`), and records
 * each file's sha256: neither names the folder. These are the 14 migrations as databases made before
 * the move recorded them; the files must keep their journal times and bytes wherever they live.
 */
const BEFORE_THE_MOVE: Array<[when: number, sha256: string]> = [
  [1795259526834, 'dde121c652f7655390fdba217d9ff1f0610671c9995bb92dd8b744403592010f'],
  [1795956230495, '69ad2f2f074b5251702e7ea10b90d893ef6699bee9406aff1f4afded2421bb74'],
  [1796011489176, '7b481563df8ec3ce7b93d56965703d94a70702389bd2b1e5870e6f33e91ca8d1'],
  [1796013737721, '6cc3cd0f601b06e6a1d989263376d1b37b0ec32257c74b24f954db3e78a0d6a0'],
  [1796015514030, 'b934c24d33b40a9298f294846904c858cc592ef50dcca4e486bfdf8a840459fd'],
  [1796015966564, '922ffa2f164da882af2d912caaef0200415b39d6b39a450bf25b5c1de937c1cf'],
  [1796016701626, 'a037383b1a3d3d4e12684feeed0bf55b684a7b28bc387ceb19444aa46a0330db'],
  [1796017315760, 'ad6d7625fc9fa15851dbcc503fccb811d04aeded39ffd858f7d80bc783e2c5ab'],
  [1796021721747, 'b682c1bdae5bb503fe852d9d27300866e139287d00775ad98dddb4903487f714'],
  [1796027413468, 'bd72218517c4fd681493f28daa30ed423bf1ba334f518e110aca8b546d37ad1d'],
  [1796027701447, '6b899cb8056f8946bb07d2e63571a1ce7956e59be366cc5abec9bb1374ef8119'],
  [1796027889978, 'ff42101dd7c389a4902f329acf1c879ce45f2452bb3969f39c09e58eec02a36d'],
  [1796028014840, '500bc3072cc50da676d4b85e7acdf399df286b61a45a72b02f0f4d2a7a2a4859'],
  [1796028211897, '5377d839195648cddd7c8ab3ef36b5c7a3e349f326e7845e54612a7f3d741279'],
];

const applied = (db: Db) =>
  db.$client.prepare('SELECT id, hash, created_at AS createdAt FROM __drizzle_migrations ORDER BY id').all() as Array<{ id: number; hash: string; createdAt: number }>;
const schemaOf = (db: Db) => db.$client.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();

describe('SQLite migrations in drizzle/sqlite/', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('a database migrated from the old drizzle/ folder is not migrated again from the new one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ordercast-old-migrations-'));
    dirs.push(dir);
    // The old layout: the same files directly under a `drizzle/` folder.
    const oldFolder = join(dir, 'drizzle');
    cpSync(MIGRATIONS_DIR, oldFolder, { recursive: true });
    const db = openDatabase(join(dir, 'old.db'));
    runMigrations(db, oldFolder);
    const before = applied(db);
    expect(before.map((r) => [r.createdAt, r.hash]).slice(0, BEFORE_THE_MOVE.length)).toEqual(BEFORE_THE_MOVE);
    const shape = schemaOf(db);
    // Orders and history written before the switch must survive it untouched.
    db.$client.exec("INSERT INTO cities (id, name, name_en) VALUES (1, 'Москва', 'Moscow')");

    runMigrations(db); // the new default folder
    expect(applied(db)).toEqual(before);
    expect(schemaOf(db)).toEqual(shape);
    expect(db.$client.prepare('SELECT count(*) AS n FROM cities').get()).toEqual({ n: 1 });
    db.$client.close();
  });

  it('a new database gets the same migrations from the new folder', () => {
    const db = openDatabase(':memory:');
    runMigrations(db);
    expect(applied(db).map((r) => [r.createdAt, r.hash]).slice(0, BEFORE_THE_MOVE.length)).toEqual(BEFORE_THE_MOVE);
    db.$client.close();
  });
});
