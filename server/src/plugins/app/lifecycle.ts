import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    lifecycle: Lifecycle;
  }
}

/**
 * Where this process is in its life, for a load balancer: serving, or draining (a SIGTERM came:
 * /health says 503 `draining` while everything is still served, then the process closes).
 */
export class Lifecycle {
  private drainingSince: number | null = null;

  get draining(): boolean {
    return this.drainingSince !== null;
  }

  /** Idempotent: the first call counts. */
  startDraining(): void {
    this.drainingSince ??= Date.now();
  }
}

export default fp(
  async (app) => {
    app.decorate('lifecycle', new Lifecycle());
  },
  { name: 'lifecycle' },
);
