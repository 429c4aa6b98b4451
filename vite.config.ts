import { connect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';
import { compression } from 'vite-plugin-compression2';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The server's domain, realtime and POS tests run twice: on SQLite (project `server`) and on
 * PostgreSQL (project `server-pg`, `TEST_DB=postgres`: each test server on a fresh database). The
 * PostgreSQL pass needs a server at TEST_DATABASE_URL or 127.0.0.1:5432; without one it is left out
 * with a visible line (the summary repeats it), unless REQUIRE_SERVICES lists postgres (CI).
 */
const PG_PASS = [
  'auth', 'bot', 'chat', 'menu', 'orders', 'outbox', 'payments', 'pos', 'realtime', 'restaurants', 'routes', 'security', 'stats', 'zones',
].map((d) => `server/test/${d}/**/*.test.ts`).concat('server/test/events/announce.test.ts');
/**
 * Tests of SQLite itself or of the Redis multi-process setup (which shares a SQLite file); PostgreSQL's own are in db/ and events/,
 * and those that make their own PostgreSQL database whichever pass runs them (they run once, in the SQLite pass).
 */
const PG_PASS_EXCLUDE = ['server/test/realtime/redis*.test.ts', 'server/test/orders/concurrency-postgres.test.ts'];

function postgresAnswers(): Promise<boolean> {
  const url = new URL(process.env.TEST_DATABASE_URL || 'postgres://127.0.0.1:5432');
  return new Promise((done) => {
    const socket = connect({ host: url.hostname || '127.0.0.1', port: Number(url.port) || 5432 });
    const end = (ok: boolean) => (socket.destroy(), done(ok));
    socket.setTimeout(1500, () => end(false));
    socket.once('error', () => end(false));
    socket.once('connect', () => end(true));
  });
}

async function postgresPass(): Promise<boolean> {
  // The config is evaluated once per project: probe and say it once per run.
  if (process.env.OC_PG_PASS) return process.env.OC_PG_PASS === 'on';
  const answers = await postgresAnswers();
  process.env.OC_PG_PASS = answers ? 'on' : 'off';
  if (answers) return true;
  const where = process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'PostgreSQL at 127.0.0.1:5432';
  if ((process.env.REQUIRE_SERVICES ?? '').split(',').includes('postgres')) {
    throw new Error(`REQUIRE_SERVICES lists postgres, but ${where} does not answer: the PostgreSQL pass of the server tests cannot run`);
  }
  // Read by the summary reporter (same process), which repeats it at the end of the run.
  process.env.OC_PG_PASS_SKIPPED = `the PostgreSQL pass of the server tests needs ${where} (set TEST_DATABASE_URL or start postgres)`;
  console.log(`skipped: ${process.env.OC_PG_PASS_SKIPPED}`);
  return false;
}
const SERVER = process.env.VITE_DEV_SERVER ?? 'http://127.0.0.1:3000';

/**
 * One config for the whole repo:
 *   vite build --mode webapp   → webapp/dist (served at /app/)
 *   vite build --mode admin    → admin/dist  (served at /admin/)
 *   vite --mode webapp|admin   → dev server proxying the API to the running server
 *   vitest                     → every package's tests, as projects
 */
export default defineConfig(async ({ mode }) => {
  const app = mode === 'admin' ? 'admin' : 'webapp';
  const isTest = mode === 'test' || process.env.VITEST === 'true';
  const withPostgres = isTest && (await postgresPass());
  return {
    root: isTest ? here : resolve(here, app),
    base: app === 'admin' ? '/admin/' : '/app/',
    plugins: [
      vue(),
      // Brotli and gzip files next to each built file, served as they are (@fastify/static preCompressed):
      // a phone's first load moves the compressed bytes with no compression work per request.
      ...(isTest ? [] : [compression({ algorithms: ['brotliCompress', 'gzip'], threshold: 512 })]),
    ],
    // vue-i18n (admin): composition API only, no devtools hooks — lets the bundler drop the legacy API.
    define: { __VUE_I18N_LEGACY_API__: 'false', __VUE_I18N_FULL_INSTALL__: 'true', __INTLIFY_PROD_DEVTOOLS__: 'false' },
    resolve: { dedupe: ['vue', 'pinia'] },
    build: {
      outDir: resolve(here, app, 'dist'),
      emptyOutDir: true,
      target: 'es2020',
      sourcemap: false,
      reportCompressedSize: true,
    },
    server: {
      port: app === 'admin' ? 5174 : 5173,
      proxy: {
        '/api': SERVER,
        '/static': SERVER,
        '/health': SERVER,
        '/sse': SERVER,
        '/ws': { target: SERVER.replace(/^http/, 'ws'), ws: true },
      },
    },
    test: {
      // Servers, SQLite files and browsers are real: give each test room, and keep the 2 cores from thrashing.
      testTimeout: 30_000,
      hookTimeout: 60_000,
      maxWorkers: 2,
      reporters: ['default', './server/test/helpers/summary-reporter.ts'],
      projects: [
        { extends: true, test: { name: 'shared', include: ['shared/test/**/*.test.ts'], environment: 'node' } },
        { extends: true, test: { name: 'server', include: ['server/test/**/*.test.ts'], environment: 'node' } },
        ...(withPostgres
          ? [
              {
                extends: true as const,
                test: {
                  name: 'server-pg',
                  include: PG_PASS,
                  exclude: PG_PASS_EXCLUDE,
                  environment: 'node',
                  env: { TEST_DB: 'postgres' },
                  globalSetup: ['server/test/helpers/pg-matrix-setup.ts'],
                },
              },
            ]
          : []),
        {
          extends: true,
          test: { name: 'webapp', include: ['webapp/test/unit/**/*.test.ts'], environment: 'happy-dom' },
        },
        {
          extends: true,
          test: { name: 'admin', include: ['admin/test/unit/**/*.test.ts'], environment: 'happy-dom' },
        },
        {
          extends: true,
          test: {
            name: 'e2e',
            include: ['webapp/test/e2e/**/*.test.ts', 'admin/test/e2e/**/*.test.ts'],
            environment: 'node',
            fileParallelism: false,
            testTimeout: 60_000,
          },
        },
      ],
    },
  };
});
