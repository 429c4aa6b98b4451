import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, StatsQuery, StatsResponse } from '@ordercast/shared/schemas';
import { badRequest } from '../../lib/errors';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody };

function validDay(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/** GET /api/admin/stats?cityId&date — the dashboard: a city-local day per city, scoped to the manager's cities. */
const statsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/stats', { schema: { querystring: StatsQuery, response: { 200: StatsResponse, ...errors } } }, async (req) => {
    const { date } = req.query;
    if (date !== undefined && !validDay(date)) throw badRequest(`"${date}" is not a calendar day (YYYY-MM-DD)`, 'bad_date');
    return app.stats.dashboard(req.principal, req.query);
  });
};

export default statsRoutes;
