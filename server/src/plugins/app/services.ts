import fp from 'fastify-plugin';
import { BotOutbox } from '../../bot/outbox';
import { BonusLedger } from '../../bonuses/ledger';
import { Announce } from '../../events/announce';
import { MenuService } from '../../menu/service';
import { OrdersService } from '../../orders/service';
import { RestaurantsService } from '../../restaurants/service';
import { StatsService } from '../../stats/service';
import { Api } from 'grammy';
import { OrderPayments } from '../../payments/order-payment';
import { PaymentsService } from '../../payments/service';

/** How often run-out pauses are looked for. */
const PAUSE_SWEEP_MS = 1000;
/** How often unpaid online orders past their time are looked for. */
const PAYMENT_SWEEP_MS = 1000;

declare module 'fastify' {
  interface FastifyInstance {
    /** The bot's outbox writer (bot/outbox.ts); undefined with TELEGRAM_BOT=false. */
    botOutbox: BotOutbox | undefined;
    /** Appends events to the rooms that hear them (events/announce.ts): every writer of events uses it. */
    announce: Announce;
    menu: MenuService;
    ledger: BonusLedger;
    orders: OrdersService;
    restaurants: RestaurantsService;
    stats: StatsService;
    payments: PaymentsService;
  }
}

export default fp(
  async (app) => {
    // With the bot on, each status move also writes the customer's chat message (same transaction).
    const botOutbox = app.config.TELEGRAM_BOT ? new BotOutbox(app.sql) : undefined;
    const announce = new Announce(app.events.append, botOutbox && ((order, data) => botOutbox.statusChanged(order, data)));
    app.decorate('announce', announce);
    app.decorate('botOutbox', botOutbox);
    const ledger = new BonusLedger(app.sql, announce);
    app.decorate('ledger', ledger);
    const restaurants = new RestaurantsService(app.sql, announce);
    app.decorate('restaurants', restaurants);
    app.decorate('menu', new MenuService(app.sql, announce, restaurants));
    app.decorate('stats', new StatsService(app.sql));
    const cfg = app.config;
    // Online payment: invoices are made through the Bot API, so it needs the bot and a provider token.
    const invoiceApi = cfg.TELEGRAM_BOT ? new Api(cfg.TELEGRAM_BOT_TOKEN, { apiRoot: cfg.TELEGRAM_API_ROOT, timeoutSeconds: 15 }) : undefined;
    const orderPayments = new OrderPayments(app.sql, announce, {
      onlineTimeoutS: cfg.ONLINE_PAYMENT_TIMEOUT_S,
      onlineEnabled: invoiceApi !== undefined && cfg.TELEGRAM_PAYMENT_PROVIDER_TOKEN !== null,
    });
    const orders = new OrdersService(app.sql, ledger, announce, {
      earnRate: app.config.BONUS_EARN_RATE,
      maxShare: app.config.BONUS_MAX_SHARE,
    }, restaurants, orderPayments, app.deliveryPricing);
    app.decorate('orders', orders);
    const payments = new PaymentsService(
      {
        sql: app.sql,
        orders,
        payments: orderPayments,
        ...(invoiceApi && { createInvoiceLink: (p) => invoiceApi.createInvoiceLink(p.title, p.description, p.payload, p.provider_token, p.currency, p.prices) }),
        log: app.log.child({ service: 'payments' }),
      },
      { providerToken: cfg.TELEGRAM_PAYMENT_PROVIDER_TOKEN, currency: cfg.PAYMENT_CURRENCY, onlineTimeoutS: cfg.ONLINE_PAYMENT_TIMEOUT_S },
    );
    app.decorate('payments', payments);
    // Online orders left unpaid are cancelled (not_paid): a read of a small partial index each tick.
    // One sweep at a time: a slow one (a busy database) is not overlapped by the next tick.
    let expiring = false;
    const expiry = setInterval(() => {
      if (expiring) return;
      expiring = true;
      payments
        .expireOverdue()
        .catch((err: unknown) => app.log.error({ err }, 'expiring unpaid online orders failed'))
        .finally(() => (expiring = false));
    }, PAYMENT_SWEEP_MS);
    expiry.unref();
    app.addHook('onClose', async () => clearInterval(expiry));
    // A pause with `until` ends by itself: the order path reads it as over at once; this clears it
    // and tells open apps. A read each tick; a write transaction only when one has run out.
    let sweeping = false;
    const sweep = setInterval(() => {
      if (sweeping) return;
      sweeping = true;
      (async () => {
        if (await restaurants.hasExpiredPauses()) await app.tx(() => restaurants.expirePauses());
      })()
        .catch((err: unknown) => app.log.error({ err }, 'clearing expired pauses failed'))
        .finally(() => (sweeping = false));
    }, PAUSE_SWEEP_MS);
    sweep.unref();
    app.addHook('onClose', async () => clearInterval(sweep));
  },
  { name: 'services', dependencies: ['db', 'events', 'auth', 'zones'] },
);
