import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app';
import { ConfigError, DEV_BOT_TOKEN, DEV_JWT_SECRET, DEV_TELEGRAM_WEBHOOK_SECRET, DEV_WEBHOOK_SECRET, loadConfig } from '../../src/config/config';

const SERVER_DIR = resolve(__dirname, '../..');

/** Every secret production requires, each a real (non-default) value. */
const SECRETS = {
  JWT_SECRET: 'prod-jwt-secret-prod-jwt-secret-0123',
  TELEGRAM_BOT_TOKEN: '5550001111:PROD-bot-token-abcdefghij',
  POS_WEBHOOK_SECRET: 'prod-pos-webhook-secret-42',
  TELEGRAM_WEBHOOK_SECRET: 'prod-telegram-webhook-secret-42',
};
const DEFAULTS: Record<keyof typeof SECRETS, string> = {
  JWT_SECRET: DEV_JWT_SECRET,
  TELEGRAM_BOT_TOKEN: DEV_BOT_TOKEN,
  POS_WEBHOOK_SECRET: DEV_WEBHOOK_SECRET,
  TELEGRAM_WEBHOOK_SECRET: DEV_TELEGRAM_WEBHOOK_SECRET,
};

const configError = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`config accepted: ${JSON.stringify(env)}`);
};

describe('production settings', () => {
  it.each(Object.keys(SECRETS) as (keyof typeof SECRETS)[])('refuses to start without %s', (name) => {
    const env: Record<string, string> = { NODE_ENV: 'production', ...SECRETS };
    delete env[name];
    const err = configError(env);
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(/required when NODE_ENV=production/);
    expect(err.message).not.toContain('\n');
  });

  it.each(Object.keys(SECRETS) as (keyof typeof SECRETS)[])('refuses the development default of %s given explicitly', (name) => {
    const err = configError({ NODE_ENV: 'production', ...SECRETS, [name]: DEFAULTS[name] });
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(/development default/);
    // The refusal names the variable, never echoes a secret.
    expect(err.message).not.toContain(DEFAULTS[name]);
  });

  it('starts with every secret set, and warns about nothing', async () => {
    const c = loadConfig({ NODE_ENV: 'production', ...SECRETS });
    expect(c.warnings).toEqual([]);
    expect(c.TELEGRAM_WEBHOOK_SECRET).toBe(SECRETS.TELEGRAM_WEBHOOK_SECRET);
    expect(c.POS_WEBHOOK_SECRET).toBe(SECRETS.POS_WEBHOOK_SECRET);
  });

  it('development gives TELEGRAM_WEBHOOK_SECRET a default', async () => {
    expect(loadConfig({}).TELEGRAM_WEBHOOK_SECRET).toBe(DEV_TELEGRAM_WEBHOOK_SECRET);
    expect(configError({ TELEGRAM_WEBHOOK_SECRET: 'has spaces' }).variable).toBe('TELEGRAM_WEBHOOK_SECRET');
  });
});

describe('development on a public interface', () => {
  const dev = {
    JWT_SECRET: SECRETS.JWT_SECRET,
    POS_WEBHOOK_SECRET: SECRETS.POS_WEBHOOK_SECRET,
    TELEGRAM_BOT_TOKEN: SECRETS.TELEGRAM_BOT_TOKEN,
    TELEGRAM_WEBHOOK_SECRET: SECRETS.TELEGRAM_WEBHOOK_SECRET,
  };

  it.each(['0.0.0.0', '::', '192.168.1.10'])('refuses HOST=%s with the public development secrets, naming what is missing', (host) => {
    for (const nodeEnv of [undefined, 'development']) {
      const err = configError({ HOST: host, ...(nodeEnv && { NODE_ENV: nodeEnv }), JWT_SECRET: SECRETS.JWT_SECRET });
      expect(err.variable).toBe('HOST');
      expect(err.message).toContain('POS_WEBHOOK_SECRET');
      expect(err.message).toContain('TELEGRAM_BOT_TOKEN');
      expect(err.message).not.toMatch(/JWT_SECRET,|JWT_SECRET$/);
      expect(err.message).not.toContain('\n');
    }
    // A dev default written out counts as missing.
    expect(configError({ HOST: host, ...dev, POS_WEBHOOK_SECRET: DEV_WEBHOOK_SECRET }).message).toContain('POS_WEBHOOK_SECRET');
  });

  it('starts on a public interface once the secrets are set, and on loopback without them', async () => {
    expect(loadConfig({ HOST: '0.0.0.0', ...dev }).HOST).toBe('0.0.0.0');
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) expect(loadConfig({ HOST: host }).HOST).toBe(host);
  });

  it('the server process itself refuses such a start with exit code 1', async () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH, HOST: '0.0.0.0', PORT: '0', POS_SIM_PORT: '0', DATABASE_PATH: ':memory:' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toMatch(/Invalid setting HOST: .*JWT_SECRET, POS_WEBHOOK_SECRET, TELEGRAM_BOT_TOKEN/);
  });
});

