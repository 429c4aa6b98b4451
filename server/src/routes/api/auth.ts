import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AuthResponse, ErrorBody, LoginBody, TelegramAuthBody, TelegramAuthResponse } from '@ordercast/shared/schemas';
import { LoginLimits } from '../../auth/login-limits';
import { createLoginLimitStore } from '../../auth/login-limit-store-factory';
import { PgSql } from '../../db/sql-postgres';
import { verifyPassword } from '../../auth/password';
import { verifyInitData } from '../../auth/telegram';
import { unauthorized } from '../../lib/errors';

const errors = { 400: ErrorBody, 401: ErrorBody, 429: ErrorBody };

/** Sign-in: customers by Telegram launch data, staff by username and password; a fresh token for a valid one. */
const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/auth/telegram',
    { schema: { body: TelegramAuthBody, response: { 200: TelegramAuthResponse, ...errors } }, compress: {} },
    async (req) => {
      const result = verifyInitData(req.body.initData, app.config.TELEGRAM_BOT_TOKEN, app.config.INITDATA_MAX_AGE_S);
      if (!result.ok) throw unauthorized(`Telegram sign-in refused: ${result.reason}`, 'invalid_init_data');
      const row = await app.users.upsertTelegramCustomer(result.user);
      const user = await app.users.toWire(row);
      const token = app.issueToken(row.id, row.role, row.tokenVersion);
      // The Mini App's first screen is the menu of the customer's city: one round trip instead of two.
      return req.body.withMenu && user.city_id ? { token, user, menu: await app.menu.menu(user.city_id) } : { token, user };
    },
  );

  const store = await createLoginLimitStore(app.config, app.log, app.sql instanceof PgSql ? app.sql : null);
  // Before the database closes (onClose hooks run in reverse order): the PostgreSQL store's prune uses it.
  app.addHook('onClose', () => store.close());
  const limits = new LoginLimits(store, {
    perAddressAndUser: app.config.LOGIN_RATE_LIMIT,
    perAddress: app.config.LOGIN_ADDRESS_LIMIT,
    perUserFailures: app.config.LOGIN_USER_LIMIT,
  });

  app.post('/auth/login', { schema: { body: LoginBody, response: { 200: AuthResponse, ...errors } } }, async (req, reply) => {
    // Every limit is checked before the password hash runs: refusing must cost (almost) nothing.
    await limits.admit(req, reply);
    const row = await app.users.byUsername(req.body.username.toLowerCase());
    const ok = await verifyPassword(req.body.password, app.users.staffCanLogin(row) ? row.passwordHash : null);
    if (!ok || !row) {
      await limits.failed(req);
      throw unauthorized('Wrong username or password', 'invalid_credentials');
    }
    await limits.succeeded(req);
    return { token: app.issueToken(row.id, row.role, row.tokenVersion), user: await app.users.toWire(row) };
  });

  /*
   * Seed 002: a valid, unrevoked token → a fresh one (full JWT_TTL_S) with the user's current role
   * and token version, for staff and customers alike. `authenticate` has already refused an
   * expired, disabled or revoked token, so a password reset or a disabled account ends the chain.
   */
  app.post('/auth/refresh', { onRequest: app.authenticate, schema: { response: { 200: AuthResponse, 401: ErrorBody } } }, async (req) => {
    const row = await app.users.byId(req.principal.userId);
    if (!row) throw unauthorized('This account no longer exists or is disabled', 'account_disabled');
    return { token: app.issueToken(row.id, row.role, row.tokenVersion), user: await app.users.toWire(row) };
  });
};

export default authRoutes;
