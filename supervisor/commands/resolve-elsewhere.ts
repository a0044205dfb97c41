import { randomBytes } from 'node:crypto';
import { resolveBundle, type Resolution } from '../appliance/resolve-bundle.ts';
import type { ApplianceSettings } from '../appliance/settings.ts';
import type { Bundle } from '../config/bundle.ts';
import { fetchBundleOnce } from '../config/fetch-once.ts';

/**
 * `check` and `render`: the bundle at the settings' location, resolved exactly as `run` resolves it,
 * but judged for the environment it will run in (no task identity here; a password generated for
 * this pass alone where the bundle sets none; no Grafana secret key).
 */
export async function resolveElsewhere(settings: ApplianceSettings): Promise<{ bundle: Bundle; resolution: Resolution }> {
  const { bundle, builtin } = await fetchBundleOnce(settings.location, { env: settings.variables, allowHttp: settings.allowHttp });
  const resolution = await resolveBundle({
    bundle,
    builtin,
    settings,
    identity: undefined,
    host: { versions: {}, memoryLimitBytes: undefined },
    secrets: { generatedGrafanaPassword: async () => randomBytes(18).toString('base64url'), grafanaSecretKey: undefined },
    judgedFor: 'elsewhere',
  });
  return { bundle, resolution };
}
