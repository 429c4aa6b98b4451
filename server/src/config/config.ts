import { isIP } from 'node:net';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Every setting the server reads, validated once at boot. The variable names are an
 * outside contract (deployments set them; README "Settings" lists them), so they do not change
 * with the code; defaults make `npm start` work with no configuration.
 */
const Ratio = (def: number) => Type.Number({ minimum: 0, maximum: 1, default: def });
const Port = (def: number) => Type.Integer({ minimum: 0, maximum: 65535, default: def });
const Ms = (def: number, min = 1) => Type.Integer({ minimum: min, maximum: 86_400_000, default: def });

export const DEV_JWT_SECRET = 'ordercast-dev-secret-change-me-in-production';
/** Documented dev bot token: the demo link printed by `npm start` is signed with it. */
export const DEV_BOT_TOKEN = '7000000000:DEV-ordercast-demo-bot-token';
export const DEV_WEBHOOK_SECRET = 'ordercast-dev-pos-webhook-secret';
export const DEV_TELEGRAM_WEBHOOK_SECRET = 'ordercast-dev-telegram-webhook-secret';
/** A provider test token's shape (Telegram's test providers issue `<id>:TEST:<key>`); the simulator accepts any. */
export const DEV_PAYMENT_PROVIDER_TOKEN = '284685063:TEST:ordercast-dev';
export const DEFAULT_DATABASE_PATH = './data/app.db';

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  PORT: Port(3000),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1' }),
  /** Base URL printed in links (demo Mini App link); defaults to http://HOST:PORT. */
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Development only: pretty log lines (true) or JSON (false); unset = pretty when stdout is a terminal. */
  LOG_PRETTY: Type.Optional(Type.Boolean()),
  DATABASE_PATH: Type.String({ minLength: 1, default: DEFAULT_DATABASE_PATH }),
  /**
   * PostgreSQL instead of the SQLite file (several server nodes on one database): `postgres://user:pass@host:5432/db`.
   * Unset: SQLite at DATABASE_PATH.
   */
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  /** PostgreSQL: most connections this process holds. */
  DATABASE_POOL_MAX: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  /** PostgreSQL: how long a statement or transaction waits for a free connection before it fails (503 in a request). */
  DATABASE_POOL_TIMEOUT_MS: Ms(10_000, 10),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 16 })),
  /** Lifetime of staff and customer tokens, in seconds. */
  JWT_TTL_S: Type.Integer({ minimum: 60, maximum: 30 * 86400, default: 12 * 3600 }),
  TELEGRAM_BOT_TOKEN: Type.Optional(Type.String({ pattern: '^\\d+:[A-Za-z0-9_-]{10,}$' })),
  INITDATA_MAX_AGE_S: Type.Integer({ minimum: 1, maximum: 30 * 86400, default: 86400 }),
  /** Comma-separated origins; empty = same origin only. */
  CORS_ORIGINS: Type.String({ default: '' }),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  /** Redis pub/sub channel for events; processes serving one database share it. */
  REDIS_CHANNEL: Type.String({ minLength: 1, maxLength: 200, default: 'ordercast:events' }),
  /** Unset: the embedded simulator's address (http://127.0.0.1:POS_SIM_PORT), or :3100 when it is off. */
  POS_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:3100' }),
  POS_SIM_PORT: Port(3100),
  /** The simulator's own state when it runs alone (`npm run pos-sim`); ":memory:" keeps none. */
  POS_SIM_DATABASE_PATH: Type.String({ minLength: 1, default: './data/pos-sim.db' }),
  POS_WEBHOOK_SECRET: Type.Optional(Type.String({ minLength: 8 })),
  /** Checked on `X-Telegram-Bot-Api-Secret-Token` (Telegram allows 1–256 of A-Z a-z 0-9 _ -). */
  TELEGRAM_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,256}$' })),
  /** The Bot API base URL. Unset: the embedded simulator's (http://127.0.0.1:TG_SIM_PORT) when it runs, else Telegram's own. */
  TELEGRAM_API_ROOT: Type.Optional(Type.String({ pattern: '^https?://' })),
  /** false: no bot at all (no Bot API call, no webhook route answering updates). */
  TELEGRAM_BOT: Type.Boolean({ default: true }),
  /** How the bot receives updates; unset: webhook in production (PUBLIC_URL must reach it), long polling elsewhere. */
  TELEGRAM_UPDATES: Type.Optional(Type.Union([Type.Literal('webhook'), Type.Literal('polling')])),
  /** false: this process does not send the bot's order messages (another process does); they still queue. */
  BOT_NOTIFY_WORKER: Type.Boolean({ default: true }),
  /** Attempts of a chat message on 5xx/network failures before it is given up (429 waits do not count). */
  BOT_NOTIFY_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  BOT_NOTIFY_RETRY_BASE_MS: Ms(1000, 10),
  BOT_NOTIFY_RETRY_MAX_MS: Ms(300_000, 10),
  /**
   * The payment provider's token for online payments (physical goods go through a provider, not
   * Stars). Unset: a test token in development (the simulator takes any), and no online payment in production.
   */
  TELEGRAM_PAYMENT_PROVIDER_TOKEN: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
  /** ISO 4217 code of invoices; prices are stored in its minor units (kopecks for RUB). */
  PAYMENT_CURRENCY: Type.String({ pattern: '^[A-Z]{3}$', default: 'RUB' }),
  /** An online order still unpaid this long after it was placed is cancelled (`not_paid`), its bonuses returned. */
  ONLINE_PAYMENT_TIMEOUT_S: Type.Integer({ minimum: 1, maximum: 86_400, default: 900 }),
  /** The embedded Telegram Bot API simulator's port; 0 = do not start it. Never started in production. */
  TG_SIM_PORT: Port(3200),
  /**
   * Whose X-Forwarded-For is believed: empty = nobody (the socket's address is the client's);
   * a comma list of addresses/CIDRs, or `loopback`/`linklocal`/`uniquelocal`; `true` = everyone.
   */
  TRUST_PROXY: Type.String({ maxLength: 2000, default: '' }),
  POS_TIMEOUT_MS: Ms(5000, 50),
  POS_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
  POS_RETRY_BASE_MS: Ms(1000, 10),
  POS_RETRY_MAX_MS: Ms(60_000, 10),
  MENU_SYNC_INTERVAL_MS: Ms(300_000, 100),
  /** The POS webhook answers 503 + Retry-After (the POS re-sends) while the event loop lags more than this; 0 = never. */
  POS_WEBHOOK_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000 }),
  /** …or while the process's RSS is above this many MB; 0 = no limit. */
  POS_WEBHOOK_MAX_RSS_MB: Type.Integer({ minimum: 0, maximum: 1 << 20, default: 0 }),
  /** false: this process neither sends orders to the POS nor imports its menu (another process does). */
  POS_SYNC_WORKER: Type.Boolean({ default: true }),
  DEMO_PASSWORD: Type.String({ minLength: 4, default: 'demo1234' }),
  BONUS_EARN_RATE: Ratio(0.05),
  BONUS_MAX_SHARE: Ratio(0.3),
  /** Staff sign-in attempts per address and username per minute before 429. */
  LOGIN_RATE_LIMIT: Type.Integer({ minimum: 1, maximum: 10_000, default: 10 }),
  /** Staff sign-in attempts per address per minute, whatever the usernames, before 429. */
  LOGIN_ADDRESS_LIMIT: Type.Integer({ minimum: 1, maximum: 100_000, default: 30 }),
  /** Failed sign-ins to one username from anywhere per 15 minutes before it is locked for addresses it never signed in from. */
  LOGIN_USER_LIMIT: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
  /** Event log retention: rows older than this many hours, or beyond the row cap, are pruned. */
  EVENT_LOG_RETENTION_H: Type.Integer({ minimum: 1, maximum: 24 * 365, default: 72 }),
  EVENT_LOG_MAX_ROWS: Type.Integer({ minimum: 1000, maximum: 100_000_000, default: 1_000_000 }),
  WS_PING_INTERVAL_MS: Ms(30_000, 50),
  WS_MAX_BUFFERED_BYTES: Type.Integer({ minimum: 1024, maximum: 1 << 30, default: 1 << 20 }),
  SSE_HEARTBEAT_MS: Ms(15_000, 50),
  /**
   * On SIGTERM/SIGINT, how long /health answers 503 `draining` while this process still serves
   * everything, before it closes its sockets (1012) and stops: a load balancer's health checks
   * notice it first, so reconnecting clients and new requests go to the other nodes. 0 = close at once.
   */
  SHUTDOWN_DRAIN_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 0 }),
  /** Realtime limits per client (README "Security"): rooms per connection, connections per user, WebSocket messages per second. */
  WS_MAX_ROOMS_PER_CONNECTION: Type.Integer({ minimum: 1, maximum: 100_000, default: 100 }),
  WS_MAX_CONNECTIONS_PER_USER: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
  WS_MAX_MESSAGES_PER_S: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
  /** Seed 002: a WebSocket opened without a credential must send `auth` within this time. */
  WS_AUTH_TIMEOUT_MS: Ms(5_000, 50),
  /** Seed 002: WebSockets of this process still waiting for their `auth` message, at most (more are closed 1013). */
  WS_MAX_PENDING_AUTH: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1_000 }),
  /** Seed 002: `token-expiring` goes out this long before a connection's token expires (half the remaining time for shorter tokens). */
  WS_TOKEN_NOTICE_MS: Ms(60_000),
  /** Order chat (issue 18): messages one user may send per minute over all chats (more: 429 rate_limited). */
  CHAT_MAX_MESSAGES_PER_MIN: Type.Integer({ minimum: 1, maximum: 100_000, default: 20 }),
  /** Order chat presence: an entry lives this long unless its process renews it, so a dead process's people leave after it. */
  CHAT_PRESENCE_TTL_MS: Ms(15_000, 300),
  /** A resume further back than this many events is answered with `resync` (refetch over REST) instead of a replay. */
  RESUME_MAX_EVENTS: Type.Integer({ minimum: 1, maximum: 100_000_000, default: 50_000 }),
  /** Who may read /metrics: `loopback` (direct connections from this machine), `public`, or a bearer token (16+ characters). */
  METRICS_ACCESS: Type.String({ minLength: 6, maxLength: 512, default: 'loopback' }),
  /** Admin board, orders without a promised time (placed before promised times existed): older than these minutes is late / very late. */
  ORDER_WARN_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 15 }),
  ORDER_LATE_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 30 }),
  /** Admin board: a card turns amber when its promised time is this many minutes away (red once past it). */
  ORDER_ETA_WARN_MINUTES: Type.Integer({ minimum: 1, maximum: 1440, default: 10 }),
  /** Serve the built SPAs (webapp at /app/, admin at /admin/) when present. */
  SERVE_APPS: Type.Boolean({ default: true }),
});

