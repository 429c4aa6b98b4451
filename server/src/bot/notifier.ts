import { GrammyError, type Api } from 'grammy';
import type { FastifyBaseLogger } from 'fastify';
import type { Sql, Statement } from '../db/sql';
import { botMessages } from '../db/schema';
import { OutboxRunner, type Held } from '../outbox/runner';
import { miniAppUrl } from './deep-link';
import { stepText } from './notify-texts';
import type { BotMessageParams } from './outbox';
import type { BotPeople } from './people';
import { texts } from './texts';

type Message = typeof botMessages.$inferSelect;

export interface NotifierDeps {
  sql: Sql;
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
 * Sends the bot's outbox (bot/outbox.ts) through the Bot API, on the shared outbox runner
 * (outbox/runner.ts): the oldest open message of each chat first (steps arrive in order), at most
 * one message a second per chat and `perSecond` overall, 429 `retry_after` honoured for that
 * message's chat, 5xx and network failures retried with the shared backoff, and a 403 "blocked"
 * recorded on the user so nothing more is tried.
 */
export class BotNotifier {
  private readonly runner: OutboxRunner<Message>;
  private readonly blockedStmt: Statement<{ id: number }, { blocked: string | null }>;
  private readonly blockAllStmt: Statement<{ userId: number; now: string }>;

  constructor(
    private readonly deps: NotifierDeps,
    settings: NotifierSettings,
  ) {
    const sql = deps.sql;
    this.runner = new OutboxRunner(
      {
        sql,
        log: deps.log,
        name: 'bot notify',
        send: (held) => this.process(held),
        pacing: { keyOf: (m) => m.chatId, perKeyMs: settings.perChatMs ?? 1000, perSecond: settings.perSecond ?? 30 },
      },
      {
        table: botMessages,
        claimed: 'sending',
        failed: 'failed',
        // A chat's messages go in order: one waits while an earlier one of its chat is open.
        dueWhere: `NOT EXISTS (SELECT 1 FROM bot_messages e WHERE e.chat_id = j.chat_id AND e.id < j.id AND e.status IN ('pending', 'sending'))`,
      },
      {
        maxAttempts: settings.maxAttempts,
        retryBaseMs: settings.retryBaseMs,
        retryMaxMs: settings.retryMaxMs,
        leaseMs: settings.leaseMs ?? 60_000,
        concurrency: settings.concurrency ?? 8,
        pollMs: settings.pollMs ?? 5000,
        scan: 200,
      },
    );
    this.blockedStmt = sql.prepare(`SELECT bot_blocked_at AS blocked FROM users WHERE id = @id`);
    this.blockAllStmt = sql.prepare(
      `UPDATE bot_messages SET status = 'blocked', lease_until = NULL, updated_at = @now WHERE user_id = @userId AND status = 'pending'`,
    );
  }

  start(): void {
    this.runner.start();
  }

  /** Stops taking messages; the sends on their way are aborted (a hanging Bot API never holds the shutdown) and handed back. */
  async stop(): Promise<void> {
    await this.runner.stop();
  }

  /** Look at the outbox now (a commit may have added a message). Cheap and coalesced. */
  wake(): void {
    this.runner.wake();
  }

  private async process(held: Held<Message>): Promise<void> {
    const m = held.job;
    if ((await this.blockedStmt.get({ id: m.userId }))?.blocked) {
      await held.finish('blocked', { last_error: null });
      return;
    }
    if (this.deps.isOnline(m.userId)) {
      // Seen live in the open Mini App: not repeated in the chat, and the chat is not held for it.
      await held.finish('seen', { last_error: null });
      held.unpaced();
      return;
    }
    const params = JSON.parse(m.params) as BotMessageParams;
    const lang = m.language;
    const signal = held.signal;
    const button = { text: texts(lang).open.order, web_app: { url: miniAppUrl(this.deps.publicUrl, { kind: 'order', orderId: m.orderId }) } };
    try {
      // grammY's Node build types signals with its abort-controller shim; a native one works the same.
      const apiSignal = signal as unknown as Parameters<Api['sendMessage']>[3];
      await this.deps.api.sendMessage(m.chatId, stepText(lang, m.step, params), { reply_markup: { inline_keyboard: [[button]] } }, apiSignal);
    } catch (err) {
      if (signal.aborted) return held.handBack();
      return this.failed(held, err);
    }
    await held.finish('sent', (now) => ({ sent_at: now, last_error: null }));
  }

  private async failed(held: Held<Message>, err: unknown): Promise<void> {
    const m = held.job;
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof GrammyError && err.error_code === 403) {
      // Blocked (or the chat is gone): recorded on the user, and nothing more is tried for them.
      await this.deps.people.blocked(m.chatId);
      await held.finish('blocked', { last_error: message }, (now) => this.blockAllStmt.run({ userId: m.userId, now }));
      this.deps.log.info({ chatId: m.chatId, orderId: m.orderId }, 'bot notify: the user blocked the bot; no more messages for them');
      return;
    }
    if (err instanceof GrammyError && err.error_code === 429) {
      // Telegram says when to come back: this message and its chat wait exactly that; it is not a failure.
      await held.retryAfter((err.parameters.retry_after ?? 1) * 1000, message);
      return;
    }
    const retryable = !(err instanceof GrammyError) || err.error_code >= 500;
    const { final, attempt } = await held.fail({ retryable, message });
    if (final) this.deps.log.warn({ chatId: m.chatId, orderId: m.orderId, step: m.step, attempts: attempt }, `bot notify: gave up on a message: ${message}`);
  }
}
