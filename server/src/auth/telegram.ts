import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * Telegram Mini App launch data (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app):
 * secret_key = HMAC_SHA256(key "WebAppData", bot_token); hash = hex(HMAC_SHA256(secret_key, data_check_string)),
 * data_check_string = every field but `hash`, sorted by key, `key=value` joined by "\n".
 */
const Text = (maxLength: number) => Type.String({ maxLength });
/**
 * The `user` field (https://core.telegram.org/bots/webapps#webappuser). Checked whole even though
 * it is signed: the signature proves it came through the bot token, not that it has this shape.
 * Fields Telegram may add later are allowed; the ones read here must have their types.
 */
export const TelegramUserSchema = Type.Object({
  id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }),
  first_name: Text(256),
  last_name: Type.Optional(Text(256)),
  username: Type.Optional(Text(64)),
  language_code: Type.Optional(Text(35)),
  is_premium: Type.Optional(Type.Boolean()),
  is_bot: Type.Optional(Type.Boolean()),
  allows_write_to_pm: Type.Optional(Type.Boolean()),
  added_to_attachment_menu: Type.Optional(Type.Boolean()),
  photo_url: Type.Optional(Text(2048)),
});
export type TelegramUser = Static<typeof TelegramUserSchema>;
const telegramUser = Compile(TelegramUserSchema);

export type InitDataResult =
  | { ok: true; user: TelegramUser; authDate: number }
  | { ok: false; reason: string };

function secretKey(botToken: string): Buffer {
  return createHmac('sha256', 'WebAppData').update(botToken).digest();
}

function dataCheckString(params: URLSearchParams): string {
  return [...params.entries()]
    .filter(([k]) => k !== 'hash')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

export function verifyInitData(initData: string, botToken: string, maxAgeS: number, nowMs = Date.now()): InitDataResult {
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(initData);
  } catch {
    return { ok: false, reason: 'initData is not a query string' };
  }
  const hash = params.get('hash');
  if (!hash || !/^[0-9a-f]{64}$/i.test(hash)) return { ok: false, reason: 'initData has no valid hash' };
  const expected = createHmac('sha256', secretKey(botToken)).update(dataCheckString(params)).digest();
  const given = Buffer.from(hash, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'initData signature does not match' };
  }
  const authDate = Number(params.get('auth_date'));
  if (!Number.isInteger(authDate) || authDate <= 0) return { ok: false, reason: 'initData has no auth_date' };
  const ageS = nowMs / 1000 - authDate;
  if (ageS > maxAgeS) return { ok: false, reason: `initData expired (${Math.floor(ageS)} s old, limit ${maxAgeS} s)` };
  if (ageS < -300) return { ok: false, reason: 'initData auth_date is in the future' };
  let user: unknown;
  try {
    user = JSON.parse(params.get('user') ?? '');
  } catch {
    return { ok: false, reason: 'initData has no user' };
  }
  if (!telegramUser.Check(user)) {
    const first = telegramUser.Errors(user)[0];
    const where = first?.instancePath ? `user${first.instancePath.replace(/\//g, '.')}` : 'user';
    return { ok: false, reason: `initData user is malformed: ${where} ${first?.message ?? 'is not an object'}` };
  }
  return { ok: true, user, authDate };
}

/**
 * Builds signed launch data as Telegram would: for the demo link `npm start` prints, and tests.
 * Only ever used with the dev bot token or a test's own.
 */
export function signInitData(fields: Record<string, string>, botToken: string): string {
  const params = new URLSearchParams(fields);
  const hash = createHmac('sha256', secretKey(botToken)).update(dataCheckString(params)).digest('hex');
  params.set('hash', hash);
  return params.toString();
}

export function demoInitData(user: TelegramUser, botToken: string, authDate = Math.floor(Date.now() / 1000)): string {
  return signInitData(
    { query_id: `AAdemo${user.id}`, user: JSON.stringify(user), auth_date: String(authDate) },
    botToken,
  );
}

/** The URL hash Telegram appends when it opens a Mini App (tgWebAppData carries initData, URL-encoded once more). */
export function launchHash(initData: string, opts: { version?: string; platform?: string; themeParams?: Record<string, string> } = {}): string {
  const p = new URLSearchParams();
  p.set('tgWebAppData', initData);
  p.set('tgWebAppVersion', opts.version ?? '8.0');
  p.set('tgWebAppPlatform', opts.platform ?? 'web');
  p.set('tgWebAppThemeParams', JSON.stringify(opts.themeParams ?? {}));
  return p.toString();
}
