import fp from 'fastify-plugin';
import type { EventPayloads, EventType } from '@ordercast/shared';
import { createBus } from '../../events/bus-factory';
import { PgBus } from '../../events/bus-postgres';
import { EventDispatcher } from '../../events/dispatcher';
import { EventLog } from '../../events/log';
import { PgEventLog } from '../../events/log-postgres';
import { PgSql } from '../../db/sql-postgres';
import type { AppendEvent, EventBus, EventStore } from '../../events/types';

/** What hands committed events to the bus: EventDispatcher, or on the PostgreSQL bus nothing but a wake-up (each node reads the log itself). */
interface Dispatch {
  start(): Promise<void>;
  kick(): void;
  stop(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    events: {
      log: EventStore;
      bus: EventBus;
      dispatcher: Dispatch;
      /** Appends to the durable log; call only inside `app.tx`. */
      append: AppendEvent;
    };
  }
}

const done = () => undefined;

export default fp(
  async (app) => {
    const pg = app.sql instanceof PgSql ? app.sql : null;
    const pgLog = pg ? new PgEventLog(pg) : null;
    const log: EventStore = pgLog ?? new EventLog(app.sql);
    const bus = await createBus(app.config, app.log, pg && pgLog ? { sql: pg, log: pgLog } : null);
    const dispatcher: Dispatch =
      bus instanceof PgBus ? { start: async () => undefined, kick: () => bus.wake(), stop: async () => undefined } : new EventDispatcher(app.sql, log, bus, app.log);
    // A new order is appended twice (staff's `new-order`, the customer's `order-created`) with the
    // same object: it is serialised once. Payloads are not changed after they are appended.
    let lastData: unknown;
    let lastJson = '';
    const append: AppendEvent = <T extends EventType>(type: T, rooms: readonly string[], data: EventPayloads[T]) => {
      if (!app.sql.inTx()) return Promise.reject(new Error(`event ${type} appended outside a transaction`));
      if (data !== lastData) {
        lastJson = JSON.stringify(data);
        lastData = data;
      }
      const inserted = log.insert(type, rooms, lastJson);
      return inserted ? inserted.then(done) : Promise.resolve();
    };
    app.decorate('events', { log, bus, dispatcher, append });
    app.onCommit(() => dispatcher.kick());

    const prune = async () => {
      try {
        const removed = await log.prune(app.config.EVENT_LOG_RETENTION_H, app.config.EVENT_LOG_MAX_ROWS);
        if (removed) app.log.info({ removed }, 'event log pruned');
      } catch (err) {
        app.log.error({ err }, 'event log prune failed');
      }
    };
    let pruneTimer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      await dispatcher.start();
      await prune();
      pruneTimer = setInterval(() => void prune(), 10 * 60_000).unref();
    });
    app.addHook('onClose', async () => {
      clearInterval(pruneTimer);
      await dispatcher.stop();
      await bus.close();
    });
  },
  { name: 'events', dependencies: ['db'] },
);
