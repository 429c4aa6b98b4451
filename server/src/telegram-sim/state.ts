import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { backoffDelay } from '@ordercast/shared';
import type { InjectBody, MenuButton, ReplyMarkup, SimUser } from './wire';

/** Kept per chat, newest last; older ones fall off so a long demo stays small. */
const MAX_MESSAGES_PER_CHAT = 200;
const MAX_CHATS = 1000;
const MAX_PENDING_UPDATES = 10_000;
const MAX_CALLS = 1000;
/** Telegram waits this long for a webhook answer before counting the delivery as failed. */
const WEBHOOK_TIMEOUT_MS = 10_000;

export type Update = { update_id: number } & Record<string, unknown>;

export interface ChatMessage {
  message_id: number;
  /** Who wrote it: the user, or the bot. */
  by: 'user' | 'bot';
  date: number;
  text: string;
  reply_markup?: ReplyMarkup;
  edited?: boolean;
  /** A payment the user made (successful_payment), shown as a service line. */
  payment?: { total_amount: number; currency: string; invoice_payload: string };
}

export interface SimChat {
  id: number;
  user: SimUser;
  blocked: boolean;
  menuButton?: MenuButton;
  messages: ChatMessage[];
}

export interface Invoice {
  id: string;
  link: string;
  title: string;
  description: string;
  payload: string;
  currency: string;
  prices: { label: string; amount: number }[];
  createdAt: number;
  /** Set once paid through the simulated payment form: an invoice link is paid once. */
  paid?: { by: number; at: number; telegram_payment_charge_id: string; provider_payment_charge_id: string };
}

/** What the simulated payment form's Pay did. */
export type PayResult =
  | { status: 'paid'; telegram_payment_charge_id: string; provider_payment_charge_id: string }
  | { status: 'failed'; error: string };

/** Telegram gives a bot 10 s to answer a pre_checkout_query, then tells the user the payment failed. */
export const PRE_CHECKOUT_TIMEOUT_MS = 10_000;

export interface CallRecord {
  method: string;
  status: number;
  at: number;
  chat_id?: number;
}

export interface BotIdentity {
  id: number;
  is_bot: true;
  first_name: string;
  username: string;
  can_join_groups: boolean;
  can_read_all_group_messages: boolean;
  supports_inline_queries: boolean;
}

/**
 * Everything one simulated bot has at Telegram: its chats with users, the updates waiting for it,
 * its webhook, its invoices. Updates reach the bot as Telegram delivers them: POSTed to the webhook
 * when one is set (in order, retried until a 2xx), else held for getUpdates.
 */
export class SimState {
  readonly chats = new Map<number, SimChat>();
  readonly invoices = new Map<string, Invoice>();
  readonly preCheckoutAnswers = new Map<string, { ok: boolean; error_message?: string }>();
  readonly calls: CallRecord[] = [];
  menuButtonDefault: MenuButton = { type: 'commands' };
  webhook: { url: string; secret?: string; lastErrorDate?: number; lastErrorMessage?: string } | null = null;
  private pending: Update[] = [];
  private nextUpdateId = 1;
  private nextMessageId = 1;
  private waiters = new Set<() => void>();
  /** Pay buttons waiting for the bot's answerPreCheckoutQuery, by query id. */
  private readonly preCheckoutWaiters = new Map<string, (answer: { ok: boolean; error_message?: string }) => void>();
  private listeners = new Set<(chatId: number | null) => void>();
  private delivering = false;
  private closed = false;
  private readonly stop = new AbortController();

  constructor(
    readonly bot: BotIdentity,
    private readonly log: FastifyBaseLogger,
    private readonly invoiceBase: () => string,
  ) {}

