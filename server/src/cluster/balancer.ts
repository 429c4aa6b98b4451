import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createProxyServer } from 'http-proxy-3';

/**
 * A small local load balancer for `npm run cluster` and the multi-node tests: what an L7 balancer
 * in front of real machines does, in one file, on http-proxy-3 (a maintained rewrite of
 * node-http-proxy; Vite uses it).
 *  - Round-robin over the nodes whose `GET /health` last answered 200 (checked every
 *    `healthIntervalMs`); a draining node (503) or a dead one gets nothing new.
 *  - HTTP, SSE (streamed as it comes) and WebSocket upgrades (piped byte for byte, so the node's
 *    close codes, 1012 included, reach the client as sent).
 *  - No sticky sessions: each request and each connection picks the next node.
 *  - A node that refuses the connection is marked down at once and the call goes to the next
 *    node, for WebSocket upgrades and bodiless requests (nothing was sent yet); other requests get
 *    502 and the client retries (orders with their Idempotency-Key).
 */
export interface BalancerOptions {
  /** Base URLs of the nodes, e.g. http://127.0.0.1:3001. */
  nodes: string[];
  port: number;
  host?: string;
  healthIntervalMs?: number;
  /** A health check that takes longer counts as failed. */
  healthTimeoutMs?: number;
}

interface Node {
  url: string;
  healthy: boolean;
}

export class Balancer {
  private readonly nodes: Node[];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly proxy = createProxyServer({ xfwd: true, agent: false, proxyTimeout: 0 });
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Requests and upgrades sent to each node (for the tests and the banner). */
  readonly routed = new Map<string, number>();

  private constructor(
    private readonly opts: Required<BalancerOptions>,
    nodes: string[],
  ) {
    this.nodes = nodes.map((url) => ({ url, healthy: false }));
    this.server = createServer((req, res) => this.web(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    // Errors are answered per call (see web / upgrade); this keeps an unhandled one from throwing.
    this.proxy.on('error', () => {});
    // A node that dies mid-response (an SSE stream, above all) must not leave its client hanging on
    // a silent connection: cut the client's too, so it reconnects (to another node) and resumes.
    this.proxy.on('proxyRes', (proxyRes, _req, res) => {
      proxyRes.once('close', () => {
        if (!proxyRes.complete && 'destroy' in res) res.destroy();
      });
    });
  }

  static async start(options: BalancerOptions): Promise<Balancer> {
    const opts: Required<BalancerOptions> = { host: '127.0.0.1', healthIntervalMs: 500, healthTimeoutMs: 1000, ...options };
    const b = new Balancer(opts, options.nodes);
    await b.checkAll();
    b.timer = setInterval(() => void b.checkAll(), opts.healthIntervalMs);
    b.timer.unref();
    await new Promise<void>((resolve, reject) => {
      b.server.once('error', reject);
      b.server.listen(opts.port, opts.host, () => resolve());
    });
    return b;
  }

  get url(): string {
    const a = this.server.address();
    const port = a && typeof a === 'object' ? a.port : this.opts.port;
    return `http://${this.opts.host}:${port}`;
  }

  /** The nodes and whether each serves now. */
  status(): { url: string; healthy: boolean }[] {
    return this.nodes.map((n) => ({ ...n }));
  }

  /** Health-checks every node now (also run on the timer). */
  async checkAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.check(n)));
  }

  private async check(n: Node): Promise<void> {
    try {
      const res = await fetch(`${n.url}/health`, { signal: AbortSignal.timeout(this.opts.healthTimeoutMs) });
      await res.body?.cancel();
      n.healthy = res.status === 200;
    } catch {
      n.healthy = false;
    }
  }

  /** The next healthy node after the last one picked; `skip`: nodes already tried for this call. */
  private pick(skip: ReadonlySet<Node> = new Set()): Node | null {
    for (let i = 0; i < this.nodes.length; i++) {
      const n = this.nodes[(this.next + i) % this.nodes.length]!;
      if (n.healthy && !skip.has(n)) {
        this.next = (this.next + i + 1) % this.nodes.length;
        this.routed.set(n.url, (this.routed.get(n.url) ?? 0) + 1);
        return n;
      }
    }
    return null;
  }

  private web(req: IncomingMessage, res: ServerResponse, tried = new Set<Node>()): void {
    const node = this.pick(tried);
    if (!node) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: 'no_node', message: 'No server node is serving right now; retry shortly' }));
      return;
    }
    tried.add(node);
    const bodiless = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
    this.proxy.web(req, res, { target: node.url }, (err) => {
      const refused = (err as NodeJS.ErrnoException).code === 'ECONNREFUSED';
      if (refused) node.healthy = false;
      if (refused && bodiless && !res.headersSent) return this.web(req, res, tried);
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'bad_gateway', message: 'The server node did not answer; retry' }));
      } else res.destroy();
    });
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer, tried = new Set<Node>()): void {
    socket.on('error', () => socket.destroy());
    const node = this.pick(tried);
    if (!node) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    tried.add(node);
    this.proxy.ws(req, socket, head, { target: node.url }, (err) => {
      if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
        node.healthy = false;
        if (!socket.destroyed) return this.upgrade(req, socket, head, tried);
      }
      socket.destroy();
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.proxy.close();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
