import type { Bundle } from './bundle.ts';
import { readDefaultBundle } from './default-bundle.ts';
import type { Environment } from './env-substitution.ts';
import type { ConfigLocation } from './location.ts';
import { createBundleSource } from './sources/create-source.ts';

/** `CONFIG_ALLOW_HTTP=true` (or 1/yes) permits plain http:// locations. */
export function allowHttpFromEnvironment(env: Environment): boolean {
  return /^(?:true|1|yes)$/i.test(env.CONFIG_ALLOW_HTTP ?? '');
}

/** Fetches the bundle at `location` once, for the one-shot commands; the default bundle is also the built-in one. */
export async function fetchBundleOnce(location: ConfigLocation, options: { env: Environment; allowHttp: boolean }): Promise<{ bundle: Bundle; builtin: Bundle }> {
  const builtin = await readDefaultBundle();
  if (location.kind === 'default') return { bundle: builtin, builtin };
  const result = await createBundleSource(location, options).fetch();
  if (result.unchanged) throw new Error('a first fetch has no previous version to compare with');
  return { bundle: result.bundle, builtin };
}
