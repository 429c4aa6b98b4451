import fp from 'fastify-plugin';
import { BonusLedger } from '../../bonuses/ledger';
import { MenuService } from '../../menu/service';
import { OrdersService } from '../../orders/service';
import { StatsService } from '../../stats/service';

declare module 'fastify' {
  interface FastifyInstance {
    menu: MenuService;
    ledger: BonusLedger;
    orders: OrdersService;
    stats: StatsService;
  }
}

export default fp(
  async (app) => {
    const ledger = new BonusLedger(app.db, app.events.append);
    app.decorate('ledger', ledger);
    app.decorate('menu', new MenuService(app.db));
    app.decorate('stats', new StatsService(app.db));
    app.decorate(
      'orders',
      new OrdersService(app.db, ledger, app.events.append, {
        earnRate: app.config.BONUS_EARN_RATE,
        maxShare: app.config.BONUS_MAX_SHARE,
      }),
    );
  },
  { name: 'services', dependencies: ['db', 'events', 'auth'] },
);
