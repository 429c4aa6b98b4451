import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { validatorCompiler } from '../lib/validator';
import { launchHash, signInitData } from '../auth/telegram';
import { chatPage, invoicePage } from './page';
import { SimState, type BotIdentity } from './state';
import { Faults, FaultsPatch, InjectBody, JSON_FIELDS, MethodParams, SimUser, type MethodName, type Params } from './wire';

export interface TelegramSimulatorOptions {
  /** 0 = an ephemeral port (tests). */
  port: number;
  host?: string;
  /** The one bot token this Telegram knows; any other is 401 Unauthorized. */
  botToken: string;
  /** The bot's @username (getMe). */
  botUsername?: string;
  faults?: Partial<Faults>;
  /** A logger to use (e.g. the server's child logger), or a level for a logger of its own; default silent. */
  logger?: FastifyBaseLogger | { level: string };
}

export interface TelegramSimulator {
  /** Base URL, e.g. http://127.0.0.1:3200: the bot's TELEGRAM_API_ROOT and the chat page. */
  readonly url: string;
  readonly port: number;
  readonly state: SimState;
  setFaults(patch: Partial<Faults>): Faults;
  close(): Promise<void>;
}

type Envelope = { ok: true; result: unknown } | { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } };

class ApiError extends Error {
  constructor(
    readonly code: number,
    description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}
const badRequest = (what: string) => new ApiError(400, `Bad Request: ${what}`);

/**
 * Starts a local Telegram Bot API (its own Fastify instance on its own port, its own state in
 * memory) for one bot: `POST|GET /bot<token>/<method>` with Telegram's envelope, `/control` to
 * inject users' updates and faults, and `GET /` the chats as a phone shows them.
 */
export async function startTelegramSimulator(opts: TelegramSimulatorOptions): Promise<TelegramSimulator> {
  const faults: Faults = { rateLimit: null, errorRate: 0, outage: false, ...opts.faults };
  if (!Value.Check(Faults, faults)) throw new Error('invalid Telegram simulator faults');
  const botId = Number(opts.botToken.split(':')[0]);
  if (!Number.isSafeInteger(botId) || botId <= 0) throw new Error('the bot token must start with the bot id and a colon');

  const app = Fastify({
    ...(!opts.logger ? { logger: false } : 'child' in opts.logger ? { loggerInstance: opts.logger } : { logger: { level: opts.logger.level } }),
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
    // A line per long poll and per page refresh would drown the server's log; failures are logged where they happen.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  let baseUrl = '';
  const bot: BotIdentity = {
    id: botId,
    is_bot: true,
    first_name: 'Ordercast',
    username: opts.botUsername ?? 'ordercast_demo_bot',
    can_join_groups: false,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };
  const state = new SimState(bot, app.log, () => baseUrl);

  // The Bot API takes parameters as a query string, form fields or JSON.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body: string, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body)));
  });

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode ?? 500;
    if (req.url.startsWith('/bot')) {
      return reply.code(status >= 500 ? 500 : 400).send({ ok: false, error_code: status >= 500 ? 500 : 400, description: `Bad Request: ${err.message}` });
    }
    if (err.validation) return reply.code(400).send({ error: 'validation_failed', message: err.message });
    if (status < 500) return reply.code(status).send({ error: 'bad_request', message: err.message });
    app.log.error({ err }, 'telegram simulator error');
    return reply.code(500).send({ error: 'internal', message: 'Internal simulator error' });
  });

  /* The Bot API. */

  const methods: { [M in MethodName]: (p: Params<M>, signal: AbortSignal) => unknown } = {
    getMe: () => bot,
    getWebhookInfo: () => ({
      url: state.webhook?.url ?? '',
      has_custom_certificate: false,
      pending_update_count: state.pendingCount,
      ...(state.webhook?.lastErrorDate && { last_error_date: state.webhook.lastErrorDate, last_error_message: state.webhook.lastErrorMessage }),
    }),
    setWebhook: (p) => {
      if (p.url && !/^https?:\/\//.test(p.url)) throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
      state.setWebhook(p.url, p.secret_token, p.drop_pending_updates ?? false);
      return true;
    },
    deleteWebhook: (p) => {
      state.deleteWebhook(p.drop_pending_updates ?? false);
      return true;
    },
    getUpdates: (p, signal) => {
      if (state.webhook) throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
      return state.getUpdates(p.offset, p.limit ?? 100, p.timeout ?? 0, signal);
    },
    sendMessage: (p) => state.botMessage(reachableChat(p.chat_id), p.text, p.reply_markup),
    editMessageText: (p) => {
      const result = state.editBotMessage(reachableChat(p.chat_id), p.message_id, p.text, p.reply_markup);
      if (result === 'not_found') throw badRequest('message to edit not found');
      if (result === 'not_modified') {
        throw badRequest('message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
      }
      return result;
    },
    setChatMenuButton: (p) => {
      const button = p.menu_button ?? { type: 'default' };
      if (p.chat_id === undefined) state.menuButtonDefault = button;
      else knownChat(p.chat_id).menuButton = button;
      return true;
    },
    getChatMenuButton: (p) => (p.chat_id === undefined ? state.menuButtonDefault : (knownChat(p.chat_id).menuButton ?? state.menuButtonDefault)),
    answerCallbackQuery: () => true,
    createInvoiceLink: (p) => {
      // Goods are paid through a provider; only Telegram Stars (XTR) go without one.
      if (p.currency !== 'XTR' && !p.provider_token) throw badRequest('PAYMENT_PROVIDER_INVALID');
      if (p.prices.some((x) => x.amount <= 0)) throw badRequest('CURRENCY_TOTAL_AMOUNT_INVALID');
      const invoice = state.createInvoice({ title: p.title, description: p.description, payload: p.payload, currency: p.currency, prices: p.prices });
      return invoice.link;
    },
    answerPreCheckoutQuery: (p) => {
      if (!p.ok && !p.error_message) throw badRequest('error_message is required when ok is false');
      state.answerPreCheckout(p.pre_checkout_query_id, { ok: p.ok, ...(p.error_message && { error_message: p.error_message }) });
      return true;
    },
  };

  function knownChat(chatId: number | string) {
    const chat = state.chats.get(Number(chatId));
    if (!chat) throw badRequest('chat not found');
    return chat;
  }
  function reachableChat(chatId: number | string) {
    const chat = knownChat(chatId);
    if (chat.blocked) throw new ApiError(403, 'Forbidden: bot was blocked by the user');
    return chat;
  }

  function parseParams(method: MethodName, raw: Record<string, unknown>): unknown {
    const input: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v === 'string' && JSON_FIELDS.has(k)) {
        try {
          input[k] = JSON.parse(v);
        } catch {
          throw badRequest(`can't parse ${k} JSON object`);
        }
      } else input[k] = v;
    }
    const schema = MethodParams[method];
    const params = Value.Check(schema, input) ? input : Value.Convert(schema, input);
    if (!Value.Check(schema, params)) {
      const first = Value.Errors(schema, params)[0];
      throw badRequest(`${first?.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'parameters'} ${first?.message ?? 'invalid'}`);
    }
    return params;
  }

  const send = (reply: FastifyReply, status: number, body: Envelope) => reply.code(status).header('content-type', 'application/json').send(body);

  app.route({
    method: ['GET', 'POST'],
    url: '/bot:token/:method',
    schema: { params: Type.Object({ token: Type.String({ maxLength: 200 }), method: Type.String({ maxLength: 64 }) }) },
    handler: async (req, reply) => {
      if (faults.outage) {
        reply.hijack();
        req.raw.socket.destroy();
        return;
      }
      const methodName = req.params.method;
      const chatId = chatOf(req.body) ?? chatOf(req.query);
      const record = (status: number) => state.recordCall({ method: methodName, status, at: Date.now(), ...(chatId !== undefined && { chat_id: chatId }) });
      if (req.params.token !== opts.botToken) {
        record(401);
        return send(reply, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      }
      const rl = faults.rateLimit;
      if (rl && (!rl.method || rl.method === methodName)) {
        faults.rateLimit = rl.calls > 1 ? { ...rl, calls: rl.calls - 1 } : null;
        record(429);
        return send(reply, 429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${rl.retryAfter}`, parameters: { retry_after: rl.retryAfter } });
      }
      if (faults.errorRate > 0 && Math.random() < faults.errorRate) {
        record(500);
        return send(reply, 500, { ok: false, error_code: 500, description: 'Internal Server Error' });
      }
      const method = (Object.hasOwn(methods, methodName) ? methodName : undefined) as MethodName | undefined;
      if (!method) {
        record(404);
        return send(reply, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
      }
      try {
        const params = parseParams(method, { ...(req.query as object), ...(typeof req.body === 'object' && req.body) });
        const abort = new AbortController();
        // The response's close (not the request's, which fires once the body is read): the caller hung up.
        reply.raw.on('close', () => abort.abort());
        const result = await (methods[method] as (p: unknown, s: AbortSignal) => unknown)(params, abort.signal);
        record(200);
        return send(reply, 200, { ok: true, result });
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        record(err.code);
        return send(reply, err.code, { ok: false, error_code: err.code, description: err.message });
      }
    },
  });

  /* Control: what users and Telegram do, faults, and what the bot sent. */

  app.get('/control', async () => ({
    bot,
    faults,
    webhook: state.webhook && { url: state.webhook.url, has_secret: !!state.webhook.secret, last_error_message: state.webhook.lastErrorMessage ?? null },
    pending_update_count: state.pendingCount,
    menu_button_default: state.menuButtonDefault,
  }));
  app.post('/control/faults', { schema: { body: FaultsPatch } }, async (req) => setFaults(req.body));
  app.post('/control/updates', { schema: { body: InjectBody } }, async (req) => ({ update: state.inject(req.body) }));
  app.get('/control/chats', async () => ({ chats: [...state.chats.values()] }));
  app.get('/control/chats/:id', { schema: { params: Type.Object({ id: Type.Integer() }) } }, async (req, reply) => {
    const chat = state.chats.get(req.params.id);
    return chat ?? reply.code(404).send({ error: 'not_found', message: `No chat ${req.params.id}` });
  });
  app.get('/control/calls', async () => ({ calls: state.calls }));
  app.get('/control/invoices', async () => ({ invoices: [...state.invoices.values()] }));
  app.get('/control/pre-checkout-answers', async () => ({ answers: Object.fromEntries(state.preCheckoutAnswers) }));

  // The page's live feed: one SSE line per change.
  const streams = new Set<ServerResponse>();
  app.get('/control/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    streams.add(res);
    req.raw.on('close', () => streams.delete(res));
  });
  state.onChange((chatId) => {
    for (const res of streams) res.write(`data: ${JSON.stringify({ chat: chatId })}\n\n`);
  });

  /**
   * Opens a Mini App URL (a web_app button's) as Telegram would: with launch data signed by the
   * bot token for the chat's user, and `start_param` for a direct link (t.me/bot/app?startapp=…).
   */
  app.get(
    '/open',
    {
      schema: {
        querystring: Type.Object({
          user: Type.Integer({ minimum: 1 }),
          url: Type.String({ pattern: '^https?://', maxLength: 2048 }),
          startapp: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,512}$' })),
        }),
      },
    },
    async (req, reply) => {
      const chat = state.chats.get(req.query.user);
      const user = chat?.user ?? { id: req.query.user, first_name: 'Demo', language_code: 'en' };
      const initData = signInitData(
        {
          query_id: `AAsim${user.id}`,
          user: JSON.stringify(user),
          auth_date: String(Math.floor(Date.now() / 1000)),
          ...(req.query.startapp && { start_param: req.query.startapp }),
        },
        opts.botToken,
      );
      const target = new URL(req.query.url);
      target.hash = launchHash(initData);
      return reply.redirect(target.toString());
    },
  );

  /**
   * The payment form's Pay (and the same for tests and scripts under /control): the pre-checkout
   * round trip with the bot, then the successful_payment. 200 with `status: paid | failed`.
   */
  const payRoute = { schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }), body: Type.Object({ user: SimUser }) } };
  const pay = async (req: { params: { id: string }; body: { user: SimUser } }, reply: FastifyReply) => {
    if (!state.invoices.has(req.params.id)) return reply.code(404).send({ error: 'not_found', message: 'No such invoice' });
    return state.payInvoice(req.params.id, req.body.user);
  };
  app.post('/invoice/:id/pay', payRoute, pay);
  app.post('/control/invoices/:id/pay', payRoute, pay);

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(chatPage(bot.username)));
  app.get(
    '/invoice/:id',
    { schema: { params: Type.Object({ id: Type.String({ maxLength: 64 }) }), querystring: Type.Object({ user: Type.Optional(Type.Integer({ minimum: 1 })) }) } },
    async (req, reply) => {
      const invoice = state.invoices.get(req.params.id);
      if (!invoice) return reply.code(404).send({ error: 'not_found', message: 'No such invoice' });
      // The payer: named in the link (the Mini App outside Telegram adds ?user=), else typed in the form.
      const user = req.query.user === undefined ? undefined : (state.chats.get(req.query.user)?.user ?? { id: req.query.user, first_name: 'Demo' });
      return reply.type('text/html; charset=utf-8').send(invoicePage(invoice, user));
    },
  );

  function setFaults(patch: Partial<Faults>): Faults {
    const next = { ...faults, ...patch };
    if (!Value.Check(Faults, next)) throw new Error('invalid Telegram simulator faults');
    Object.assign(faults, next);
    app.log.info({ faults }, 'telegram simulator faults changed');
    return { ...faults };
  }

  await app.listen({ port: opts.port, host: opts.host ?? '127.0.0.1' });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;

  let closed: Promise<void> | undefined;
  return {
    url: baseUrl,
    port: address.port,
    state,
    setFaults,
    close() {
      closed ??= (async () => {
        state.close();
        for (const res of streams) res.end();
        await app.close();
      })();
      return closed;
    },
  };
}

function chatOf(params: unknown): number | undefined {
  if (!params || typeof params !== 'object' || !('chat_id' in params)) return undefined;
  const n = Number((params as { chat_id: unknown }).chat_id);
  return Number.isFinite(n) ? n : undefined;
}
