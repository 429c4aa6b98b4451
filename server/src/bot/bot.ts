import { Bot, GrammyError, HttpError, type Context } from 'grammy';
import { autoRetry } from '@grammyjs/auto-retry';
import type { FastifyBaseLogger } from 'fastify';
import { Value } from 'typebox/value';
import { TelegramUserSchema } from '../auth/telegram';
import { miniAppUrl, parseStartPayload, type StartTarget } from './deep-link';
import type { BotPeople } from './people';
import type { PaymentsService } from '../payments/service';
import { botLanguage, startText, texts } from './texts';

export interface BotOptions {
  token: string;
  apiRoot: string;
  publicUrl: string;
  people: BotPeople;
  /** Online payments (issue 17): the pre-checkout answer and the payment itself. */
  payments?: Pick<PaymentsService, 'preCheckout' | 'paid'>;
  log: FastifyBaseLogger;
  /** Seconds an ordinary Bot API call may take before it counts as failed. */
  callTimeoutS?: number;
  /** grammY's own limit for any call, long polls included: above the long poll's wait. */
  clientTimeoutS?: number;
}

/** Whether a Bot API failure means "Telegram is unreachable or unwell" rather than "this call was wrong". */
export function isOutage(err: unknown): boolean {
  return err instanceof HttpError || (err instanceof GrammyError && (err.error_code >= 500 || err.error_code === 429));
}

/**
 * The chain's bot: every Bot API call and update through grammY. `/start [payload]` answers in the
 * user's language with a web_app button into the Mini App (at the deep link's screen) and sets the
 * chat's menu button to the Mini App; the bot notes who started it and who blocked it.
 */
