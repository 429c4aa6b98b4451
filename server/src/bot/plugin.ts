import fp from 'fastify-plugin';
import { startTelegramSimulator, type TelegramSimulator } from '../telegram-sim/index';
import { Api } from 'grammy';
import { createBot } from './bot';
import { BotNotifier } from './notifier';
import { BotPeople } from './people';
import { BotRunner } from './runner';

declare module 'fastify' {
  interface FastifyInstance {
    /** The bot and its runner; undefined with TELEGRAM_BOT=false. */
    telegramBot: BotRunner | undefined;
    /** The sender of the bot's order messages; undefined with TELEGRAM_BOT=false or BOT_NOTIFY_WORKER=false. */
    botNotifier: BotNotifier | undefined;
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
    let notifier: BotNotifier | undefined;
    if (cfg.TELEGRAM_BOT) {
      const log = app.log.child({ service: 'bot' });
      const people = new BotPeople({ sql: app.sql, users: app.users });
      const bot = createBot({
        token: cfg.TELEGRAM_BOT_TOKEN,
        apiRoot: cfg.TELEGRAM_API_ROOT,
        publicUrl: cfg.PUBLIC_URL,
        people,
        payments: app.payments,
        log,
      });
      if (cfg.BOT_NOTIFY_WORKER) {
        notifier = new BotNotifier(
          {
            sql: app.sql,
            api: new Api(cfg.TELEGRAM_BOT_TOKEN, { apiRoot: cfg.TELEGRAM_API_ROOT, timeoutSeconds: 15 }),
            publicUrl: cfg.PUBLIC_URL,
            people,
            // This process's connections only: a customer whose Mini App is connected to another
            // process gets the chat message too (a repeat, never a loss), which is the safe side.
            isOnline: (userId) => app.realtime.hub.connectionsOf(userId).size > 0,
            log,
          },
          { maxAttempts: cfg.BOT_NOTIFY_MAX_ATTEMPTS, retryBaseMs: cfg.BOT_NOTIFY_RETRY_BASE_MS, retryMaxMs: cfg.BOT_NOTIFY_RETRY_MAX_MS },
        );
        const n = notifier;
        app.onCommit(() => n.wake());
      }
      runner = new BotRunner(bot, {
        mode: cfg.TELEGRAM_UPDATES,
        webhookUrl: `${cfg.PUBLIC_URL}${TELEGRAM_WEBHOOK_PATH}`,
        webhookSecret: cfg.TELEGRAM_WEBHOOK_SECRET,
        log,
      });
    }
    app.decorate('telegramBot', runner);
    app.decorate('botNotifier', notifier);

    app.addHook('onReady', async () => {
      runner?.start();
      notifier?.start();
    });
    app.addHook('onClose', async () => {
      await notifier?.stop();
      await runner?.stop();
      await sim?.close();
    });
  },
  { name: 'bot', dependencies: ['db', 'auth', 'services'] },
);
