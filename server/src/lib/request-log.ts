import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { redactUrl } from './redact';

/** Paths whose successful requests are routine (the apps' files, health checks, scrapes). */
const QUIET = /^\/(?:health|metrics|favicon\.ico)(?:[?/]|$)|^\/(?:app|admin|static|docs)(?:[/?]|$)/;

/**
 * Fastify's request log lines, made for a person: one line per request when it is answered
 * (`GET /api/menu?cityId=1 200 3ms`) instead of "incoming request" plus "request completed";
 * a WebSocket upgrade (never "completed") gets its line when it arrives; static files and health
 * checks get none unless they fail. URLs are redacted (`?token=[redacted]`).
 */
export class RequestLog extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (request.headers.upgrade && !QUIET.test(request.url)) request.log.info({ req: request }, `${request.method} ${redactUrl(request.url)} upgrade`);
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.statusCode;
    const failed = !!error || status >= 500;
    if (!failed && (QUIET.test(request.url) || request.headers.upgrade)) return;
    const ms = Math.round(reply.elapsedTime);
    const line = `${request.method} ${redactUrl(request.url)} ${status} ${ms}ms`;
    const fields = { req: request, res: { statusCode: status }, responseTime: ms };
    if (failed) reply.log.error({ ...fields, ...(error && { err: error }) }, line);
    else reply.log.info(fields, line);
  }

  /** The completed line says 404 already. */
  override routeNotFound(): void {}
}
