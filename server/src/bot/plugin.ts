import fp from 'fastify-plugin';
import { startTelegramSimulator, type TelegramSimulator } from '../telegram-sim/index';
import { createBot } from './bot';
import { BotPeople } from './people';
import { BotRunner } from './runner';

declare module 'fastify' {
  interface FastifyInstance {
    /** The bot and its runner; undefined with TELEGRAM_BOT=false. */
    telegramBot: BotRunner | undefined;
    /** The embedded Telegram Bot API simulator when TG_SIM_PORT > 0 (development), else undefined. */
    telegramSim: TelegramSimulator | undefined;
  }
}

export const TELEGRAM_WEBHOOK_PATH = '/api/telegram/webhook';

/**
 * The Telegram side: (TG_SIM_PORT > 0) the embedded Bot API simulator on its own port, and
 * (TELEGRAM_BOT) the grammY bot, brought up in the background once the server is ready.
 */
export default fp(
  async (app) => {
    const cfg = app.config;
    let sim: TelegramSimulator | undefined;
    if (cfg.TG_SIM_PORT > 0) {
      try {
        sim = await startTelegramSimulator({
          port: cfg.TG_SIM_PORT,
          // Loopback only: /control is unauthenticated.
          host: '127.0.0.1',
          botToken: cfg.TELEGRAM_BOT_TOKEN,
          logger: app.log.child({ service: 'tg-sim' }),
        });
        app.log.info({ url: sim.url }, 'Telegram Bot API simulator started');
      } catch (err) {
        // Most likely the port is taken (e.g. by `npm run tg-sim`): the server runs on without it.
        app.log.error({ err }, `Telegram simulator could not start on port ${cfg.TG_SIM_PORT}; the bot uses ${cfg.TELEGRAM_API_ROOT}`);
      }
    }
    app.decorate('telegramSim', sim);

    let runner: BotRunner | undefined;
    if (cfg.TELEGRAM_BOT) {
      const log = app.log.child({ service: 'bot' });
      const bot = createBot({
        token: cfg.TELEGRAM_BOT_TOKEN,
        apiRoot: cfg.TELEGRAM_API_ROOT,
        publicUrl: cfg.PUBLIC_URL,
        people: new BotPeople({ db: app.db, tx: app.tx, users: app.users }),
        log,
      });
      runner = new BotRunner(bot, {
        mode: cfg.TELEGRAM_UPDATES,
        webhookUrl: `${cfg.PUBLIC_URL}${TELEGRAM_WEBHOOK_PATH}`,
        webhookSecret: cfg.TELEGRAM_WEBHOOK_SECRET,
        log,
      });
    }
    app.decorate('telegramBot', runner);

    app.addHook('onReady', async () => {
      runner?.start();
    });
    app.addHook('onClose', async () => {
      await runner?.stop();
      await sim?.close();
    });
  },
  { name: 'bot', dependencies: ['db', 'auth'] },
);
