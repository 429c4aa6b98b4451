import fp from 'fastify-plugin';
import { BotOutbox } from '../../bot/outbox';
import { BonusLedger } from '../../bonuses/ledger';
import { Announce } from '../../events/announce';
import { MenuService } from '../../menu/service';
import { OrdersService } from '../../orders/service';
import { StatsService } from '../../stats/service';

declare module 'fastify' {
  interface FastifyInstance {
    /** Appends events to the rooms that hear them (events/announce.ts): every writer of events uses it. */
    announce: Announce;
    menu: MenuService;
    ledger: BonusLedger;
    orders: OrdersService;
    stats: StatsService;
  }
}

export default fp(
  async (app) => {
    // With the bot on, each status move also writes the customer's chat message (same transaction).
    const botOutbox = app.config.TELEGRAM_BOT ? new BotOutbox(app.db) : undefined;
    const announce = new Announce(app.events.append, botOutbox && ((order, data) => botOutbox.statusChanged(order, data)));
    app.decorate('announce', announce);
    const ledger = new BonusLedger(app.db, announce);
    app.decorate('ledger', ledger);
    app.decorate('menu', new MenuService(app.db, announce));
    app.decorate('stats', new StatsService(app.db));
    app.decorate(
      'orders',
      new OrdersService(app.db, ledger, announce, {
        earnRate: app.config.BONUS_EARN_RATE,
        maxShare: app.config.BONUS_MAX_SHARE,
      }),
    );
  },
  { name: 'services', dependencies: ['db', 'events', 'auth'] },
);
