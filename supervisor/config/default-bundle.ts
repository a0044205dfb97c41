import type { Bundle } from './bundle.ts';
import { describeLocation } from './location.ts';
import { DEFAULT_BUNDLE_DIR } from './package-paths.ts';
import { readBundleFromDisk } from './sources/file-source.ts';

/** The bundle shipped in the image: used when CONFIG_LOCATION is unset, and the source of built-in rules and dashboards. */
export function readDefaultBundle(): Promise<Bundle> {
  return readBundleFromDisk(DEFAULT_BUNDLE_DIR, describeLocation({ kind: 'default', path: DEFAULT_BUNDLE_DIR }));
}
