/** An answer to "is it healthy?" or "is it ready?", with one line per reason it is not, naming the part. */
export interface Verdict {
  ok: boolean;
  reasons: string[];
}

/** How one running part, or one component of it, stopped. */
export interface StopStep {
  name: string;
  /** SIGKILL was needed because the stop signal was ignored for the whole grace period. */
  forced: boolean;
  durationMs: number;
  /** Why stopping it failed; it is given up on and the stop goes on with the next part. */
  error?: string;
}

export interface StopReport {
  /** In the order stopped. */
  steps: StopStep[];
  durationMs: number;
}

/**
 * A running part of the appliance: the admin endpoint, the SigV4 proxy, the components,
 * discovery, the config poller. Parts sit in one ordered list (Parts): started and given each
 * applied release in that order, stopped in reverse within one deadline.
 */
export interface Part<Release> {
  readonly name: string;
  /** This part's share of the stop budget against the parts still to stop. */
  readonly stopWeight: number;
  start?(): Promise<void>;
  /** Makes the part match a release; a part that takes nothing from a bundle (the poller) has none. */
  apply?(release: Release): Promise<void>;
  /** Stops by `deadline` (epoch ms), forcing what has not stopped by then; says how each piece stopped. */
  stop(deadline: number): Promise<StopStep[]>;
}

/** Time kept back per step still to stop, so the last ones still get to force a stop and see it land. */
const STOP_RESERVE_MS = 500;

/**
 * Stops `items` one after another by `deadline`: each gets a share of the time left, weighted by
 * its stopWeight, so time one item does not use passes on to the next ones.
 */
export async function stopInTurn<T extends { name: string; stopWeight: number }>(
  items: readonly T[],
  deadline: number,
  stopOne: (item: T, itsDeadline: number) => Promise<StopStep[]>,
): Promise<StopStep[]> {
  const steps: StopStep[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const remaining = items.slice(i);
    const totalWeight = remaining.reduce((sum, next) => sum + next.stopWeight, 0);
    const now = Date.now();
    const available = Math.max(0, deadline - now - STOP_RESERVE_MS * remaining.length);
    const share = totalWeight > 0 ? Math.floor((available * item.stopWeight) / totalWeight) : 0;
    const started = Date.now();
    try {
      steps.push(...(await stopOne(item, now + share)));
    } catch (error) {
      steps.push({ name: item.name, forced: false, durationMs: Date.now() - started, error: (error as Error).message });
    }
  }
  return steps;
}

/** The appliance's parts in start order. */
export class Parts<Release> {
  readonly #parts: readonly Part<Release>[];
  #stopping: Promise<StopReport> | undefined;

  constructor(parts: readonly Part<Release>[]) {
    this.#parts = parts;
  }

  /** Starts each part in order; a part that cannot start stops the rest from starting. */
  async start(): Promise<void> {
    for (const part of this.#parts) await part.start?.();
  }

  /**
   * Gives the release to each part in order; the first part that refuses it ends the apply (it
   * throws). Once stopping has begun, no part is given anything more.
   */
  async apply(release: Release): Promise<void> {
    for (const part of this.#parts) {
      if (this.#stopping) throw new Error('the appliance is stopping');
      await part.apply?.(release);
    }
  }

  /** Stops every part once, in reverse order, within `budgetMs` (later calls get the same report). */
  stop(budgetMs: number): Promise<StopReport> {
    this.#stopping ??= (async () => {
      const began = Date.now();
      const steps = await stopInTurn([...this.#parts].reverse(), began + budgetMs, (part, deadline) => part.stop(deadline));
      return { steps, durationMs: Date.now() - began };
    })();
    return this.#stopping;
  }
}

/** Waits for `work` until `deadline` (epoch ms); true when it finished in time. */
export async function settlesBy(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A stop step that waits for `work` until `deadline`; work still running then is named in its error. */
export async function waitedStep(name: string, work: Promise<unknown>, deadline: number, stillRunning: string): Promise<StopStep[]> {
  const started = Date.now();
  const finished = await settlesBy(work, deadline);
  return [{ name, forced: false, durationMs: Date.now() - started, ...(finished ? {} : { error: `${stillRunning} at the stop deadline` }) }];
}
