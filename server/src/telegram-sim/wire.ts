/**
 * The Telegram Bot API simulator's wire: the parameters of the methods it answers (as the Bot API
 * documents them, https://core.telegram.org/bots/api#available-methods, the fields the project
 * uses; others pass through unchecked) and its control endpoint's bodies.
 */
import { Type, type Static } from 'typebox';

const ChatId = Type.Union([Type.Integer(), Type.String({ minLength: 1, maxLength: 64 })]);
const Url = Type.String({ minLength: 1, maxLength: 2048 });

export const InlineButton = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 256 }),
  url: Type.Optional(Url),
  callback_data: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  web_app: Type.Optional(Type.Object({ url: Url })),
});
export type InlineButton = Static<typeof InlineButton>;

/** Inline keyboards are checked; reply keyboards and the rest are kept as sent. */
const ReplyMarkup = Type.Object({ inline_keyboard: Type.Optional(Type.Array(Type.Array(InlineButton))) });
export type ReplyMarkup = Static<typeof ReplyMarkup>;

export const MenuButton = Type.Union([
  Type.Object({ type: Type.Literal('commands') }),
  Type.Object({ type: Type.Literal('default') }),
  Type.Object({ type: Type.Literal('web_app'), text: Type.String({ minLength: 1, maxLength: 64 }), web_app: Type.Object({ url: Url }) }),
]);
export type MenuButton = Static<typeof MenuButton>;

export const MethodParams = {
  getMe: Type.Object({}),
  getWebhookInfo: Type.Object({}),
  setWebhook: Type.Object({
    url: Type.String({ maxLength: 2048 }),
    secret_token: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,256}$' })),
    drop_pending_updates: Type.Optional(Type.Boolean()),
  }),
  deleteWebhook: Type.Object({ drop_pending_updates: Type.Optional(Type.Boolean()) }),
  getUpdates: Type.Object({
    offset: Type.Optional(Type.Integer()),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    timeout: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
  sendMessage: Type.Object({
    chat_id: ChatId,
    text: Type.String({ minLength: 1, maxLength: 4096 }),
    parse_mode: Type.Optional(Type.String()),
    reply_markup: Type.Optional(ReplyMarkup),
  }),
  editMessageText: Type.Object({
    chat_id: ChatId,
    message_id: Type.Integer({ minimum: 1 }),
    text: Type.String({ minLength: 1, maxLength: 4096 }),
    parse_mode: Type.Optional(Type.String()),
    reply_markup: Type.Optional(ReplyMarkup),
  }),
  setChatMenuButton: Type.Object({ chat_id: Type.Optional(ChatId), menu_button: Type.Optional(MenuButton) }),
  getChatMenuButton: Type.Object({ chat_id: Type.Optional(ChatId) }),
  answerCallbackQuery: Type.Object({ callback_query_id: Type.String({ minLength: 1 }), text: Type.Optional(Type.String({ maxLength: 200 })) }),
  createInvoiceLink: Type.Object({
    title: Type.String({ minLength: 1, maxLength: 32 }),
    description: Type.String({ minLength: 1, maxLength: 255 }),
    payload: Type.String({ minLength: 1, maxLength: 128 }),
    provider_token: Type.Optional(Type.String()),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    prices: Type.Array(Type.Object({ label: Type.String({ minLength: 1 }), amount: Type.Integer() }), { minItems: 1 }),
  }),
  answerPreCheckoutQuery: Type.Object({
    pre_checkout_query_id: Type.String({ minLength: 1 }),
    ok: Type.Boolean(),
    error_message: Type.Optional(Type.String({ maxLength: 255 })),
  }),
} as const;
export type MethodName = keyof typeof MethodParams;
export type Params<M extends MethodName> = Static<(typeof MethodParams)[M]>;

/** Fields a form-encoded call sends as JSON text. */
export const JSON_FIELDS = new Set(['reply_markup', 'menu_button', 'prices', 'allowed_updates']);

/** A simulated Telegram user (the `from` of what they send). */
export const SimUser = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2 ** 52 }),
  first_name: Type.String({ minLength: 1, maxLength: 64, default: 'Demo' }),
  last_name: Type.Optional(Type.String({ maxLength: 64 })),
  username: Type.Optional(Type.String({ maxLength: 32 })),
  language_code: Type.Optional(Type.String({ maxLength: 35 })),
});
export type SimUser = Static<typeof SimUser>;

/** What the control endpoint injects, as Telegram would deliver it. */
export const InjectBody = Type.Union([
  /** The user opens the bot (or a t.me/bot?start=payload link): `/start payload`. */
  Type.Object({ kind: Type.Literal('start'), user: SimUser, payload: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{0,64}$' })) }),
  Type.Object({ kind: Type.Literal('message'), user: SimUser, text: Type.String({ minLength: 1, maxLength: 4096 }) }),
  /**
   * The user shares a contact (a request_contact button, or the Mini App's requestContact):
   * `contact_user_id` defaults to the sender's own id; another id is a forwarded contact card.
   */
  Type.Object({
    kind: Type.Literal('contact'),
    user: SimUser,
    phone_number: Type.String({ minLength: 3, maxLength: 32 }),
    contact_user_id: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  /** A press on an inline callback button of a bot message. */
  Type.Object({ kind: Type.Literal('callback'), user: SimUser, message_id: Type.Integer({ minimum: 1 }), data: Type.String({ minLength: 1, maxLength: 64 }) }),
  Type.Object({
    kind: Type.Literal('pre_checkout_query'),
    user: SimUser,
    invoice_payload: Type.String({ minLength: 1, maxLength: 128 }),
    total_amount: Type.Integer({ minimum: 1 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', default: 'RUB' }),
  }),
  Type.Object({
    kind: Type.Literal('successful_payment'),
    user: SimUser,
    invoice_payload: Type.String({ minLength: 1, maxLength: 128 }),
    total_amount: Type.Integer({ minimum: 1 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$', default: 'RUB' }),
    telegram_payment_charge_id: Type.Optional(Type.String({ maxLength: 128 })),
    provider_payment_charge_id: Type.Optional(Type.String({ maxLength: 128 })),
  }),
  /** The user blocks the bot (Telegram sends my_chat_member: kicked; sends to them are then 403). */
  Type.Object({ kind: Type.Literal('block'), user: SimUser }),
  Type.Object({ kind: Type.Literal('unblock'), user: SimUser }),
]);
export type InjectBody = Static<typeof InjectBody>;

export const Faults = Type.Object({
  /** The next `calls` Bot API calls (of `method` only, when given) answer 429 with `retry_after` seconds. */
  rateLimit: Type.Union([
    Type.Null(),
    Type.Object({ calls: Type.Integer({ minimum: 1, maximum: 1000 }), retryAfter: Type.Integer({ minimum: 1, maximum: 3600 }), method: Type.Optional(Type.String()) }),
  ]),
  /** Share of Bot API calls answered 500 Internal Server Error. */
  errorRate: Type.Number({ minimum: 0, maximum: 1 }),
  /** true: Bot API connections are dropped unanswered (the control endpoint and the page still work). */
  outage: Type.Boolean(),
});
export type Faults = Static<typeof Faults>;
export const FaultsPatch = Type.Partial(Faults);
