import type { AddressInfo, Socket } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyError } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { validatorCompiler } from '../../lib/validator';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { toMinor } from '@ordercast/shared';
import {
  ALREADY_COMPLETED,
  PosCancelAccepted,
  PosCancelBody,
  FAST_STEP_MINUTES,
  PosControl,
  PosControlPatch,
  REALISTIC_STEP_MINUTES,
  PosError,
  PosMenu,
  PosMenuItem,
  PosMenuItemPatch,
  PosMenuOption,
  PosOrder,
  PosOrderAccepted,
  PosOrderBody,
} from '../wire';
import { Kitchen } from './kitchen';
import { PosStore } from './store';

export interface PosSimulatorOptions {
  /** 0 = an ephemeral port (tests). */
  port: number;
  host?: string;
  /** The server's base URL the kitchen calls back (`${serverUrl}/api/pos/webhook`); settable later with setServerUrl. */
  serverUrl?: string;
  /** HMAC key for X-POS-Signature (the server's POS_WEBHOOK_SECRET). */
  webhookSecret: string;
  /** The simulator's own SQLite file; default in memory. */
  databasePath?: string;
  /** Initial failure injection and kitchen pace (defaults: no failures, kitchenSpeed 1). */
  control?: Partial<PosControl>;
  /** A logger to use (e.g. the server's child logger), or a level for a logger of its own; default silent. */
  logger?: FastifyBaseLogger | { level: string };
  /** Kitchen clock resolution. */
  tickMs?: number;
  /** Kitchen callbacks open at once (default DEFAULT_WEBHOOK_CONCURRENCY). */
  webhookConcurrency?: number;
}

export interface PosSimulator {
  /** Base URL, e.g. http://127.0.0.1:3100: the server's POS_URL. */
  readonly url: string;
  readonly port: number;
  setServerUrl(url: string): void;
  getControl(): PosControl;
  setControl(patch: PosControlPatch): PosControl;
  close(): Promise<void>;
}

const DEFAULT_CONTROL: PosControl = { latencyMs: 0, failureRate: 0, outage: false, kitchenSpeed: 1, stepMinutes: FAST_STEP_MINUTES };

const posError = (code: string, message: string): PosError => ({ code, message });
const errors = { 400: PosError, 404: PosError, 409: PosError, 422: PosError };

/**
 * Starts the simulated POS ("Гуляш") as its own Fastify instance on its own port, with its own
 * state. The server reaches it only over HTTP at POS_URL, as it would a real POS.
 */