  /** The page listens: `chatId` changed (null: something global). */
  onChange(fn: (chatId: number | null) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(chatId: number | null): void {
    for (const fn of this.listeners) fn(chatId);
  }

  recordCall(call: CallRecord): void {
    this.calls.push(call);
    if (this.calls.length > MAX_CALLS) this.calls.splice(0, this.calls.length - MAX_CALLS);
  }

  chat(user: SimUser): SimChat {
    let chat = this.chats.get(user.id);
    if (!chat) {
      if (this.chats.size >= MAX_CHATS) {
        const oldest = this.chats.keys().next().value;
        if (oldest !== undefined) this.chats.delete(oldest);
      }
      chat = { id: user.id, user, blocked: false, messages: [] };
      this.chats.set(user.id, chat);
    } else {
      chat.user = { ...chat.user, ...user };
    }
    return chat;
  }

  private push(chat: SimChat, m: Omit<ChatMessage, 'message_id' | 'date'>): ChatMessage {
    const message: ChatMessage = { message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), ...m };
    chat.messages.push(message);
    if (chat.messages.length > MAX_MESSAGES_PER_CHAT) chat.messages.splice(0, chat.messages.length - MAX_MESSAGES_PER_CHAT);
    this.changed(chat.id);
    return message;
  }

  /** A message from the bot, as the Bot API's Message object. */
  botMessage(chat: SimChat, text: string, replyMarkup?: ReplyMarkup): Record<string, unknown> {
    const m = this.push(chat, { by: 'bot', text, ...(replyMarkup && { reply_markup: replyMarkup }) });
    return this.toMessage(chat, m);
  }

  editBotMessage(chat: SimChat, messageId: number, text: string, replyMarkup?: ReplyMarkup): Record<string, unknown> | 'not_found' | 'not_modified' {
    const m = chat.messages.find((x) => x.message_id === messageId && x.by === 'bot');
    if (!m) return 'not_found';
    if (m.text === text && JSON.stringify(m.reply_markup) === JSON.stringify(replyMarkup)) return 'not_modified';
    m.text = text;
    m.edited = true;
    if (replyMarkup) m.reply_markup = replyMarkup;
    else delete m.reply_markup;
    this.changed(chat.id);
    return { ...this.toMessage(chat, m), edit_date: Math.floor(Date.now() / 1000) };
  }

  toMessage(chat: SimChat, m: ChatMessage): Record<string, unknown> {
    const from = m.by === 'bot' ? { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username } : { is_bot: false, ...chat.user };
    return {
      message_id: m.message_id,
      from,
      chat: { id: chat.id, type: 'private', first_name: chat.user.first_name, ...(chat.user.username && { username: chat.user.username }) },
      date: m.date,
      text: m.text,
      ...(m.reply_markup && { reply_markup: m.reply_markup }),
    };
  }

  /** answerPreCheckoutQuery: kept for /control, and handed to a Pay waiting for it. */
  answerPreCheckout(id: string, answer: { ok: boolean; error_message?: string }): void {
    this.preCheckoutAnswers.set(id, answer);
    if (this.preCheckoutAnswers.size > MAX_CALLS) this.preCheckoutAnswers.delete(this.preCheckoutAnswers.keys().next().value!);
    this.preCheckoutWaiters.get(id)?.(answer);
  }

  /**
   * The payment form's Pay, as Telegram runs it: a pre_checkout_query to the bot, up to 10 s for
   * its answer, and only on yes the user's message with successful_payment (the charge).
   */
  async payInvoice(invoiceId: string, user: SimUser): Promise<PayResult> {
    const invoice = this.invoices.get(invoiceId);
    if (!invoice) return { status: 'failed', error: 'No such invoice' };
    if (invoice.paid) return { status: 'failed', error: 'This invoice is already paid' };
    const total = invoice.prices.reduce((sum, p) => sum + p.amount, 0);
    const common = { user, invoice_payload: invoice.payload, total_amount: total, currency: invoice.currency };
    const query = this.inject({ kind: 'pre_checkout_query', ...common });
    const queryId = (query.pre_checkout_query as { id: string }).id;
    const answer = await new Promise<{ ok: boolean; error_message?: string } | null>((resolve) => {
      const done = (a: { ok: boolean; error_message?: string } | null) => {
        clearTimeout(timer);
        this.preCheckoutWaiters.delete(queryId);
        resolve(a);
      };
      const timer = setTimeout(() => done(null), PRE_CHECKOUT_TIMEOUT_MS);
      this.preCheckoutWaiters.set(queryId, done);
      this.stop.signal.addEventListener('abort', () => done(null), { once: true });
    });
    if (!answer) return { status: 'failed', error: 'The bot did not answer the pre-checkout query in time' };
    if (!answer.ok) return { status: 'failed', error: answer.error_message ?? 'The bot refused the payment' };
    if (invoice.paid) return { status: 'failed', error: 'This invoice is already paid' };
    const charges = { telegram_payment_charge_id: `tg-${randomBytes(8).toString('hex')}`, provider_payment_charge_id: `prov-${randomBytes(8).toString('hex')}` };
    invoice.paid = { by: user.id, at: Date.now(), ...charges };
    this.inject({ kind: 'successful_payment', ...common, ...charges });
    return { status: 'paid', ...charges };
  }

