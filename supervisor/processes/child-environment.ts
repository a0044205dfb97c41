import type { ComponentSpec } from './component.ts';

/**
 * What every child sees of the supervisor's environment: where programs and files are, time zone,
 * locale, proxies and CA bundles. Nothing else: the supervisor's AWS credentials, the Grafana admin
 * password and the variables a bundle draws secrets from stay with the supervisor.
 */
const SHARED = /^(PATH|HOME|TZ|LANG|LC_[A-Z]+|(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy|SSL_CERT_(FILE|DIR))$/;

/** The environment a component runs with: the shared variables, those its spec passes on by prefix, and its own. */
export function childEnvironment(parent: NodeJS.ProcessEnv, spec: Pick<ComponentSpec, 'env' | 'passEnvPrefixes'>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    if (SHARED.test(name) || spec.passEnvPrefixes?.some((prefix) => name.startsWith(prefix))) env[name] = value;
  }
  return { ...env, ...spec.env };
}