export async function startPosSimulator(opts: PosSimulatorOptions): Promise<PosSimulator> {
  const initial = { ...DEFAULT_CONTROL, ...opts.control };
  if (!Value.Check(PosControl, initial)) throw new Error('invalid POS simulator control settings');
  const control: PosControl = initial;
  const store = new PosStore(opts.databasePath ?? ':memory:');

  const app = Fastify({
    ...(!opts.logger ? { logger: false } : 'child' in opts.logger ? { loggerInstance: opts.logger } : { logger: { level: opts.logger.level } }),
    bodyLimit: 256 * 1024,
    forceCloseConnections: true,
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  const kitchen = new Kitchen(store, () => control.kitchenSpeed, opts.webhookSecret, app.log, opts.tickMs, opts.webhookConcurrency, () => control.stepMinutes);
  kitchen.serverUrl = opts.serverUrl?.replace(/\/$/, '');

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.validation) return reply.code(400).send(posError('VALIDATION_ERROR', err.message));
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send(posError('BAD_REQUEST', err.message));
    app.log.error({ err }, 'pos simulator error');
    return reply.code(500).send(posError('INTERNAL', 'Internal POS error'));
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(posError('NOT_FOUND', `No route ${req.method} ${req.url}`)));

  // Failure injection: everything except /control (so a test can always end an outage).
  const hanging = new Set<Socket>();
  app.addHook('onRequest', async (req, reply) => {
    if (req.url === '/control' || req.url.startsWith('/control?')) return;
    if (control.outage === 'refuse') {
      reply.hijack();
      req.raw.socket.destroy();
      return;
    }
    if (control.outage === 'hang') {
      // Never answered: the caller's timeout is the only way out (closing the simulator ends it too).
      reply.hijack();
      const socket = req.raw.socket;
      hanging.add(socket);
      socket.once('close', () => hanging.delete(socket));
      return;
    }
    if (control.latencyMs > 0) await new Promise((r) => setTimeout(r, control.latencyMs));
    if (control.failureRate > 0 && Math.random() < control.failureRate) {
      return reply.code(503).send(posError('UNAVAILABLE', 'Injected failure (failureRate)'));
    }
  });

  app.post(
    '/orders',
    { schema: { body: PosOrderBody, response: { 200: PosOrderAccepted, 201: PosOrderAccepted, ...errors } } },
    async (req, reply) => {
      const body = req.body;
      const existing = store.byExternalId(body.externalId);
      if (existing) {
        // Idempotent by the caller's order id: the same order, the same posOrderId, nothing new.
        store.countRepeat(body.externalId);
        return reply.code(200).send({ posOrderId: existing.posOrderId, externalId: existing.externalId, status: existing.status, duplicate: true });
      }
      if (!store.hasCity(body.cityId)) {
        return reply.code(422).send(posError('CITY_NOT_FOUND', `No restaurant in city ${body.cityId}`));
      }
      let sum = 0;
      for (const item of body.items) {
        const m = store.menuItem(body.cityId, item.code);
        if (!m) return reply.code(422).send(posError('PRODUCT_NOT_FOUND', `Product ${item.code} is not in the nomenclature of city ${body.cityId}`));
        if (!m.available) return reply.code(422).send(posError('PRODUCT_UNAVAILABLE', `${m.name} (${item.code}) is on the stop-list in city ${body.cityId}`));
        if (toMinor(item.price) !== m.price) {
          return reply
            .code(422)
            .send(posError('PRICE_MISMATCH', `Price of ${item.code} in city ${body.cityId} is ${m.price / 100}, not ${item.price}`));
        }
        // Modifiers are checked like dishes: known for this dish, on sale, at the POS's price.
        let unit = m.price;
        for (const option of item.options ?? []) {
          const o = store.menuOption(body.cityId, option.code);
          if (!o || o.productCode !== item.code) {
            return reply.code(422).send(posError('OPTION_NOT_FOUND', `Modifier ${option.code} of ${item.code} is not in the nomenclature of city ${body.cityId}`));
          }
          if (!o.available) return reply.code(422).send(posError('OPTION_UNAVAILABLE', `${o.name} (${option.code}) is on the stop-list in city ${body.cityId}`));
          if (toMinor(option.price) !== o.price) {
            return reply
              .code(422)
              .send(posError('PRICE_MISMATCH', `Price of modifier ${option.code} in city ${body.cityId} is ${o.price / 100}, not ${option.price}`));
          }
          unit += o.price;
        }
        sum += unit * item.quantity;
      }
      const fee = toMinor(body.deliveryFee ?? 0);
      if (fee > 0 && body.type === 'pickup') return reply.code(422).send(posError('VALIDATION_ERROR', 'A pickup order has no delivery fee'));
      if (sum !== toMinor(body.subtotal) || toMinor(body.subtotal) + fee - toMinor(body.bonusesUsed) !== toMinor(body.total)) {
        return reply
          .code(422)
          .send(posError('TOTAL_MISMATCH', `Items add up to ${sum / 100}; subtotal ${body.subtotal}, delivery ${fee / 100}, bonuses ${body.bonusesUsed}, total ${body.total}`));
      }
      const order = store.insert(body);
      kitchen.add({ posOrderId: order.posOrderId, externalId: order.externalId, type: order.type, status: order.status, deliveredStatus: order.deliveredStatus, statusAt: order.createdAt });
      app.log.info({ posOrderId: order.posOrderId, externalId: order.externalId }, 'pos order accepted');
      return reply.code(201).send({ posOrderId: order.posOrderId, externalId: order.externalId, status: order.status, duplicate: false });
    },
  );

  app.get(
    '/orders',
    {
      schema: {
        querystring: Type.Object({ externalId: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: Type.Object({ orders: Type.Array(PosOrder) }) },
      },
    },
    async (req) => {
      if (req.query.externalId !== undefined) {
        const o = store.byExternalId(req.query.externalId);
        return { orders: o ? [o] : [] };
      }
      return { orders: store.list() };
    },
  );

  app.get(
    '/orders/:posOrderId',
    { schema: { params: Type.Object({ posOrderId: Type.String({ maxLength: 64 }) }), response: { 200: PosOrder, ...errors } } },
    async (req, reply) => {
      const o = store.byPosOrderId(req.params.posOrderId);
      if (!o) return reply.code(404).send(posError('ORDER_NOT_FOUND', `No order ${req.params.posOrderId}`));
      return o;
    },
  );

  app.post(
    '/orders/:posOrderId/cancel',
    { schema: { params: Type.Object({ posOrderId: Type.String({ maxLength: 64 }) }), body: PosCancelBody, response: { 200: PosCancelAccepted, ...errors } } },
    async (req, reply) => {
      const { posOrderId } = req.params;
      const done = store.cancel(posOrderId, req.body.reason);
      if (!done) return reply.code(404).send(posError('ORDER_NOT_FOUND', `No order ${posOrderId}`));
      if (done.result === 'completed') {
        return reply.code(409).send(posError(ALREADY_COMPLETED, `Order ${done.order.orderNumber} was already ${done.order.status.replace('_', ' ')}`));
      }
      // Idempotent: a repeated cancel answers the same, and the kitchen has already let the order go.
      kitchen.remove(posOrderId);
      if (done.result === 'cancelled') app.log.info({ posOrderId, reason: req.body.reason }, 'pos order cancelled');
      return { posOrderId, status: 'cancelled' as const, stoppedAt: done.order.status, duplicate: done.result === 'duplicate' };
    },
  );

  app.get(
    '/menu',
    { schema: { querystring: Type.Object({ cityId: Type.Optional(Type.Integer({ minimum: 1 })) }), response: { 200: PosMenu } } },
    async (req) => store.menu(req.query.cityId),
  );

  app.post('/menu/items', { schema: { body: PosMenuItemPatch, response: { 200: Type.Union([PosMenuItem, PosMenuOption]), ...errors } } }, async (req, reply) => {
    const { cityId, code, price, available, weight, kcal } = req.body;
    const patch = { ...(price !== undefined && { price: toMinor(price) }), ...(available !== undefined && { available }) };
    if (store.menuOption(cityId, code)) return store.patchMenuOption(cityId, code, patch)!;
    if (price !== undefined && patch.price! <= 0) return reply.code(400).send(posError('VALIDATION_ERROR', 'A dish costs more than 0'));
    const item = store.patchMenuItem(cityId, code, { ...patch, ...(weight !== undefined && { weight }), ...(kcal !== undefined && { kcal }) });
    if (!item) return reply.code(404).send(posError('PRODUCT_NOT_FOUND', `Product ${code} is not in the nomenclature of city ${cityId}`));
    return item;
  });

  app.get('/control', { schema: { response: { 200: PosControl } } }, async () => control);
  app.post('/control', { schema: { body: PosControlPatch, response: { 200: PosControl, ...errors } } }, async (req) => setControl(req.body));

  function setControl(patch: PosControlPatch): PosControl {
    const steps = patch.stepMinutes;
    const stepMinutes = steps === 'realistic' ? REALISTIC_STEP_MINUTES : steps === 'fast' ? FAST_STEP_MINUTES : { ...control.stepMinutes, ...steps };
    const next = { ...control, ...patch, stepMinutes };
    if (!Value.Check(PosControl, next)) throw new Error('invalid POS simulator control settings');
    const endingHang = control.outage === 'hang' && next.outage !== 'hang';
    Object.assign(control, next);
    // Requests held by a "hang" outage are dropped when it ends, as a crashed POS would.
    if (endingHang) for (const s of hanging) s.destroy();
    app.log.info({ control }, 'pos simulator control changed');
    return { ...control };
  }

  await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  kitchen.start();
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    setServerUrl(u: string) {
      kitchen.serverUrl = u.replace(/\/$/, '');
    },
    getControl: () => ({ ...control }),
    setControl,
    close() {
      closed ??= (async () => {
        await kitchen.stop();
        await app.close();
        store.close();
      })();
      return closed;
    },
  };
}
