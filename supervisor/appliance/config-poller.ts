import type { Bundle } from '../config/bundle.ts';
import type { BundleSource } from '../config/source.ts';
import { waitedStep, type Part, type StopStep } from '../lifecycle.ts';
import { restartDelayMs, type BackoffPolicy } from '../processes/backoff.ts';

export interface ConfigPollerOptions {
  source: BundleSource;
  intervalMs: number;
  /** Delay after a failed fetch: doubling from initialMs, never above the poll interval. */
  backoff: BackoffPolicy;
  /** A bundle whose version differs from the last one seen; the poller waits for it before polling again. */
  onBundle: (bundle: Bundle) => Promise<void>;
  onFetchError: (error: Error, consecutiveFailures: number) => Promise<void>;
  /** After a successful fetch that found nothing new. */
  onUnchanged?: () => void;
  /** What must be known before the first bundle can be applied (who this task is, which programs run). */
  beforeFirstPoll?: () => Promise<void>;
}

/**
 * Polls the config source: a conditional fetch (ETag / If-None-Match, an S3 listing compared with
 * the last) every interval, sooner after failures (with backoff), or at once on pollNow().
 * Each version is handed over once, whether it is then applied or refused, so a broken bundle is
 * not retried until it changes.
 */
export class ConfigPoller implements Part<unknown> {
  readonly name = 'config-poller';
  readonly stopWeight = 1;
  readonly #options: ConfigPollerOptions;
  /** The version last handed over (or set by the owner, e.g. a cached bundle it started from). */
  version: string | undefined;
  #failures = 0;
  #lastPollAt: number | undefined;
  #loop: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;
  #pollRequested = false;
  /** Aborts the fetch in flight, so stopping never waits for a source that hangs. */
  #fetching: AbortController | undefined;

  constructor(options: ConfigPollerOptions) {
    this.#options = options;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  get lastPollAt(): string | null {
    return this.#lastPollAt === undefined ? null : new Date(this.#lastPollAt).toISOString();
  }

  /** Polls once now, then keeps polling until stop(). */
  async start(): Promise<void> {
    await this.#options.beforeFirstPoll?.();
    this.#loop ??= this.#run();
  }

  /** Cuts the current wait short (SIGHUP, an operator asking for a reload). */
  pollNow(): void {
    this.#pollRequested = true;
    this.#wake?.();
  }

  /**
   * Polls no more: a fetch in flight is abandoned at once, the apply in flight is waited for until
   * `deadline` (the parts stopped after the poller refuse what it would still apply).
   */
  async stop(deadline: number): Promise<StopStep[]> {
    this.#fetching?.abort(new Error('the appliance is stopping'));
    this.#stopped = true;
    this.#wake?.();
    return waitedStep(this.name, this.#loop ?? Promise.resolve(), deadline, 'the config apply in flight was still running');
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      this.#pollRequested = false;
      await this.pollOnce();
      if (this.#stopped) return;
      if (!this.#pollRequested) await this.#sleep(this.#nextDelayMs());
    }
  }

  /** One poll: fetch, then hand over a new bundle or report the failure. Never throws. */
  async pollOnce(): Promise<void> {
    this.#lastPollAt = Date.now();
    let result;
    this.#fetching = new AbortController();
    try {
      result = await this.#options.source.fetch(this.version, this.#fetching.signal);
    } catch (error) {
      if (this.#stopped) return;
      this.#failures++;
      await this.#options.onFetchError(error instanceof Error ? error : new Error(String(error)), this.#failures);
      return;
    }
    this.#fetching = undefined;
    this.#failures = 0;
    if (result.unchanged) {
      this.#options.onUnchanged?.();
      return;
    }
    this.version = result.bundle.version;
    await this.#options.onBundle(result.bundle);
  }

  #nextDelayMs(): number {
    if (this.#failures === 0) return this.#options.intervalMs;
    return Math.min(this.#options.intervalMs, restartDelayMs(this.#options.backoff, this.#failures));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }
}