describe('production start on an empty database', () => {
  let dir: string;
  const dbPath = () => join(dir, 'app.db');
  const prodEnv = () => ({
    NODE_ENV: 'production',
    ...SECRETS,
    DATABASE_PATH: dbPath(),
    LOG_LEVEL: 'silent',
    POS_SIM_PORT: '0',
    POS_URL: 'http://127.0.0.1:9',
    SERVE_APPS: 'false',
    // No internet here: the bot would only retry Telegram in the background.
    TELEGRAM_BOT: 'false',
  });
  const createAdmin = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/create-admin.ts', ...args], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH, ...prodEnv() },
      encoding: 'utf8',
      timeout: 60_000,
    });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ordercast-prod-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates no demo data: no staff, no customers, no demo password', async () => {
    const app = await buildApp(loadConfig(prodEnv()), { logger: false });
    await app.ready();
    try {
      for (const username of ['admin', 'ceo', 'manager1', 'manager2']) {
        const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'demo1234' } });
        expect(res.statusCode).toBe(401);
      }
    } finally {
      await app.close();
    }
    const db = new Database(dbPath(), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM users').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM cities').pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM products').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });

  it('npm run create-admin makes the first admin on it; the printed password signs in over real HTTP', async () => {
    rmSync(dbPath(), { force: true });
    const res = createAdmin(['--username', 'boss', '--name', 'Chief Admin']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    // Not a terminal: a strong password is generated and printed once.
    const password = /password: (\S+)/i.exec(res.stdout)?.[1];
    expect(password).toBeDefined();
    expect(password!.length).toBeGreaterThanOrEqual(20);
    expect(res.stdout.split(password!).length - 1).toBe(1);

    const app = await buildApp(loadConfig(prodEnv()), { logger: false });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'boss', password }),
      });
      expect(login.status).toBe(200);
      const body = (await login.json()) as { token: string; user: { role: string; name: string } };
      expect(body.user).toMatchObject({ role: 'admin', name: 'Chief Admin' });
      const staff = await fetch(`${url}/api/admin/staff`, { headers: { authorization: `Bearer ${body.token}` } });
      expect(staff.status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('refuses an existing username and a malformed one, changing nothing', async () => {
    const again = createAdmin(['--username', 'boss', '--generate']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/"boss" already exists/);
    expect(again.stdout).not.toMatch(/password:/i);
    const bad = createAdmin(['--username', 'Bad Name!']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/username/);
    const missing = createAdmin([]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/--username/);
    const db = new Database(dbPath(), { readonly: true });
    try {
      expect(db.prepare('SELECT username FROM users').pluck().all()).toEqual(['boss']);
    } finally {
      db.close();
    }
  });

  it('npm run seed-catalogue adds the sample cities and menu, and no people, once', async () => {
    const run = () =>
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/seed-catalogue.ts'], {
        cwd: SERVER_DIR,
        env: { PATH: process.env.PATH, ...prodEnv() },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const first = run();
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/sample catalogue written/);
    expect(run().stdout).toMatch(/already has cities; nothing changed/);
    const db = new Database(dbPath(), { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) FROM cities').pluck().get()).toBe(3);
      expect(db.prepare('SELECT count(*) FROM products').pluck().get()).toBeGreaterThan(0);
      expect(db.prepare('SELECT username FROM users').pluck().all()).toEqual(['boss']);
    } finally {
      db.close();
    }
  });
});
