import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BotError } from 'grammy';
import type { Update } from 'grammy/types';
import { ErrorBody } from '@ordercast/shared/schemas';
import { HttpError, unauthorized } from '../../lib/errors';

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** An Update (https://core.telegram.org/bots/api#update): its id is checked, its one optional field is grammY's to read. */
const TelegramUpdate = Type.Object({ update_id: Type.Integer({ minimum: 0 }) }, { additionalProperties: true });

/** Equal in constant time whatever the lengths (both sides hashed first). */
function sameSecret(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Telegram → bot updates: `POST /api/telegram/webhook`, public, authenticated only by the
 * `X-Telegram-Bot-Api-Secret-Token` the bot gave setWebhook (TELEGRAM_WEBHOOK_SECRET), checked
 * before the body is read. A handled update answers 200 even when handling failed (logged), so
 * Telegram does not resend it forever; 503 while the bot has not reached Telegram yet (resent later).
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  const runner = app.telegramBot;
  if (!runner) return;
  app.post(
    '/telegram/webhook',
    {
      schema: { body: TelegramUpdate, response: { 200: Type.Object({ ok: Type.Boolean() }), 400: ErrorBody, 401: ErrorBody, 503: ErrorBody } },
      onRequest: async (req) => {
        if (!sameSecret(req.headers[SECRET_HEADER], app.config.TELEGRAM_WEBHOOK_SECRET)) {
          req.log.warn('telegram webhook with a bad or missing secret token refused');
          throw unauthorized('Bad or missing X-Telegram-Bot-Api-Secret-Token', 'bad_secret_token');
        }
      },
    },
    async (req) => {
      if (!runner.bot.isInited()) throw new HttpError(503, 'bot_starting', 'The bot has not reached Telegram yet; resend later');
      try {
        await runner.bot.handleUpdate(req.body as Update);
      } catch (err) {
        if (!(err instanceof BotError)) throw err;
        req.log.warn({ err: err.error, updateId: req.body.update_id }, 'telegram: handling an update failed');
      }
      return { ok: true };
    },
  );
};

export default routes;
