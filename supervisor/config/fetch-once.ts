import type { Bundle } from './bundle.ts';
import { readDefaultBundle } from './default-bundle.ts';
import type { Environment } from './env-substitution.ts';
import { parseConfigLocation } from './location.ts';
import { DEFAULT_BUNDLE_DIR } from './package-paths.ts';
import { createBundleSource } from './sources/create-source.ts';

/** `CONFIG_ALLOW_HTTP=true` (or 1/yes) permits plain http:// locations. */
export function allowHttpFromEnvironment(env: Environment): boolean {
  return /^(?:true|1|yes)$/i.test(env.CONFIG_ALLOW_HTTP ?? '');
}

/** Fetches the bundle at `location` (or `CONFIG_LOCATION`, or the default bundle) once, for the one-shot commands. */
export async function fetchBundleOnce(location: string | undefined, env: Environment): Promise<{ bundle: Bundle; builtin: Bundle }> {
  const allowHttp = allowHttpFromEnvironment(env);
  const parsed = parseConfigLocation(location ?? env.CONFIG_LOCATION, { allowHttp, defaultBundlePath: DEFAULT_BUNDLE_DIR });
  const builtin = await readDefaultBundle();
  if (parsed.kind === 'default') return { bundle: builtin, builtin };
  const result = await createBundleSource(parsed, { env, allowHttp }).fetch();
  if (result.unchanged) throw new Error('a first fetch has no previous version to compare with');
  return { bundle: result.bundle, builtin };
}
