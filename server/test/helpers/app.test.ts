import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { useLoggedApp, useTestApp } from './app';

let dir = '';
let outside: unknown;

describe('useTestApp', () => {
  const t = useTestApp({ ORDER_WARN_MINUTES: '9' });
  try {
    void t.app;
  } catch (err) {
    outside = err;
  }

  it('builds the app before the tests, with the given settings over the test defaults', async () => {
    dir = t.dir;
    expect(existsSync(t.config.DATABASE_PATH)).toBe(true);
    expect(t.config.DATABASE_PATH.startsWith(dir)).toBe(true);
    expect(t.config.ORDER_WARN_MINUTES).toBe(9);
    expect((await t.app.inject({ url: '/health' })).statusCode).toBe(200);
  });

  it('says where the app can be used when touched before it is built', async () => {
    expect(String(outside)).toMatch(/useTestApp: the app exists between its beforeAll and afterAll/);
  });
});

describe('useLoggedApp', () => {
  const logged = useLoggedApp('debug');

  it('captures the log lines of the app it builds, at the given level', async () => {
    logged.app.log.debug('a debug line from the test');
    await logged.app.inject({ url: '/health' });
    expect(logged.lines.join('')).toContain('a debug line from the test');
  });
});

// Runs after the describe's own afterAll.
afterAll(() => {
  expect(dir).not.toBe('');
  expect(existsSync(dir)).toBe(false);
});
