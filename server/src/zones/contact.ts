import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import type { Sql } from '../db/sql';

/*
 * The customer's phone from Telegram, and how far each source is trusted:
 *
 * 1. The bot: the customer shares their contact in the chat (a `request_contact` keyboard button or
 *    the Mini App's requestContact, which makes Telegram send the same message to the bot). The
 *    update reaches us through the Bot API with our webhook secret (or our own getUpdates call), so
 *    Telegram vouches for it; `message.contact.user_id === message.from.id` proves it is the
 *    sender's own number, not a contact card of someone else. Verified.
 * 2. The Mini App: WebApp.requestContact's callback gets `{status, response, responseUnsafe}`.
 *    `responseUnsafe` is what the page was told and anyone can forge it; `response` is the raw
 *    `contact=…&auth_date=…&hash=…` string, signed by Telegram exactly like initData (HMAC-SHA256
 *    with the key HMAC-SHA256("WebAppData", bot token)). The server checks that signature, its age,
 *    and that contact.user_id is the signed-in customer's Telegram id. Verified.
 *    Anything else (a typed number, responseUnsafe alone) is the customer's word: stored as the
 *    phone they typed, never marked verified.
 */

const ContactSchema = Type.Object({
  user_id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }),
  phone_number: Type.String({ minLength: 3, maxLength: 32 }),
  first_name: Type.Optional(Type.String({ maxLength: 256 })),
  last_name: Type.Optional(Type.String({ maxLength: 256 })),
});
const contactShape = Compile(ContactSchema);

export type ContactResult = { ok: true; userId: number; phone: string; authDate: number } | { ok: false; reason: string };

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}
const secretKey = (botToken: string) => hmac('WebAppData', botToken);
const checkString = (p: URLSearchParams) =>
  [...p.entries()]
    .filter(([k]) => k !== 'hash')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');

/** A phone as the order path stores it: `+` and digits (Telegram sends it without the plus). */
export const normalPhone = (raw: string) => `+${raw.replace(/\D/g, '')}`;

export function verifyContact(raw: string, botToken: string, maxAgeS: number, nowMs = Date.now()): ContactResult {
  const params = new URLSearchParams(raw);
  const hash = params.get('hash');
  if (!hash || !/^[0-9a-f]{64}$/i.test(hash)) return { ok: false, reason: 'the contact has no valid hash' };
  const expected = hmac(secretKey(botToken), checkString(params));
  const given = Buffer.from(hash, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'the contact signature does not match' };
  const authDate = Number(params.get('auth_date'));
  if (!Number.isInteger(authDate) || authDate <= 0) return { ok: false, reason: 'the contact has no auth_date' };
  if (nowMs / 1000 - authDate > maxAgeS) return { ok: false, reason: 'the contact is too old' };
  let contact: unknown;
  try {
    contact = JSON.parse(params.get('contact') ?? '');
  } catch {
    return { ok: false, reason: 'the contact is not JSON' };
  }
  if (!contactShape.Check(contact)) return { ok: false, reason: 'the contact is malformed' };
  const phone = normalPhone(contact.phone_number);
  if (phone.length < 6 || phone.length > 21) return { ok: false, reason: 'the contact has no usable phone number' };
  return { ok: true, userId: contact.user_id, phone, authDate };
}

/** Signs a contact as Telegram does: tests and the dev Telegram simulator only. */
export function signContact(contact: { user_id: number; phone_number: string; first_name?: string }, botToken: string, authDate = Math.floor(Date.now() / 1000)): string {
  const params = new URLSearchParams({ contact: JSON.stringify(contact), auth_date: String(authDate) });
  params.set('hash', hmac(secretKey(botToken), checkString(params)).toString('hex'));
  return params.toString();
}

/**
 * Stores a verified phone for the customer with this Telegram id (the bot's contact update, a
 * verified requestContact answer).
 */
export class VerifiedPhones {
  private readonly stmt;

  constructor(sql: Sql) {
    this.stmt = sql.prepare<{ tg: number; phone: string; at: string }>(
      "UPDATE users SET phone = @phone, phone_verified_at = @at, updated_at = @at WHERE telegram_id = @tg AND role = 'customer'",
    );
  }

  /** Returns whether such a customer exists. */
  async store(telegramId: number, phone: string, at = new Date().toISOString()): Promise<boolean> {
    return (await this.stmt.run({ tg: telegramId, phone, at })).changes > 0;
  }
}
