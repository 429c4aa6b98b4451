import type Database from 'better-sqlite3';
import { GrammyError, type Api } from 'grammy';
import type { FastifyBaseLogger } from 'fastify';
import { backoffDelay } from '@ordercast/shared';
import type { Db } from '../db/client';
import type { botMessages } from '../db/schema';
import { isoNow } from '../lib/time';
import { miniAppUrl } from './deep-link';
import { stepText } from './notify-texts';
import type { BotMessageParams } from './outbox';
import type { BotPeople } from './people';
import { texts } from './texts';

type Row = { id: number; order_id: number; user_id: number; chat_id: number; step: (typeof botMessages.$inferSelect)['step']; language: 'ru' | 'en'; params: string; attempts: number };

export interface NotifierDeps {
  db: Db;
  /**
   * A grammY Api of its own, without the auto-retry plugin: this worker is the one that waits out
   * 429 `retry_after` and retries (per message, in the outbox), so retries are never stacked and a
   * wait for one chat never holds the others.
   */
  api: Api;
  publicUrl: string;
  people: Pick<BotPeople, 'blocked'>;
  /**
   * Whether the customer has the Mini App open on this process right now (a realtime connection in
   * their user room): they saw the step live, so the chat does not repeat it.
   */
  isOnline(userId: number): boolean;
  log: FastifyBaseLogger;
}

export interface NotifierSettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Least time between two messages to one chat (Telegram: about 1 per second). */
  perChatMs?: number;
  /** Messages per second over all chats (Telegram: about 30). */
  perSecond?: number;
  concurrency?: number;
  /** Longest sleep between looks at the outbox (rows written by other processes). */
  pollMs?: number;
  /** How long a `sending` row is ours before another sender may retake it (a crash mid-send). */
  leaseMs?: number;
}

/**
 * Sends the bot's outbox (bot/outbox.ts) through the Bot API: the oldest open message of each
 * chat first (steps arrive in order), at most one message a second per chat and `perSecond`
 * overall, 429 `retry_after` honoured for that message's chat, 5xx and network failures retried
 * with the shared backoff, and a 403 "blocked" recorded on the user so nothing more is tried.
 */
export class BotNotifier {
  private readonly perChatMs: number;
  private readonly perSecond: number;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  /** When each chat may get its next message (Infinity while one is on its way). */
  private readonly chatFreeAt = new Map<number, number>();
  /** Send times of the last second, for the overall limit. */
  private recent: number[] = [];
  private readonly active = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private stopped = true;
  private running = false;
  /** Aborts the sends on their way when the process stops, so a hanging Bot API never holds the shutdown. */
  private aborter = new AbortController();
  private readonly dueStmt: Database.Statement<{ now: string }, { id: number; chat_id: number }>;
  private readonly nextStmt: Database.Statement<[], { at: string | null }>;
  private readonly claimStmt: Database.Statement<{ id: number; now: string; lease: string }, Row>;
  private readonly finishStmt: Database.Statement<{ id: number; status: string; now: string; error: string | null }>;
  private readonly retryStmt: Database.Statement<{ id: number; at: string; now: string; error: string; attempts: number }>;
  private readonly blockedStmt: Database.Statement<[number], { blocked: string | null }>;
  private readonly blockAllStmt: Database.Statement<{ userId: number; now: string }>;

  constructor(
    private readonly deps: NotifierDeps,
    private readonly settings: NotifierSettings,
  ) {
    this.perChatMs = settings.perChatMs ?? 1000;
    this.perSecond = settings.perSecond ?? 30;
    this.concurrency = settings.concurrency ?? 8;
    this.pollMs = settings.pollMs ?? 5000;
    this.leaseMs = settings.leaseMs ?? 60_000;
    const sqlite = deps.db.$client;
    const open = `(b.status = 'pending' OR (b.status = 'sending' AND b.lease_until < @now))`;
    this.dueStmt = sqlite.prepare(
      `SELECT b.id, b.chat_id FROM bot_messages b
        WHERE ${open} AND b.next_attempt_at <= @now
          AND NOT EXISTS (SELECT 1 FROM bot_messages e WHERE e.chat_id = b.chat_id AND e.id < b.id AND e.status IN ('pending', 'sending'))
        ORDER BY b.next_attempt_at, b.id LIMIT 200`,
    );
    this.nextStmt = sqlite.prepare(
      `SELECT MIN(at) AS at FROM (SELECT MIN(next_attempt_at) AS at FROM bot_messages WHERE status = 'pending'
         UNION ALL SELECT MIN(lease_until) FROM bot_messages WHERE status = 'sending')`,
    );
    this.claimStmt = sqlite.prepare(
      `UPDATE bot_messages AS b SET status = 'sending', lease_until = @lease, updated_at = @now WHERE b.id = @id AND ${open}
        RETURNING id, order_id, user_id, chat_id, step, language, params, attempts`,
    );
    this.finishStmt = sqlite.prepare(
      `UPDATE bot_messages SET status = @status, lease_until = NULL, last_error = @error, updated_at = @now,
         sent_at = CASE WHEN @status = 'sent' THEN @now ELSE sent_at END WHERE id = @id`,
    );
    this.retryStmt = sqlite.prepare(
      `UPDATE bot_messages SET status = 'pending', lease_until = NULL, attempts = @attempts, next_attempt_at = @at, last_error = @error, updated_at = @now WHERE id = @id`,
    );
    this.blockedStmt = sqlite.prepare(`SELECT bot_blocked_at AS blocked FROM users WHERE id = ?`);
    this.blockAllStmt = sqlite.prepare(
      `UPDATE bot_messages SET status = 'blocked', lease_until = NULL, updated_at = @now WHERE user_id = @userId AND status = 'pending'`,
    );
  }

