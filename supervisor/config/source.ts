import type { Bundle } from './bundle.ts';

/** The result of one poll: nothing new since `previousVersion`, or the whole bundle. */
export type FetchResult = { unchanged: true; version: string } | { unchanged: false; bundle: Bundle };

/**
 * One kind of bundle location. `fetch` is cheap when nothing changed (a conditional request, a
 * listing compared to the last one); it throws when the source cannot be read, and stops its
 * requests when `signal` aborts (see withDeadline).
 */
export interface BundleSource {
  readonly description: string;
  fetch(previousVersion?: string, signal?: AbortSignal): Promise<FetchResult>;
}

/** How long one fetch of a bundle may take, connection to last byte, before it counts as failed. */
export const DEFAULT_FETCH_DEADLINE_MS = 30_000;

/**
 * Gives every fetch of `source` a whole-request deadline: its requests are aborted and the fetch
 * fails with "timed out after N s", so a source that hangs is a counted failure (and start-up
 * falls back to the cached bundle) rather than a poll that never ends.
 */
export function withDeadline(source: BundleSource, deadlineMs = DEFAULT_FETCH_DEADLINE_MS): BundleSource {
  return {
    description: source.description,
    async fetch(previousVersion?: string, signal?: AbortSignal): Promise<FetchResult> {
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => controller.abort(signal!.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      const ended = new Promise<never>((_, reject) => {
        timer = setTimeout(() => controller.abort(new Error(`${source.description}: timed out after ${deadlineMs / 1000} s`)), deadlineMs);
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      if (signal?.aborted) onAbort();
      try {
        // The race covers a source that ignores the signal; the abort stops the requests underneath.
        return await Promise.race([source.fetch(previousVersion, controller.signal), ended]);
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
