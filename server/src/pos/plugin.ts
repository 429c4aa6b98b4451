import { dirname, join } from 'node:path';
import fp from 'fastify-plugin';
import { PosOrderState } from '../orders/pos-state';
import { SyncAdmin } from './admin';
import { PosClient } from './client';
import { MenuSync } from './menu-sync';
import { startPosSimulator, type PosSimulator } from './simulator/index';
import { PosSync } from './sync';

declare module 'fastify' {
  interface FastifyInstance {
    /** The external POS as last seen by the sync worker, the menu import or the idle probe. */
    posHealth(): 'up' | 'down' | 'unknown';
    pos: {
      client: PosClient;
      sync: PosSync;
      menu: MenuSync;
      /** The order's POS state: "the POS has it" and kitchen steps (the webhook). */
      state: PosOrderState;
      admin: SyncAdmin;
      /** The embedded simulator when POS_SIM_PORT > 0 (npm start), else undefined. */
      simulator: PosSimulator | undefined;
    };
  }
}

/**
 * The POS integration: the outbox worker that hands every order to the POS, the menu import,
 * the kitchen-callback logic behind /api/pos/webhook, staff's sync view, and (POS_SIM_PORT > 0)
 * the embedded POS simulator on its own port.
 */
export default fp(
  async (app) => {
    const cfg = app.config;
    let simulator: PosSimulator | undefined;
    if (cfg.POS_SIM_PORT > 0) {
      try {
        simulator = await startPosSimulator({
          port: cfg.POS_SIM_PORT,
          // Loopback only: /control is unauthenticated and the server reaches it locally.
          host: '127.0.0.1',
          serverUrl: cfg.PUBLIC_URL,
          webhookSecret: cfg.POS_WEBHOOK_SECRET,
          databasePath: cfg.DATABASE_PATH === ':memory:' ? ':memory:' : join(dirname(cfg.DATABASE_PATH), 'pos-sim.db'),
          // Its request lines would double every order's in the console: at `info` it reports warnings only.
          logger: app.log.child({ service: 'pos-sim' }, app.log.level === 'info' ? { level: 'warn' } : {}),
        });
        app.log.info({ url: simulator.url }, 'POS simulator started');
      } catch (err) {
        // Most likely the port is taken, e.g. by a simulator started with `npm run pos-sim`: the server still runs.
        app.log.error({ err }, `POS simulator could not start on port ${cfg.POS_SIM_PORT}; continuing with POS_URL ${cfg.POS_URL}`);
      }
    }

    const shutdown = new AbortController();
    const client = new PosClient(cfg.POS_URL, cfg.POS_TIMEOUT_MS, shutdown.signal);
    const log = app.log;
    const sql = app.sql;
    const state = new PosOrderState(sql, app.orders, app.announce, log);
    const sync = new PosSync({ sql, client, state, announce: app.announce, log }, {
      maxAttempts: cfg.POS_MAX_ATTEMPTS,
      retryBaseMs: cfg.POS_RETRY_BASE_MS,
      retryMaxMs: cfg.POS_RETRY_MAX_MS,
      timeoutMs: cfg.POS_TIMEOUT_MS,
    });
    const menu = new MenuSync({ sql, client, announce: app.announce, log }, cfg.MENU_SYNC_INTERVAL_MS);
    app.decorate('pos', {
      client,
      sync,
      menu,
      state,
      admin: new SyncAdmin({ sql, client, menu, log }, cfg.POS_MAX_ATTEMPTS),
      simulator,
    });
    app.decorate('posHealth', () => client.health());

    if (cfg.POS_SYNC_WORKER) app.onCommit(() => sync.wake());
    app.addHook('onReady', async () => {
      client.startProbe();
      if (!cfg.POS_SYNC_WORKER) return;
      // Jobs left by an earlier run (killed between commit and sync, or mid-send) are picked up here.
      await sync.start();
      menu.start();
    });
    app.addHook('onClose', async () => {
      shutdown.abort();
      client.stopProbe();
      await Promise.all([sync.stop(), menu.stop()]);
      await simulator?.close();
    });
  },
  { name: 'pos', dependencies: ['services'] },
);
