/**
 * `npm run tg-sim`: the Telegram Bot API simulator on its own, as a separate service.
 * Reads TG_SIM_PORT (default 3200), HOST and TELEGRAM_BOT_TOKEN (the one bot it knows).
 * Point the server at it with TELEGRAM_API_ROOT and start the server with TG_SIM_PORT=0.
 */
import closeWithGrace from 'close-with-grace';
import { loadConfigOrExit } from '../config/config';
import { startTelegramSimulator } from './index';

const config = loadConfigOrExit();
const port = config.TG_SIM_PORT || 3200;

const sim = await startTelegramSimulator({
  port,
  host: config.HOST,
  botToken: config.TELEGRAM_BOT_TOKEN,
  logger: { level: config.LOG_LEVEL },
}).catch((err: unknown) => {
  console.error(`Telegram simulator could not start on port ${port}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

closeWithGrace({ delay: 5_000 }, async () => {
  await sim.close();
});

console.log(`Telegram Bot API simulator at ${sim.url}/bot<token>/<method>; chats at ${sim.url}/`);
console.log(`  GET ${sim.url}/control · POST ${sim.url}/control/updates {kind: start|message|callback|pre_checkout_query|successful_payment|block|unblock, user, …} · POST ${sim.url}/control/faults {rateLimit, errorRate, outage}`);
