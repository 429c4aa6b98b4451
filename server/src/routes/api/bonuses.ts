import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { toMajor } from '@ordercast/shared';
import { BonusesResponse, ErrorBody } from '@ordercast/shared/schemas';

const bonusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/bonuses', { schema: { response: { 200: BonusesResponse, 401: ErrorBody } } }, async (req) => ({
    balance: toMajor(await app.ledger.balance(req.principal.userId)),
    earn_rate: app.config.BONUS_EARN_RATE,
    max_share: app.config.BONUS_MAX_SHARE,
    ledger: await app.ledger.history(req.principal.userId),
  }));
};

export default bonusRoutes;
