import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '@ordercast/shared/schemas';
import { unauthorized } from '../../lib/errors';
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
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
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
    async (req) => app.pos.steps.apply(req.body),
  );
};

export default routes;
