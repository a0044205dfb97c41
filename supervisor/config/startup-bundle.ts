import { silentLogger, type Logger } from '../log.ts';
import type { Bundle } from './bundle.ts';
import { loadBundleFromCache } from './bundle-cache.ts';
import type { BundleSource } from './source.ts';

/**
 * The bundle to start with: fresh from the source, or, when the source cannot be read (S3 down,
 * credentials not ready), the last good bundle from the cache, so a restart still runs the
 * config that worked. Throws when neither is available. The poll loop should keep fetching
 * from the source afterwards (passing `bundle.version`).
 */
export async function fetchStartupBundle(options: { source: BundleSource; cacheDir: string; location: string; logger?: Logger }): Promise<{ bundle: Bundle; fromCache: boolean }> {
  const logger = options.logger ?? silentLogger;
  try {
    const result = await options.source.fetch();
    if (!result.unchanged) return { bundle: result.bundle, fromCache: false };
  } catch (error) {
    const cached = await loadBundleFromCache(options.cacheDir, options.location);
    const reason = error instanceof Error ? error.message : String(error);
    if (!cached) throw new Error(`cannot read the config bundle from ${options.source.description} and no earlier copy is cached: ${reason}`, { cause: error });
    logger.warn({ source: options.source.description, error: reason, version: cached.version }, 'config source unreachable; starting with the last good bundle from the cache');
    return { bundle: cached, fromCache: true };
  }
  throw new Error(`${options.source.description}: a first fetch reported no change`);
}