  start(): void {
    this.stopped = false;
    if (this.aborter.signal.aborted) this.aborter = new AbortController();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.aborter.abort();
    await Promise.allSettled([...this.active]);
  }

  /** Look at the outbox now (a commit may have added a message). Cheap and coalesced. */
  wake(): void {
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    const at = Date.now() + ms;
    if (this.timer && at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.tick();
    }, Math.max(0, ms));
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped || this.running) return;
    this.running = true;
    let wakeIn = this.pollMs;
    try {
      const now = Date.now();
      this.recent = this.recent.filter((t) => t > now - 1000);
      for (const [chat, at] of this.chatFreeAt) if (at <= now) this.chatFreeAt.delete(chat);
      for (const due of this.dueStmt.all({ now: new Date(now).toISOString() })) {
        if (this.active.size >= this.concurrency) break;
        const free = this.chatFreeAt.get(due.chat_id) ?? 0;
        if (free > now) {
          if (free !== Infinity) wakeIn = Math.min(wakeIn, free - now);
          continue;
        }
        if (this.recent.length >= this.perSecond) {
          wakeIn = Math.min(wakeIn, this.recent[0]! + 1000 - now);
          break;
        }
        const nowIso = isoNow();
        const row = this.claimStmt.get({ id: due.id, now: nowIso, lease: new Date(Date.now() + this.leaseMs).toISOString() });
        if (!row) continue;
        this.chatFreeAt.set(row.chat_id, Infinity);
        this.recent.push(now);
        const p: Promise<void> = this.process(row)
          .catch((err: unknown) => this.deps.log.error({ err, messageId: row.id }, 'bot notify: message crashed; its lease will expire and it will be retried'))
          .finally(() => {
            this.active.delete(p);
            if (this.chatFreeAt.get(row.chat_id) === Infinity) this.chatFreeAt.set(row.chat_id, Date.now() + this.perChatMs);
            this.wake();
          });
        this.active.add(p);
      }
      const next = this.nextStmt.get()?.at;
      if (next) wakeIn = Math.min(wakeIn, Date.parse(next) - Date.now());
      this.schedule(Math.max(5, wakeIn));
    } catch (err) {
      // e.g. the database is busy under another process: look again shortly.
      this.deps.log.error({ err }, 'bot notify: could not read the outbox');
      this.schedule(1000);
    } finally {
      this.running = false;
    }
  }

  private finish(id: number, status: 'sent' | 'seen' | 'blocked' | 'failed', error: string | null = null): void {
    this.finishStmt.run({ id, status, now: isoNow(), error });
  }

  private async process(row: Row): Promise<void> {
    if (this.blockedStmt.get(row.user_id)?.blocked) return this.finish(row.id, 'blocked');
    if (this.deps.isOnline(row.user_id)) {
      // Seen live in the open Mini App: not repeated in the chat, and the chat is not held for it.
      this.finish(row.id, 'seen');
      this.chatFreeAt.delete(row.chat_id);
      return;
    }
    const params = JSON.parse(row.params) as BotMessageParams;
    const lang = row.language;
    const signal = this.aborter.signal;
    const button = { text: texts(lang).open.order, web_app: { url: miniAppUrl(this.deps.publicUrl, { kind: 'order', orderId: row.order_id }) } };
    try {
      // grammY's Node build types signals with its abort-controller shim; a native one works the same.
      const apiSignal = signal as unknown as Parameters<Api['sendMessage']>[3];
      await this.deps.api.sendMessage(row.chat_id, stepText(lang, row.step, params), { reply_markup: { inline_keyboard: [[button]] } }, apiSignal);
      this.finish(row.id, 'sent');
    } catch (err) {
      if (signal.aborted) {
        // Stopping: handed back untouched (no attempt counted); the next start sends it.
        this.retryStmt.run({ id: row.id, at: isoNow(), now: isoNow(), error: 'stopped while sending', attempts: row.attempts });
        return;
      }
      this.failed(row, err);
    }
  }

  private failed(row: Row, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const now = Date.now();
    if (err instanceof GrammyError && err.error_code === 403) {
      // Blocked (or the chat is gone): recorded on the user, and nothing more is tried for them.
      this.deps.people.blocked(row.chat_id);
      this.finish(row.id, 'blocked', message);
      this.blockAllStmt.run({ userId: row.user_id, now: isoNow() });
      this.deps.log.info({ chatId: row.chat_id, orderId: row.order_id }, 'bot notify: the user blocked the bot; no more messages for them');
      return;
    }
    if (err instanceof GrammyError && err.error_code === 429) {
      // Telegram says when to come back: this message and its chat wait exactly that; it is not a failure.
      const waitMs = (err.parameters.retry_after ?? 1) * 1000;
      this.chatFreeAt.set(row.chat_id, now + waitMs);
      this.retryStmt.run({ id: row.id, at: new Date(now + waitMs).toISOString(), now: isoNow(), error: message, attempts: row.attempts });
      return;
    }
    const retryable = !(err instanceof GrammyError) || err.error_code >= 500;
    const attempts = row.attempts + 1;
    if (!retryable || attempts >= this.settings.maxAttempts) {
      this.finish(row.id, 'failed', message);
      this.deps.log.warn({ chatId: row.chat_id, orderId: row.order_id, step: row.step, attempts }, `bot notify: gave up on a message: ${message}`);
      return;
    }
    const delay = Math.max(10, backoffDelay(attempts - 1, { initialMs: this.settings.retryBaseMs, maxMs: this.settings.retryMaxMs }));
    this.retryStmt.run({ id: row.id, at: new Date(now + delay).toISOString(), now: isoNow(), error: message, attempts });
  }
}
