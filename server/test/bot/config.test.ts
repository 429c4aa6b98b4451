import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config';

const PROD = {
  NODE_ENV: 'production',
  JWT_SECRET: 'prod-jwt-secret-prod-jwt-secret-0123',
  TELEGRAM_BOT_TOKEN: '5550001111:PROD-bot-token-abcdefghij',
  POS_WEBHOOK_SECRET: 'prod-pos-webhook-secret-42',
  TELEGRAM_WEBHOOK_SECRET: 'prod-telegram-webhook-secret-42',
};

describe('the bot settings', () => {
  it('development: the embedded simulator on 3200, the bot talking to it by long polling', async () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ TELEGRAM_BOT: true, TG_SIM_PORT: 3200, TELEGRAM_API_ROOT: 'http://127.0.0.1:3200', TELEGRAM_UPDATES: 'polling' });
    expect(loadConfig({ TG_SIM_PORT: '3999' }).TELEGRAM_API_ROOT).toBe('http://127.0.0.1:3999');
    expect(loadConfig({ TG_SIM_PORT: '0' }).TELEGRAM_API_ROOT).toBe('https://api.telegram.org');
    expect(loadConfig({ TELEGRAM_API_ROOT: 'http://tg.local:8081/' }).TELEGRAM_API_ROOT).toBe('http://tg.local:8081');
  });

  it('production: Telegram itself, by webhook, and never a simulator', async () => {
    expect(loadConfig(PROD)).toMatchObject({ TG_SIM_PORT: 0, TELEGRAM_API_ROOT: 'https://api.telegram.org', TELEGRAM_UPDATES: 'webhook' });
    expect(loadConfig({ ...PROD, TG_SIM_PORT: '3200' }).TG_SIM_PORT).toBe(0);
    expect(loadConfig({ ...PROD, TELEGRAM_UPDATES: 'polling' }).TELEGRAM_UPDATES).toBe('polling');
  });

  it('TELEGRAM_BOT=false turns the bot off; bad values name the variable', async () => {
    expect(loadConfig({ TELEGRAM_BOT: 'false' }).TELEGRAM_BOT).toBe(false);
    for (const [name, value] of [
      ['TELEGRAM_UPDATES', 'carrier-pigeon'],
      ['TELEGRAM_API_ROOT', 'api.telegram.org'],
      ['TELEGRAM_BOT', 'maybe'],
      ['TG_SIM_PORT', '70000'],
    ] as const) {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
      try {
        loadConfig({ [name]: value });
      } catch (e) {
        expect((e as ConfigError).variable).toBe(name);
      }
    }
  });
});
