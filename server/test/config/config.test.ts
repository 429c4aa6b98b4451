import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_JWT_SECRET, loadConfig } from '../../src/config/config';

describe('config', () => {
  it('works with no settings at all, using documented defaults and warning about dev secrets', async () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', DATABASE_PATH: './data/app.db', BONUS_EARN_RATE: 0.05, BONUS_MAX_SHARE: 0.3, POS_SIM_PORT: 3100 });
    expect(c.JWT_SECRET).toBe(DEV_JWT_SECRET);
    expect(c.CORS_ORIGINS).toEqual([]);
    expect(c.PUBLIC_URL).toBe('http://127.0.0.1:3000');
    expect(c.warnings.join(' ')).toMatch(/JWT_SECRET/);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['BONUS_EARN_RATE', '1.5'],
    ['BONUS_MAX_SHARE', '-0.1'],
    ['INITDATA_MAX_AGE_S', '0'],
    ['POS_URL', 'ftp://x'],
    ['REDIS_URL', 'localhost:6379'],
    ['TELEGRAM_BOT_TOKEN', 'not-a-token'],
    ['LOG_LEVEL', 'loud'],
    ['JWT_SECRET', 'short'],
    ['CORS_ORIGINS', 'https://ok.example,not an origin'],
  ])('a bad %s is a one-line error naming the variable', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
    expect((err as Error).message).toContain(name);
    expect((err as Error).message).not.toContain('\n');
  });

  it('production refuses to start without JWT_SECRET (every secret: test/security/production-start.test.ts)', async () => {
    expect(() => loadConfig({ NODE_ENV: 'production', TELEGRAM_BOT_TOKEN: '123:abcdefghijklmnop' })).toThrow(/JWT_SECRET/);
    const ok = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'x'.repeat(32),
      TELEGRAM_BOT_TOKEN: '123:abcdefghijklmnop',
      POS_WEBHOOK_SECRET: 'y'.repeat(16),
      TELEGRAM_WEBHOOK_SECRET: 'z'.repeat(16),
    });
    expect(ok.warnings).toEqual([]);
  });

  it('points POS_URL at the embedded simulator when only POS_SIM_PORT is set', async () => {
    expect(loadConfig({}).POS_URL).toBe('http://127.0.0.1:3100');
    expect(loadConfig({ POS_SIM_PORT: '3211' }).POS_URL).toBe('http://127.0.0.1:3211');
    expect(loadConfig({ POS_SIM_PORT: '3211', POS_URL: 'https://pos.example' }).POS_URL).toBe('https://pos.example');
    expect(loadConfig({ POS_SIM_PORT: '0' }).POS_URL).toBe('http://127.0.0.1:3100');
  });

  it('parses the CORS allow-list', async () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example:8443' }).CORS_ORIGINS).toEqual([
      'https://a.example',
      'https://b.example:8443',
    ]);
  });
});
