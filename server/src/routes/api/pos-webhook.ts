import underPressure from '@fastify/under-pressure';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '@ordercast/shared/schemas';
import { HttpError, unauthorized } from '../../lib/errors';
import { SIGNATURE_HEADER, verifySignature } from '../../pos/signature';
import { PosWebhookBody } from '../../pos/wire';

const WebhookResult = Type.Object({
  applied: Type.Boolean(),
  reason: Type.Optional(Type.String()),
  status: Type.Optional(Type.String()),
});

/** Not JSON: the signature check answers first, then validation refuses it. */
const NOT_JSON = Object.freeze({ __notJson: true });

/**
 * POS → server kitchen callbacks: `POST /api/pos/webhook`, public, authenticated only by
 * `X-POS-Signature: hex(HMAC-SHA256(raw body, POS_WEBHOOK_SECRET))`, checked in constant time over
 * the exact bytes received (this scope parses bodies itself to keep them). Bad or missing → 401
 * and nothing changes. A valid step answers 200 `{applied, reason?, status?}` whether or not it fit,
 * so the POS stops re-sending.
 *
 * Load shedding, for this route only (the POS re-sends until a 2xx, so refusing is safe here; it is
 * not for a customer placing an order): while the event loop lags more than
 * POS_WEBHOOK_MAX_EVENT_LOOP_DELAY_MS (or RSS is above POS_WEBHOOK_MAX_RSS_MB) callbacks get
 * 503 `{error: "overloaded"}` with Retry-After, so a flood from a POS's backlog cannot take the
 * process down.
 */
const RETRY_AFTER_S = 5;

class Overloaded extends HttpError {
  constructor() {
    super(503, 'overloaded', `The server is busy; send this callback again in ${RETRY_AFTER_S} s`);
  }
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  const cfg = app.config;
  if (cfg.POS_WEBHOOK_MAX_EVENT_LOOP_DELAY_MS > 0 || cfg.POS_WEBHOOK_MAX_RSS_MB > 0) {
    // Registered in this plugin's own scope: its onRequest check runs for this route alone.
    await app.register(underPressure, {
      maxEventLoopDelay: cfg.POS_WEBHOOK_MAX_EVENT_LOOP_DELAY_MS,
      maxRssBytes: cfg.POS_WEBHOOK_MAX_RSS_MB * 1024 * 1024,
      retryAfter: RETRY_AFTER_S,
      // Answered by the app's error handler as {error, message}; under-pressure sets the status and Retry-After.
      customError: Overloaded,
    });
  }

  const rawBodies = new WeakMap<FastifyRequest, Buffer>();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    rawBodies.set(req, body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = NOT_JSON;
    }
    done(null, parsed);
  });

  app.post(
    '/pos/webhook',
    {
      schema: { body: PosWebhookBody, response: { 200: WebhookResult, 400: ErrorBody, 401: ErrorBody } },
      preValidation: async (req) => {
        if (!verifySignature(rawBodies.get(req) ?? Buffer.alloc(0), app.config.POS_WEBHOOK_SECRET, req.headers[SIGNATURE_HEADER])) {
          req.log.warn('pos webhook with a bad or missing signature refused');
          throw unauthorized('Bad or missing X-POS-Signature', 'bad_signature');
        }
      },
    },
    async (req) => app.tx(() => app.pos.state.applyStep(req.body)),
  );
};

export default routes;
