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
    async fetch(previousVersion?: string): Promise<FetchResult> {
      const controller = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new Error(`${source.description}: timed out after ${deadlineMs / 1000} s`);
          controller.abort(error);
          reject(error);
        }, deadlineMs);
      });
      try {
        // The race covers a source that ignores the signal; the abort stops the requests underneath.
        return await Promise.race([source.fetch(previousVersion, controller.signal), deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
