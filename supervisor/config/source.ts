import type { Bundle } from './bundle.ts';

/** The result of one poll: nothing new since `previousVersion`, or the whole bundle. */
export type FetchResult = { unchanged: true; version: string } | { unchanged: false; bundle: Bundle };

/**
 * One kind of bundle location. `fetch` is cheap when nothing changed (a conditional request, a
 * listing compared to the last one); it throws when the source cannot be read.
 */
export interface BundleSource {
  readonly description: string;
  fetch(previousVersion?: string): Promise<FetchResult>;
}
