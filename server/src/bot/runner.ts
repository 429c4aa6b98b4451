import type { Bot } from 'grammy';
import { GrammyError } from 'grammy';
import type { FastifyBaseLogger } from 'fastify';
import { backoffDelay } from '@ordercast/shared';
import { isOutage } from './bot';

export interface RunnerOptions {
  mode: 'webhook' | 'polling';
  /** Where Telegram posts updates in webhook mode. */
  webhookUrl: string;
  webhookSecret: string;
  log: FastifyBaseLogger;
  /** Long-poll wait per getUpdates, in seconds. */
  pollTimeoutS?: number;
  retry?: { initialMs: number; maxMs: number };
}

const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member', 'pre_checkout_query'] as const;

/**
 * Brings the bot up beside the server, never in its way: getMe, then setWebhook or long polling,
 * all in the background. While Telegram is unreachable (or answers 5xx/429) the runner says so
 * once, retries with jittered backoff, and says once when it is back; the server's start and its
 * requests never wait for it.
 */
export class BotRunner {
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private down = false;
  /** 'starting' until getMe (and setWebhook) succeeded; 'unauthorized' if Telegram refuses the token. */
  state: 'starting' | 'ready' | 'unauthorized' | 'stopped' = 'starting';
  private settle!: () => void;
  /**
   * Resolves when the first set-up attempt has had its outcome (ready, refused, or failed and
   * retrying), so `npm start` prints its banner after the bot's line rather than before it.
   */
  readonly firstOutcome = new Promise<void>((r) => (this.settle = r));

  constructor(
    readonly bot: Bot,
    private readonly opts: RunnerOptions,
  ) {
    // Every Bot API call reports here, so an outage is logged once however many calls see it.
    bot.api.config.use(async (prev, method, payload, signal) => {
      try {
        const res = await prev(method, payload, signal);
        if (!res.ok && res.error_code >= 500) this.failed(method, `${res.error_code} ${res.description}`);
        else this.recovered();
        return res;
      } catch (err) {
        if (!signal?.aborted && !this.stopping.signal.aborted) this.failed(method, err instanceof Error ? err.message : String(err));
        throw err;
      }
    });
  }

  private failed(method: string, reason: string): void {
    if (this.down) return;
    this.down = true;
    this.opts.log.warn({ method, reason }, 'telegram Bot API unreachable; the bot retries in the background');
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.opts.log.info('telegram Bot API reachable again');
  }

  start(): void {
    this.running ??= this.run().catch((err: unknown) => {
      this.opts.log.error({ err }, 'telegram bot stopped');
    });
  }

  /** Until the runner is stopped: sets the bot up, retrying outages; then polls (polling mode). */
  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    // grammY's Node build types signals with its abort-controller shim; a native one works the same.
    const apiSignal = signal as unknown as Parameters<Bot['api']['getMe']>[0];
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        if (!this.bot.isInited()) this.bot.botInfo = await this.bot.api.getMe(apiSignal);
        if (this.opts.mode === 'webhook') {
          await this.bot.api.setWebhook(this.opts.webhookUrl, { secret_token: this.opts.webhookSecret, allowed_updates: [...ALLOWED_UPDATES] }, apiSignal);
          this.ready();
          return;
        }
        // Polling: grammY removes any webhook, then long-polls, waiting out errors itself.
        await this.bot.start({
          allowed_updates: [...ALLOWED_UPDATES],
          timeout: this.opts.pollTimeoutS ?? 30,
          onStart: () => this.ready(),
        });
        if (signal.aborted) return;
        // bot.start returns only when stopped; anything else is a crash of the loop: start again.
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof GrammyError && err.error_code === 401) {
          this.state = 'unauthorized';
          this.opts.log.error('telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized): the bot is off until the server restarts with a valid token');
          this.settle();
          return;
        }
        if (!isOutage(err)) this.opts.log.warn({ err }, 'telegram bot setup failed; retrying');
        this.settle();
      }
      await sleep(backoffDelay(attempt, this.opts.retry ?? { initialMs: 1000, maxMs: 60_000 }), signal);
    }
  }

  private ready(): void {
    this.state = 'ready';
    this.opts.log.info({ mode: this.opts.mode, username: this.bot.botInfo.username }, 'telegram bot ready');
    this.settle();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.state = 'stopped';
    this.settle();
    if (this.bot.isRunning()) {
      // bot.stop confirms the last update with one more getUpdates; an unreachable API must not hold the shutdown.
      await Promise.race([this.bot.stop().catch(() => undefined), sleep(2000)]);
    }
    await Promise.race([this.running, sleep(2000)]);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      resolve();
    }
  });
}
