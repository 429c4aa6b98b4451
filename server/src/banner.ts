import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { demoInitData, launchHash } from './auth/telegram';
import type { Config } from './config/config';
import { DEMO_CUSTOMER, DEMO_STAFF } from './db/seed-data';

/**
 * What `npm start` prints once everything is up: where everything is and, in development, how to
 * try it. Production prints addresses only: no staff logins or password (production has no demo
 * accounts), no demo customer link (it would be signed with the real bot token), and no /demo.
 */

/** A Mini App link signed now for the demo customer, exactly as Telegram would open it. */
export function demoLaunchUrl(config: Pick<Config, 'PUBLIC_URL' | 'TELEGRAM_BOT_TOKEN'>): string {
  const initData = demoInitData(
    {
      id: DEMO_CUSTOMER.telegramId,
      first_name: DEMO_CUSTOMER.firstName,
      last_name: DEMO_CUSTOMER.lastName,
      username: DEMO_CUSTOMER.username,
      language_code: DEMO_CUSTOMER.languageCode,
    },
    config.TELEGRAM_BOT_TOKEN,
  );
  return `${config.PUBLIC_URL}/app/#${launchHash(initData)}`;
}

/** Where development writes the demo link (beside the database), so nobody copies it out of a log. */
export function demoLinkPath(config: Pick<Config, 'DATABASE_PATH'>): string | undefined {
  return config.DATABASE_PATH === ':memory:' ? undefined : resolve(dirname(config.DATABASE_PATH), 'demo-link.txt');
}

/** Development only: writes a freshly signed demo link to `demoLinkPath`; returns the path. */
export function writeDemoLink(config: Config): string | undefined {
  const path = demoLinkPath(config);
  if (config.NODE_ENV === 'production' || !path) return undefined;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${demoLaunchUrl(config)}\n`);
  return path;
}

export function bannerLines(config: Config, demoLinkFile?: string): string[] {
  const { PUBLIC_URL, POS_URL, POS_SIM_PORT, DEMO_PASSWORD, INITDATA_MAX_AGE_S } = config;
  const lines = [
    '',
    'ordercast is running',
    `  Mini App (customers):  ${PUBLIC_URL}/app/`,
    `  Admin (staff):         ${PUBLIC_URL}/admin/`,
    `  API / health:          ${PUBLIC_URL}/api  ·  ${PUBLIC_URL}/health`,
    `  API reference:         ${PUBLIC_URL}/docs`,
    `  Realtime:              ws${PUBLIC_URL.slice(4)}/ws  ·  SSE ${PUBLIC_URL}/sse`,
    `  ${POS_SIM_PORT > 0 ? 'POS simulator:        ' : 'POS:                  '} ${POS_URL}`,
  ];
  // The Telegram simulator never runs in production (config forces its port to 0 there).
  if (config.TG_SIM_PORT > 0) lines.push(`  Telegram simulator:    http://127.0.0.1:${config.TG_SIM_PORT}  (the bot's chats; send /start as a user)`);
  if (config.NODE_ENV !== 'production') {
    lines.push(
      `  Staff logins:          ${DEMO_STAFF.map((s) => s.username).join(', ')}  (password: ${DEMO_PASSWORD})`,
      `  Demo customer:         ${PUBLIC_URL}/demo  (opens the Mini App as Telegram would, signed afresh on each visit)`,
    );
    if (demoLinkFile) {
      lines.push(`                         the link itself (valid ${Math.round(INITDATA_MAX_AGE_S / 3600)} h): ${demoLinkFile}`);
    }
  }
  lines.push('');
  return lines;
}

/** Prints the banner after every log line written so far, so it is the last thing on the screen. */
export async function printBanner(app: FastifyInstance, demoLinkFile?: string): Promise<void> {
  await new Promise<void>((done) => {
    const log = app.log as { flush?: (cb: () => void) => void };
    if (typeof log.flush === 'function') log.flush(() => done());
    else done();
  });
  process.stdout.write(bannerLines(app.config, demoLinkFile).join('\n') + '\n');
}
