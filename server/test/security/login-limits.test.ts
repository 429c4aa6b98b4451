import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config';
import { buildTestApp, useTestApp, type TestApp } from '../helpers/app';

type Inject = TestApp['app']['inject'];
const login = (inject: Inject, username: string, password: string, forwardedFor?: string) =>
  inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password },
    ...(forwardedFor && { headers: { 'x-forwarded-for': forwardedFor } }),
  });

const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: 'prod-jwt-secret-prod-jwt-secret-0123',
  TELEGRAM_BOT_TOKEN: '5550001111:PROD-bot-token-abcdefghij',
  POS_WEBHOOK_SECRET: 'prod-pos-webhook-secret-42',
  TELEGRAM_WEBHOOK_SECRET: 'prod-telegram-webhook-secret-42',
};

describe('TRUST_PROXY', () => {
  it('is off unless set; true only when written; otherwise addresses, CIDRs or named ranges', async () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig(PRODUCTION).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,192.168.1.5, fd00::/8' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', '192.168.1.5', 'fd00::/8']);
    for (const bad of ['yes', '10.0.0.0/33', '300.1.1.1', '10.0.0.0/8/1', '1']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
    }
  });
});

describe('login limits: whose address counts', () => {
  it('a production start with TRUST_PROXY unset ignores X-Forwarded-For: 40 wrong passwords with rotating headers get 429', async () => {
    const t = await buildTestApp(PRODUCTION);
    try {
      const codes: number[] = [];
      for (let i = 0; i < 40; i++) codes.push((await login(t.app.inject.bind(t.app), 'admin', `wrong-${i}`, `203.0.113.${i + 1}`)).statusCode);
      expect(codes.slice(0, 10).every((c) => c === 401)).toBe(true);
      expect(codes.slice(10).every((c) => c === 429)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('TRUST_PROXY=loopback believes the proxy on 127.0.0.1: each forwarded client has its own count', async () => {
    const t = await buildTestApp({ TRUST_PROXY: 'loopback', LOGIN_RATE_LIMIT: '3' });
    try {
      const inject = t.app.inject.bind(t.app);
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await login(inject, 'manager1', 'nope', '198.51.100.7')).statusCode);
      expect(codes).toEqual([401, 401, 401, 429]);
      expect((await login(inject, 'manager1', 'nope', '198.51.100.8')).statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});

describe('login limits across usernames and addresses', () => {
  const t = useTestApp({ TRUST_PROXY: 'loopback', LOGIN_RATE_LIMIT: '3', LOGIN_ADDRESS_LIMIT: '12', LOGIN_USER_LIMIT: '6' });
  let inject: Inject;
  beforeAll(async () => {
    inject = t.app.inject.bind(t.app);
  });

  it('one address rotating usernames is limited too, and is refused before any password check', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 15; i++) codes.push((await login(inject, `ghost${i}`, 'nope', '192.0.2.50')).statusCode);
    expect(codes.slice(0, 12).every((c) => c === 401)).toBe(true);
    expect(codes.slice(12)).toEqual([429, 429, 429]);
    // Refused before scrypt: ten refused attempts take less time than two that run the hash
    // (measured side by side, so a busy machine slows both alike).
    const time = async (n: number, address: string, code: number) => {
      const started = performance.now();
      for (let i = 0; i < n; i++) expect((await login(inject, `ghost-t${i}`, 'nope', address)).statusCode).toBe(code);
      return performance.now() - started;
    };
    const hashed = await time(2, '192.0.2.52', 401);
    const refused = await time(10, '192.0.2.50', 429);
    expect(refused).toBeLessThan(hashed);
    // Another address is untouched.
    expect((await login(inject, 'ceo', 'demo1234', '192.0.2.51')).statusCode).toBe(200);
  });

  it('many addresses guessing one username lock it, except for an address that signed in to it before', async () => {
    // The real manager signs in from the office first.
    expect((await login(inject, 'manager2', 'demo1234', '192.0.2.100')).statusCode).toBe(200);
    // An attacker spreads wrong passwords over many addresses, each below the per-address limits.
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) codes.push((await login(inject, 'manager2', `guess-${i}`, `10.9.${i}.1`)).statusCode);
    expect(codes.slice(0, 6).every((c) => c === 401)).toBe(true);
    expect(codes.slice(6).every((c) => c === 429)).toBe(true);
    const locked = await login(inject, 'manager2', 'demo1234', '10.9.99.1');
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ error: 'rate_limited', message: expect.stringMatching(/try again in \d+ s/) });
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // The real manager, from the address that signed in before, still gets in.
    expect((await login(inject, 'manager2', 'demo1234', '192.0.2.100')).statusCode).toBe(200);
    // Other accounts are not affected.
    expect((await login(inject, 'admin', 'demo1234', '10.9.99.1')).statusCode).toBe(200);
  });
});
