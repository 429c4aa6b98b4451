/**
 * `npm run create-admin -- --username NAME [--name "Full Name"] [--role admin|ceo] [--generate]`
 *
 * The first staff account of a production database (which gets no demo staff). On a terminal it
 * asks for the password (twice, not echoed) unless --generate; otherwise it generates a strong one
 * and prints it once. Refuses a username that exists. Runs the migrations first, so it works on an
 * empty database before the server has ever started.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Value } from 'typebox/value';
import { CreateStaffBody } from '@ordercast/shared/schemas';
import { UsersService } from '../auth/users';
import { fail, openMigratedDatabase } from './database';
import { askHidden } from './prompt';

const MIN_PASSWORD = (CreateStaffBody.properties.password as { minLength?: number }).minLength ?? 8;

const { values } = parseArgs({
  options: {
    username: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', default: 'admin' },
    generate: { type: 'boolean', default: false },
  },
  strict: true,
});

const username = values.username?.trim().toLowerCase();
if (!username) fail('usage: npm run create-admin -- --username NAME [--name "Full Name"] [--role admin|ceo] [--generate]');
if (!Value.Check(CreateStaffBody.properties.username, username)) {
  fail(`username "${username}" is not 3–32 of a-z 0-9 _ . -`);
}
const role = values.role;
if (role !== 'admin' && role !== 'ceo') fail(`--role must be admin or ceo (got "${role}")`);
const name = (values.name ?? username).trim();
if (!Value.Check(CreateStaffBody.properties.name, name)) fail('--name must be 1–100 characters');

const db = await openMigratedDatabase();
const users = new UsersService(db.sql);
if (await users.byUsername(username)) fail(`"${username}" already exists; nothing changed`);

const interactive = process.stdin.isTTY && !values.generate;
let password: string;
if (interactive) {
  password = await askHidden(`Password for ${username} (at least ${MIN_PASSWORD} characters): `);
  if (password.length < MIN_PASSWORD) fail(`the password must have at least ${MIN_PASSWORD} characters; nothing changed`);
  if ((await askHidden('Repeat it: ')) !== password) fail('the passwords differ; nothing changed');
} else {
  // 144 random bits, URL-safe: typed from a password manager, never remembered.
  password = randomBytes(18).toString('base64url');
}

try {
  const member = await users.createStaff({ username, name, role, password, cityIds: [] });
  console.log(`Created ${member.role} "${member.username}" (id ${member.id}).`);
  if (!interactive) console.log(`Password: ${password}\nIt is shown only this once: store it now.`);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
} finally {
  await db.close();
}
