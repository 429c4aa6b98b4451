import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import type { TestOptions } from 'vitest';

/**
 * Tests that need a service this machine may not have (a Redis server, a `redis-server` program to
 * start privately, later PostgreSQL) ask for it here, once per describe:
 *
 *   describe('two processes over Redis', await requireService('redis'), () => { … });
 *
 * When the service is missing the suite is skipped (no hook runs) and the summary reporter prints one
 * line per service: `skipped: 6 tests need Redis at 127.0.0.1:6379 (set REDIS_URL or start redis-server)`.
 * A fresh machine with only Node and npm still gets a green `npm test`, and nobody is left guessing
 * what did not run. CI lists the services it provides in `REQUIRE_SERVICES=redis,postgres`: there a
 * missing one fails the run instead, so a broken CI machine cannot pass by skipping.
 */

declare module 'vitest' {
  interface TaskMeta {
    /** Set on a suite skipped for a missing service: what it needs and how to provide it. */
    needs?: string;
  }
}

export type ServiceName = 'redis' | 'redis-server' | 'postgres';

interface Service {
  /** What the tests need, as the skip line says it. */
  what: string;
  /** How to provide it. */
  hint: string;
  probe(): Promise<boolean>;
}

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port) || defaultPort };
}

/** Opens a TCP connection; with `hello`, also requires the reply to start with `expect`. */
function tcpProbe(host: string, port: number, hello?: string, expect?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => {
      if (!hello) return done(true);
      socket.write(hello);
      let got = '';
      socket.on('data', (d) => {
        got += d.toString();
        if (got.length >= (expect ?? '').length) done(got.startsWith(expect ?? ''));
      });
    });
  });
}

/** The Redis the multi-process tests share (`REDIS_URL`, default the local one). */
export const TEST_REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

function services(env: Record<string, string | undefined>): Record<ServiceName, Service> {
  const redisAt = hostPort(env.REDIS_URL || 'redis://127.0.0.1:6379', 6379);
  const pgAt = hostPort(env.TEST_DATABASE_URL || (env.DATABASE_URL?.startsWith('postgres') ? env.DATABASE_URL : 'postgres://127.0.0.1:5432'), 5432);
  return {
    redis: {
      what: `Redis at ${redisAt.host}:${redisAt.port}`,
      hint: 'set REDIS_URL or start redis-server',
      probe: () => tcpProbe(redisAt.host, redisAt.port, 'PING\r\n', '+PONG'),
    },
    'redis-server': {
      what: 'the redis-server program (they start a private Redis)',
      hint: 'install Redis so that redis-server and redis-cli are on PATH',
      probe: async () =>
        spawnSync('redis-server', ['--version'], { stdio: 'ignore', env }).status === 0 &&
        spawnSync('redis-cli', ['--version'], { stdio: 'ignore', env }).status === 0,
    },
    postgres: {
      what: `PostgreSQL at ${pgAt.host}:${pgAt.port}`,
      hint: 'set TEST_DATABASE_URL or start postgres',
      probe: () => tcpProbe(pgAt.host, pgAt.port),
    },
  };
}

/** `REQUIRE_SERVICES=redis,postgres`: these must be present; a missing one fails the run. */
export function requiredServices(env: Record<string, string | undefined> = process.env): Set<string> {
  return new Set((env.REQUIRE_SERVICES ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}

/** The line a skipped suite's tests are reported under. */
export function skipNote(name: ServiceName, env: Record<string, string | undefined> = process.env): string {
  const s = services(env)[name];
  return `${s.what} (${s.hint})`;
}

/**
 * Options for a `describe` whose tests need `name`: run them when it answers, skip them with a
 * reason otherwise, or throw (the file fails) when `REQUIRE_SERVICES` lists it.
 */
export async function requireService(name: ServiceName, env: Record<string, string | undefined> = process.env): Promise<TestOptions> {
  if (await services(env)[name].probe()) return {};
  const note = skipNote(name, env);
  const required = requiredServices(env);
  // `redis-server` is how the Redis tests get their private server: required whenever Redis is.
  if (required.has(name) || (name === 'redis-server' && required.has('redis'))) {
    throw new Error(`REQUIRE_SERVICES lists ${name}, but these tests cannot run: they need ${note}`);
  }
  return { skip: true, meta: { needs: note } };
}
