import { createRequire } from 'node:module';

/** The server's version, from server/package.json: the API document's and /health's. */
export const SERVER_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