  createInvoice(p: Omit<Invoice, 'id' | 'link' | 'createdAt'>): Invoice {
    const id = randomBytes(9).toString('base64url');
    const invoice: Invoice = { ...p, id, link: `${this.invoiceBase()}/invoice/${id}`, createdAt: Date.now() };
    this.invoices.set(id, invoice);
    this.changed(null);
    return invoice;
  }

  /** Turns a control request into the update Telegram would send, records it in the chat, queues it. */
  inject(body: InjectBody): Update {
    const chat = this.chat(body.user);
    const from = { is_bot: false, ...body.user };
    const now = Math.floor(Date.now() / 1000);
    const chatRef = { id: chat.id, type: 'private', first_name: chat.user.first_name, ...(chat.user.username && { username: chat.user.username }) };
    const memberUpdate = (oldStatus: string, newStatus: string) => ({
      my_chat_member: {
        chat: chatRef,
        from,
        date: now,
        old_chat_member: { user: { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username }, status: oldStatus },
        new_chat_member: { user: { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username }, status: newStatus, ...(newStatus === 'kicked' && { until_date: 0 }) },
      },
    });
    switch (body.kind) {
      case 'start': {
        // Starting the bot again is how a user unblocks it: Telegram reports the membership change first.
        if (chat.blocked) {
          chat.blocked = false;
          this.enqueue(memberUpdate('kicked', 'member'));
        }
        const text = body.payload ? `/start ${body.payload}` : '/start';
        const m = this.push(chat, { by: 'user', text });
        return this.enqueue({ message: { ...this.toMessage(chat, m), entities: [{ offset: 0, length: 6, type: 'bot_command' }] } });
      }
      case 'message': {
        const m = this.push(chat, { by: 'user', text: body.text });
        const command = /^\/[A-Za-z0-9_]+/.exec(body.text);
        return this.enqueue({
          message: { ...this.toMessage(chat, m), ...(command && { entities: [{ offset: 0, length: command[0].length, type: 'bot_command' }] }) },
        });
      }
      case 'contact': {
        const m = this.push(chat, { by: 'user', text: `📞 ${body.phone_number}` });
        const { text: _shown, ...message } = this.toMessage(chat, m);
        const contact = { phone_number: body.phone_number, first_name: body.user.first_name, user_id: body.contact_user_id ?? body.user.id };
        return this.enqueue({ message: { ...message, contact } });
      }
      case 'callback': {
        const m = chat.messages.find((x) => x.message_id === body.message_id && x.by === 'bot');
        return this.enqueue({
          callback_query: {
            id: randomBytes(8).toString('hex'),
            from,
            ...(m && { message: this.toMessage(chat, m) }),
            chat_instance: String(chat.id),
            data: body.data,
          },
        });
      }
      case 'pre_checkout_query':
        return this.enqueue({
          pre_checkout_query: { id: randomBytes(8).toString('hex'), from, currency: body.currency, total_amount: body.total_amount, invoice_payload: body.invoice_payload },
        });
      case 'successful_payment': {
        const payment = { currency: body.currency, total_amount: body.total_amount, invoice_payload: body.invoice_payload };
        const m = this.push(chat, { by: 'user', text: '', payment });
        const { text: _text, ...message } = this.toMessage(chat, m);
        return this.enqueue({
          message: {
            ...message,
            successful_payment: {
              ...payment,
              telegram_payment_charge_id: body.telegram_payment_charge_id ?? `tg-${randomBytes(8).toString('hex')}`,
              provider_payment_charge_id: body.provider_payment_charge_id ?? `prov-${randomBytes(8).toString('hex')}`,
            },
          },
        });
      }
      case 'block':
        chat.blocked = true;
        this.changed(chat.id);
        return this.enqueue(memberUpdate('member', 'kicked'));
      case 'unblock':
        chat.blocked = false;
        this.changed(chat.id);
        return this.enqueue(memberUpdate('kicked', 'member'));
    }
  }