export function createBot(opts: BotOptions): Bot {
  // grammY has one timeout for every call and does not add a long poll's wait to it: that one is
  // kept above the poll, and every other call gets its own shorter limit below.
  const bot = new Bot(opts.token, { client: { apiRoot: opts.apiRoot, timeoutSeconds: opts.clientTimeoutS ?? 60 } });
  const { people, log } = opts;
  const callTimeoutMs = (opts.callTimeoutS ?? 15) * 1000;
  bot.api.config.use((prev, method, payload, signal) => {
    if (method === 'getUpdates') return prev(method, payload, signal);
    const limit = AbortSignal.timeout(callTimeoutMs);
    // grammY's Node build types signals with its abort-controller shim; a native one works the same.
    const combined = (signal ? AbortSignal.any([signal as unknown as AbortSignal, limit]) : limit) as unknown as typeof signal;
    return prev(method, payload, combined);
  });

  // 429 retry_after and 5xx are waited out by grammY's own plugin (a few times, then the caller
  // sees the error); a network failure is thrown at once, so an outage never holds a request.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 60, rethrowHttpErrors: true }));
  // Any send refused with 403 "bot was blocked by the user" is remembered.
  bot.api.config.use(async (prev, method, payload, signal) => {
    const res = await prev(method, payload, signal);
    const chatId = (payload as { chat_id?: unknown } | undefined)?.chat_id;
    if (!res.ok && res.error_code === 403 && typeof chatId === 'number' && /blocked/i.test(res.description)) {
      await people.blocked(chatId);
      log.info({ chatId, method }, 'telegram: the user blocked the bot');
    }
    return res;
  });

  bot.command('start', async (ctx) => {
    const from = ctx.from;
    if (!from || ctx.chat.type !== 'private') return;
    const lang = botLanguage(from.language_code);
    const tg = { id: from.id, first_name: from.first_name, last_name: from.last_name, username: from.username, language_code: from.language_code };
    if (Value.Check(TelegramUserSchema, tg)) await people.started(tg);
    const target = await checkedTarget(parseStartPayload(ctx.match), from.id, lang);
    const cityName = target.kind === 'city' ? await people.cityName(target.cityId, lang) : undefined;
    const { text, button } = startText(lang, from.first_name, target, cityName);
    await ctx.reply(text, { reply_markup: { inline_keyboard: [[{ text: button, web_app: { url: miniAppUrl(opts.publicUrl, target) } }]] } });
    await ctx.api.setChatMenuButton({
      chat_id: ctx.chat.id,
      menu_button: { type: 'web_app', text: texts(lang).menuButton, web_app: { url: miniAppUrl(opts.publicUrl) } },
    });
  });

  /** A deep link to an order opens it only for its owner; anyone else gets their own orders list. */
  async function checkedTarget(target: StartTarget, telegramId: number, lang: 'ru' | 'en'): Promise<StartTarget> {
    if (target.kind === 'order' && !(await people.ownsOrder(telegramId, target.orderId))) return { kind: 'orders' };
    if (target.kind === 'city' && !(await people.cityName(target.cityId, lang))) return { kind: 'menu' };
    return target;
  }

  // Telegram tells the bot when a private chat blocks or unblocks it.
  bot.on('my_chat_member', async (ctx) => {
    const update = ctx.myChatMember;
    if (update.chat.type !== 'private') return;
    if (update.new_chat_member.status === 'kicked') await people.blocked(update.from.id);
    else if (update.new_chat_member.status === 'member') await people.unblocked(update.from.id);
  });

  /*
   * A shared contact (a request_contact button, or the Mini App's requestContact, which makes
   * Telegram send it here). The update itself is Telegram's word; `contact.user_id === from.id`
   * makes it the sender's own number rather than a contact card they forwarded.
   */
  bot.on('message:contact', async (ctx) => {
    const contact = ctx.message.contact;
    const lang = botLanguage(ctx.from.language_code);
    if (contact.user_id !== ctx.from.id) {
      await ctx.reply(texts(lang).notOwnContact);
      return;
    }
    if (await people.phoneShared(ctx.from.id, contact.phone_number)) await ctx.reply(texts(lang).phoneSaved);
  });

  bot.on('message:text', async (ctx: Context) => {
    const lang = botLanguage(ctx.from?.language_code);
    await ctx.reply(texts(lang).hint, {
      reply_markup: { inline_keyboard: [[{ text: texts(lang).open.menu, web_app: { url: miniAppUrl(opts.publicUrl) } }]] },
    });
  });

  // Telegram asks before charging and waits 10 s: a read of the order, answered at once.
  bot.on('pre_checkout_query', async (ctx) => {
    const q = ctx.preCheckoutQuery;
    const verdict = opts.payments
      ? await opts.payments.preCheckout({ fromTelegramId: q.from.id, payload: q.invoice_payload, currency: q.currency, totalAmount: q.total_amount })
      : { ok: false as const, error_message: 'Payments are not available.' };
    if (!verdict.ok) log.info({ payload: q.invoice_payload, reason: verdict.error_message }, 'telegram: pre-checkout refused');
    await ctx.answerPreCheckoutQuery(verdict.ok, verdict.ok ? undefined : { error_message: verdict.error_message });
  });

  bot.on('message:successful_payment', async (ctx) => {
    const p = ctx.message.successful_payment;
    if (!opts.payments) return;
    const result = await opts.payments.paid({
      fromTelegramId: ctx.from.id,
      payload: p.invoice_payload,
      currency: p.currency,
      totalAmount: p.total_amount,
      telegramChargeId: p.telegram_payment_charge_id,
      providerChargeId: p.provider_payment_charge_id,
    });
    if (result.outcome !== 'paid' && result.outcome !== 'refund_due') return;
    const lang = botLanguage(ctx.from.language_code);
    const t = texts(lang);
    await ctx.reply(result.outcome === 'paid' ? t.paid(result.orderNumber) : t.paidRefund(result.orderNumber), {
      reply_markup: { inline_keyboard: [[{ text: t.open.order, web_app: { url: miniAppUrl(opts.publicUrl, { kind: 'order', orderId: result.orderId }) } }]] },
    });
  });

  // A stray callback is still acknowledged.
  bot.on('callback_query', (ctx) => ctx.answerCallbackQuery());

  bot.catch(({ error, ctx }) => {
    log.warn({ err: error, updateId: ctx.update.update_id }, 'telegram: handling an update failed');
  });
  return bot;
}
