import type { FastifyBaseLogger } from 'fastify';
import { Compile } from 'typebox/compile';
import { NodeAnswer, NodeRequest, type BusNotice, type NodeRequestHandler } from './types';

const checkRequest = Compile(NodeRequest);
const checkAnswer = Compile(NodeAnswer);

/** Asks waiting for an answer, at most (each holds a timer until it settles). */
const MAX_PENDING_ASKS = 10_000;
const NODE_ID = /^[0-9a-f]{8}$/;

/**
 * What every bus between nodes carries beside events, written once for each transport (Redis
 * pub/sub, PostgreSQL NOTIFY): the rights/chat notices, and requests to one node with their
 * answers (`q \n from \n reqId \n json`, `a \n from \n reqId \n json`). The transport only moves
 * the text; the framing, the checks and the bookkeeping of waiting asks live here.
 */
export class NodeCalls {
  private handler: NodeRequestHandler | null = null;
  private nextAsk = 0;
  private readonly pending = new Map<number, (answer: NodeAnswer | null) => void>();

  constructor(
    private readonly nodeId: string,
    private readonly logger: FastifyBaseLogger,
    /** Named in warnings: `redis`, `postgres`. */
    private readonly transport: string,
  ) {}

  onAsk(handler: NodeRequestHandler): () => void {
    this.handler = handler;
    return () => {
      if (this.handler === handler) this.handler = null;
    };
  }

  /**
   * Asks node `nodeId` (this node: its own handler). `send` moves the request's text to that node
   * and resolves false when nobody can hear it; null comes back then, on a timeout, or when too
   * many asks are waiting.
   */
  ask(nodeId: string, request: NodeRequest, timeoutMs: number, send: (payload: string) => Promise<boolean>): Promise<NodeAnswer | null> {
    if (nodeId === this.nodeId) return this.handler ? this.handler(request) : Promise.resolve(null);
    if (!NODE_ID.test(nodeId) || this.pending.size >= MAX_PENDING_ASKS) return Promise.resolve(null);
    const reqId = ++this.nextAsk;
    return new Promise<NodeAnswer | null>((resolve) => {
      const timer = setTimeout(() => settle(null), timeoutMs);
      const settle = (answer: NodeAnswer | null) => {
        if (!this.pending.delete(reqId)) return;
        clearTimeout(timer);
        resolve(answer);
      };
      this.pending.set(reqId, settle);
      send(`q\n${this.nodeId}\n${reqId}\n${JSON.stringify(request)}`).then(
        (heard) => heard || settle(null),
        () => settle(null),
      );
    });
  }

  /**
   * A message on this node's channel: an answer settles its ask; a request runs the handler and
   * comes back as the answer's text and the node to send it to (null: nothing to send). An answer
   * longer than `maxBytes` is replaced by an error saying so.
   */
  async receive(text: string, maxBytes = Infinity): Promise<{ to: string; payload: string } | null> {
    const a = text.indexOf('\n');
    const b = text.indexOf('\n', a + 1);
    const c = text.indexOf('\n', b + 1);
    if (a !== 1 || b < 0 || c < 0) {
      this.logger.warn(`malformed message on the ${this.transport} node channel; ignored`);
      return null;
    }
    const from = text.slice(a + 1, b);
    const reqId = Number(text.slice(b + 1, c));
    let body: unknown;
    try {
      body = JSON.parse(text.slice(c + 1));
    } catch {
      body = undefined;
    }
    if (text[0] === 'a') {
      if (checkAnswer.Check(body)) this.pending.get(reqId)?.(body);
      return null;
    }
    if (text[0] !== 'q' || !checkRequest.Check(body) || !NODE_ID.test(from)) {
      this.logger.warn(`malformed request on the ${this.transport} node channel; ignored`);
      return null;
    }
    let answer: NodeAnswer;
    try {
      answer = this.handler ? await this.handler(body) : { ok: false, status: 404, code: 'unknown_connection', message: 'This process holds no connections' };
    } catch (err) {
      this.logger.error({ err, request: body }, 'node request handler failed');
      answer = { ok: false, status: 500, code: 'internal', message: 'The process holding the connection could not apply the request' };
    }
    let payload = `a\n${this.nodeId}\n${reqId}\n${JSON.stringify(answer)}`;
    if (Buffer.byteLength(payload) > maxBytes) {
      payload = `a\n${this.nodeId}\n${reqId}\n${JSON.stringify({ ok: false, status: 500, code: 'internal', message: 'The answer was too large to relay' })}`;
    }
    return { to: from, payload };
  }

  /** Drops the handler; every waiting ask gets null. */
  close(): void {
    this.handler = null;
    for (const settle of [...this.pending.values()]) settle(null);
  }
}

/** A notice's text on the notice channel: the sender (so it can skip its own) and the JSON. */
export const noticeText = (sender: string, notice: BusNotice): string => `${sender}\n${JSON.stringify(notice)}`;

/** The notice in `text`; 'own' for the sender's own, null (after a warning) for anything malformed. */
export function readNotice(text: string, sender: string, logger: FastifyBaseLogger, transport: string): BusNotice | 'own' | null {
  const a = text.indexOf('\n');
  if (a < 0 || text.slice(0, a) === sender) return 'own';
  let notice: unknown;
  try {
    notice = JSON.parse(text.slice(a + 1));
  } catch {
    notice = null;
  }
  const n = notice as { kind?: unknown; userId?: unknown; room?: unknown; json?: unknown; except?: unknown; presence?: unknown } | null;
  if (n?.kind === 'principal-changed' && typeof n.userId === 'number' && Number.isSafeInteger(n.userId)) {
    return { kind: 'principal-changed', userId: n.userId };
  }
  if (n?.kind === 'chat' && typeof n.room === 'string' && typeof n.json === 'string' && typeof n.except === 'number') {
    return { kind: 'chat', room: n.room, json: n.json, except: n.except, presence: n.presence === true };
  }
  logger.warn(`malformed message on the ${transport} notice channel; ignored`);
  return null;
}
