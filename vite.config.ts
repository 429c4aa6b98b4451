import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';
import { compression } from 'vite-plugin-compression2';

const here = fileURLToPath(new URL('.', import.meta.url));
const SERVER = process.env.VITE_DEV_SERVER ?? 'http://127.0.0.1:3000';

/**
 * One config for the whole repo:
 *   vite build --mode webapp   → webapp/dist (served at /app/)
 *   vite build --mode admin    → admin/dist  (served at /admin/)
 *   vite --mode webapp|admin   → dev server proxying the API to the running server
 *   vitest                     → every package's tests, as projects
 */
export default defineConfig(({ mode }) => {
  const app = mode === 'admin' ? 'admin' : 'webapp';
  const isTest = mode === 'test' || process.env.VITEST === 'true';
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
