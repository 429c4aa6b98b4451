import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config/config';
import { redactUrl } from './redact';

/**
 * The server's pino options. A person running `npm start` in a terminal reads pretty lines
 * (pino-pretty in a worker thread); production, tests, and any run whose output goes to a pipe
 * or a file get JSON, one object a line, for machines. `LOG_PRETTY` forces the choice either way
 * in development; outside development the output is always JSON.
 */
export function loggerOptions(
  config: Config,
  opts: { stream?: NodeJS.WritableStream; isTTY?: boolean } = {},
): Exclude<FastifyServerOptions['logger'], boolean | undefined> {
  const base = {
    level: config.LOG_LEVEL,
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, url: redactUrl(req.url), ip: req.ip }),
    },
  };
  if (opts.stream) return { ...base, stream: opts.stream };
  if (!prettyLogs(config, opts.isTTY ?? process.stdout.isTTY === true)) return base;
  return {
    ...base,
    transport: {
      target: 'pino-pretty',
      options: {
        translateTime: 'SYS:HH:MM:ss',
        // The request line's message already says method, URL, status and time.
        ignore: 'pid,hostname,reqId,req,res,responseTime',
        singleLine: true,
        // Written as received, so a flushed logger has really printed (the banner comes after).
        sync: true,
      },
    },
  };
}

export function prettyLogs(config: Pick<Config, 'NODE_ENV' | 'LOG_PRETTY'>, isTTY: boolean): boolean {
  return config.NODE_ENV === 'development' && (config.LOG_PRETTY ?? isTTY);
}
