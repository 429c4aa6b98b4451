import type { FastifyInstance } from 'fastify';
import { demoInitData, launchHash } from './auth/telegram';
import { DEMO_CUSTOMER, DEMO_STAFF } from './db/seed-data';

/** What `npm start` prints: where everything is and how to try it. */
export function demoLaunchUrl(app: FastifyInstance): string {
  const initData = demoInitData(
    {
      id: DEMO_CUSTOMER.telegramId,
      first_name: DEMO_CUSTOMER.firstName,
      last_name: DEMO_CUSTOMER.lastName,
      username: DEMO_CUSTOMER.username,
      language_code: DEMO_CUSTOMER.languageCode,
    },
    app.config.TELEGRAM_BOT_TOKEN,
  );
  return `${app.config.PUBLIC_URL}/app/#${launchHash(initData)}`;
}

export function printBanner(app: FastifyInstance): void {
  const { PUBLIC_URL, DEMO_PASSWORD, POS_URL, INITDATA_MAX_AGE_S } = app.config;
  const lines = [
    '',
    'ordercast is running',
    `  Mini App (customers):  ${PUBLIC_URL}/app/`,
    `  Admin (staff):         ${PUBLIC_URL}/admin/`,
    `  API / health:          ${PUBLIC_URL}/api  ·  ${PUBLIC_URL}/health`,
    `  Realtime:              ws${PUBLIC_URL.slice(4)}/ws  ·  SSE ${PUBLIC_URL}/sse`,
    `  POS simulator:         ${POS_URL}`,
    `  Staff logins:          ${DEMO_STAFF.map((s) => s.username).join(', ')}  (password: ${DEMO_PASSWORD})`,
    `  Demo customer link (valid ${Math.round(INITDATA_MAX_AGE_S / 3600)} h, opens the Mini App as Telegram would):`,
    `  ${demoLaunchUrl(app)}`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