type Raw = Static<typeof ConfigSchema>;
type Secret = 'JWT_SECRET' | 'TELEGRAM_BOT_TOKEN' | 'POS_WEBHOOK_SECRET' | 'TELEGRAM_WEBHOOK_SECRET';
export const TELEGRAM_API_DEFAULT = 'https://api.telegram.org';
export type Config = Omit<Raw, Secret | 'CORS_ORIGINS' | 'TRUST_PROXY' | 'TELEGRAM_API_ROOT' | 'TELEGRAM_UPDATES' | 'TG_SIM_PORT' | 'TELEGRAM_PAYMENT_PROVIDER_TOKEN'> & {
  [K in Secret]: string;
} & {
  /** Fastify's `trustProxy`: false, true, or the proxies' addresses. */
  TRUST_PROXY: boolean | string[];
  CORS_ORIGINS: string[];
  PUBLIC_URL: string;
  TELEGRAM_API_ROOT: string;
  TELEGRAM_UPDATES: 'webhook' | 'polling';
  /** 0 in production whatever was set: a fake Telegram has no place there. */
  TG_SIM_PORT: number;
  /** Null: online payment is not offered (production without a provider token). */
  TELEGRAM_PAYMENT_PROVIDER_TOKEN: string | null;
  /** Warnings to log once the logger exists (dev defaults in use). */
  warnings: string[];
};

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`Invalid setting ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const KEYS = Object.keys(ConfigSchema.properties) as (keyof Raw)[];

/** Reads settings from an env-like object. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input: Record<string, unknown> = {};
  for (const key of KEYS) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const withDefaults = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, input)) as Record<string, unknown>;
  const errors = Value.Errors(ConfigSchema, withDefaults);
  const first = errors[0];
  if (first) {
    const variable = first.instancePath.replace(/^\//, '') || String((first.params as { requiredProperties?: string[] }).requiredProperties?.[0] ?? 'config');
    throw new ConfigError(variable, `${first.message} (got ${JSON.stringify(env[variable] ?? null)})`);
  }
  const raw = withDefaults as Raw;
  const warnings: string[] = [];
  const secrets = checkSecrets(raw, warnings);
  if (raw.ORDER_WARN_MINUTES >= raw.ORDER_LATE_MINUTES) {
    throw new ConfigError('ORDER_WARN_MINUTES', 'must be below ORDER_LATE_MINUTES');
  }
  if (raw.METRICS_ACCESS !== 'loopback' && raw.METRICS_ACCESS !== 'public' && raw.METRICS_ACCESS.length < 16) {
    throw new ConfigError('METRICS_ACCESS', 'use loopback, public, or a bearer token of at least 16 characters');
  }
  const tgSimPort = raw.NODE_ENV === 'production' ? 0 : raw.TG_SIM_PORT;
  const cors = raw.CORS_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean);
  for (const origin of cors) {
    if (!/^https?:\/\/[^/]+$/.test(origin)) throw new ConfigError('CORS_ORIGINS', `"${origin}" is not an origin like https://example.com`);
  }
  return {
    ...raw,
    ...secrets,
    CORS_ORIGINS: cors,
    TRUST_PROXY: parseTrustProxy(raw.TRUST_PROXY),
    // With only POS_SIM_PORT moved, the server must still talk to its own simulator, not to 3100.
    POS_URL: !env.POS_URL && raw.POS_SIM_PORT > 0 ? `http://127.0.0.1:${raw.POS_SIM_PORT}` : raw.POS_URL,
    TG_SIM_PORT: tgSimPort,
    // Like POS_URL: with the embedded simulator running, the bot talks to it unless told otherwise.
    TELEGRAM_API_ROOT: (raw.TELEGRAM_API_ROOT ?? (tgSimPort > 0 ? `http://127.0.0.1:${tgSimPort}` : TELEGRAM_API_DEFAULT)).replace(/\/$/, ''),
    TELEGRAM_UPDATES: raw.TELEGRAM_UPDATES ?? (raw.NODE_ENV === 'production' ? 'webhook' : 'polling'),
    TELEGRAM_PAYMENT_PROVIDER_TOKEN: raw.TELEGRAM_PAYMENT_PROVIDER_TOKEN ?? (raw.NODE_ENV === 'production' ? null : DEV_PAYMENT_PROVIDER_TOKEN),
    PUBLIC_URL: (raw.PUBLIC_URL ?? `http://${raw.HOST === '0.0.0.0' ? '127.0.0.1' : raw.HOST}:${raw.PORT}`).replace(/\/$/, ''),
    warnings,
  };
}

