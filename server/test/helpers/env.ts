import { join } from 'node:path';

/**
 * The settings of every server the tests and benchmarks start, in one place. No vitest import
 * here, so the benchmarks (plain node) and the multi-process tests' child servers use it too.
 */

export const TEST_BOT_TOKEN = '1234567890:TEST-ordercast-bot-token';

/**
 * What every test or benchmark server shares: logs silent, a known bot token and JWT secret, the
 * POS simulator off and POS_URL on a closed port, no built apps served. `env` overrides any of them
 * (DATABASE_PATH among them: this sets none).
 */
export function serverEnv(env: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
    JWT_SECRET: 'test-secret-test-secret-test-secret',
    POS_SIM_PORT: '0',
    // Nothing listens here unless a test starts the simulator: sync attempts fail fast and quietly.
    POS_URL: 'http://127.0.0.1:9',
    SERVE_APPS: 'false',
    // The bot and its simulator are off unless a test turns them on (server/test/bot/).
    TELEGRAM_BOT: 'false',
    TG_SIM_PORT: '0',
    ...env,
  };
}

/**
 * The settings every in-process test server starts with: `serverEnv` plus a SQLite file in `dir`.
 * `env` overrides any of them.
 */
export function testEnv(dir: string, env: Record<string, string> = {}): Record<string, string> {
  return serverEnv({
    DATABASE_PATH: join(dir, 'app.db'),
    // Test processes share the CPU, so their event loops lag: load shedding is tested on its own (webhook-pressure.test.ts).
    POS_WEBHOOK_MAX_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
}