  private enqueue(body: Record<string, unknown>): Update {
    const update: Update = { update_id: this.nextUpdateId++, ...body };
    this.pending.push(update);
    // Telegram keeps unclaimed updates for 24 hours; the simulator keeps the newest ones.
    if (this.pending.length > MAX_PENDING_UPDATES) this.pending.splice(0, this.pending.length - MAX_PENDING_UPDATES);
    for (const w of this.waiters) w();
    if (this.webhook) void this.deliver();
    return update;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  setWebhook(url: string, secret: string | undefined, dropPending: boolean): void {
    if (dropPending) this.pending = [];
    this.webhook = url ? { url, ...(secret && { secret }) } : null;
    this.changed(null);
    if (this.webhook) void this.deliver();
    // A getUpdates waiting now must give way to the webhook.
    for (const w of this.waiters) w();
  }

  deleteWebhook(dropPending: boolean): void {
    this.setWebhook('', undefined, dropPending);
  }

  /**
   * getUpdates: confirms everything below `offset`, then answers what waits, or waits up to
   * `timeoutS` for something to arrive (long polling).
   */
  async getUpdates(offset: number | undefined, limit: number, timeoutS: number, signal: AbortSignal): Promise<Update[]> {
    if (offset !== undefined && offset > 0) this.pending = this.pending.filter((u) => u.update_id >= offset);
    const take = () => (offset !== undefined && offset < 0 ? this.pending.slice(offset) : this.pending).slice(0, limit);
    let found = take();
    if (found.length || timeoutS <= 0 || this.closed) return found;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        this.stop.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(timeoutS, 50) * 1000);
      this.waiters.add(done);
      signal.addEventListener('abort', done);
      this.stop.signal.addEventListener('abort', done);
    });
    found = this.webhook ? [] : take();
    return found;
  }

  /** Webhook delivery: one update at a time, in order, each retried with backoff until the bot answers 2xx. */
  private async deliver(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    let failures = 0;
    try {
      while (this.webhook && this.pending.length && !this.closed) {
        const hook = this.webhook;
        const update = this.pending[0]!;
        let error: string | undefined;
        try {
          const res = await fetch(hook.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(hook.secret && { 'x-telegram-bot-api-secret-token': hook.secret }) },
            body: JSON.stringify(update),
            signal: AbortSignal.any([AbortSignal.timeout(WEBHOOK_TIMEOUT_MS), this.stop.signal]),
          });
          await res.arrayBuffer().catch(() => undefined);
          if (res.status < 200 || res.status > 299) error = `Wrong response from the webhook: ${res.status} ${res.statusText}`;
        } catch (err) {
          error = `Connection failed: ${err instanceof Error ? err.message : String(err)}`;
        }
        if (!error) {
          failures = 0;
          if (this.pending[0] === update) this.pending.shift();
          continue;
        }
        hook.lastErrorDate = Math.floor(Date.now() / 1000);
        hook.lastErrorMessage = error;
        if (failures === 0) this.log.warn({ url: hook.url, error }, 'telegram simulator: webhook delivery failed; retrying');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, backoffDelay(failures++, { initialMs: 200, maxMs: 10_000 }) + 50);
          this.stop.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
        });
      }
    } finally {
      this.delivering = false;
    }
  }

  close(): void {
    this.closed = true;
    this.stop.abort();
    this.listeners.clear();
  }
}