/** Secrets without a safe default, and the public development value each falls back to. */
const SECRET_DEFAULTS: Record<Secret, string> = {
  JWT_SECRET: DEV_JWT_SECRET,
  POS_WEBHOOK_SECRET: DEV_WEBHOOK_SECRET,
  TELEGRAM_BOT_TOKEN: DEV_BOT_TOKEN,
  TELEGRAM_WEBHOOK_SECRET: DEV_TELEGRAM_WEBHOOK_SECRET,
};
/** What a development server on a public interface must not run with. */
const PUBLIC_DEV_REQUIRED: Secret[] = ['JWT_SECRET', 'POS_WEBHOOK_SECRET', 'TELEGRAM_BOT_TOKEN', 'TELEGRAM_WEBHOOK_SECRET'];

/**
 * Production requires every secret, and refuses a development default written out (it is
 * published in this repository). Development falls back to the defaults with a warning, but not
 * when it listens beyond loopback: a dev server on a public interface with public secrets is
 * the same hole as a production one.
 */
function checkSecrets(raw: Raw, warnings: string[]): Record<Secret, string> {
  const given = (name: Secret): string | undefined => {
    const v = raw[name];
    return v && v !== SECRET_DEFAULTS[name] ? v : undefined;
  };
  if (raw.NODE_ENV === 'production') {
    for (const name of Object.keys(SECRET_DEFAULTS) as Secret[]) {
      if (!raw[name]) throw new ConfigError(name, 'required when NODE_ENV=production');
      if (!given(name)) throw new ConfigError(name, 'is the published development default; set a secret of your own when NODE_ENV=production');
    }
  } else if (raw.NODE_ENV === 'development' && !isLoopback(raw.HOST)) {
    const missing = PUBLIC_DEV_REQUIRED.filter((name) => !given(name));
    if (missing.length) {
      throw new ConfigError('HOST', `${raw.HOST} is not a loopback address, so the development defaults are refused: set ${missing.join(', ')} (or listen on 127.0.0.1)`);
    }
  }
  if (!raw.JWT_SECRET) warnings.push('JWT_SECRET is not set: using the development default. Never do this in production.');
  if (!raw.TELEGRAM_BOT_TOKEN) warnings.push('TELEGRAM_BOT_TOKEN is not set: using the documented development bot token.');
  return Object.fromEntries((Object.keys(SECRET_DEFAULTS) as Secret[]).map((k) => [k, raw[k] ?? SECRET_DEFAULTS[k]])) as Record<Secret, string>;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** TRUST_PROXY → Fastify's trustProxy. Off unless written; `true` only when written as such. */
function parseTrustProxy(value: string): boolean | string[] {
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  const entries = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [addr = '', bits, ...rest] = entry.split('/');
    const family = isIP(addr);
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!(PROXY_NAMES.has(entry) || (family && validBits && rest.length === 0))) {
      throw new ConfigError('TRUST_PROXY', `"${entry}" is not an address, a CIDR range, loopback, linklocal, uniquelocal or true`);
    }
  }
  return entries;
}

/** For entry points (server, simulator, migrate): the settings, or the one-line reason and exit 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
}
