import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ErrorBody, StaffSettings } from '@ordercast/shared/schemas';

/** The settings staff apps follow: late-order thresholds (against the promised time, and for older orders since placed) and the bonus rules. */
const settingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/settings', { schema: { response: { 200: StaffSettings, 401: ErrorBody, 403: ErrorBody } } }, async () => ({
    order_warn_minutes: app.config.ORDER_WARN_MINUTES,
    order_late_minutes: app.config.ORDER_LATE_MINUTES,
    order_eta_warn_minutes: app.config.ORDER_ETA_WARN_MINUTES,
    bonus_earn_rate: app.config.BONUS_EARN_RATE,
    bonus_max_share: app.config.BONUS_MAX_SHARE,
  }));
};

export default settingsRoutes;
