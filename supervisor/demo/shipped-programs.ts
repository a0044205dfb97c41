import { join } from 'node:path';
import { execa } from 'execa';
import { PACKAGE_ROOT } from '../config/package-paths.ts';
import type { Binaries } from '../processes/settings.ts';

/** Builds (or finds, cached) the Prometheus family at the versions docker/Dockerfile pins. */
export const COMPONENTS_BUILD_SCRIPT = join(PACKAGE_ROOT, 'docker', 'components', 'build.sh');

export type PrometheusFamily = Omit<Binaries, 'grafana'>;

export interface ShippedPrograms {
  binaries: PrometheusFamily;
  versions: { prometheus: string; alertmanager: string; nodeExporter: string; grafana: string };
}

/** The script's exit codes for "not built yet" (with --print) and "no Go toolchain to build with". */
const NOT_BUILT = 3;
const NO_GO = 4;

/**
 * Runs docker/components/build.sh: with `printOnly` it only reports binaries already built,
 * otherwise it builds what is missing first (minutes on a first run; progress on stderr when
 * `progress` is 'inherit'). Undefined when they are not built and cannot be; throws when a build fails.
 */
export async function shippedPrograms(options: { printOnly: boolean; progress: 'inherit' | 'ignore' }): Promise<ShippedPrograms | undefined> {
  const result = await execa('bash', [COMPONENTS_BUILD_SCRIPT, ...(options.printOnly ? ['--print'] : [])], {
    reject: false,
    stdin: 'ignore',
    stderr: options.progress === 'inherit' ? 'inherit' : 'pipe',
  });
  if (result.exitCode === NOT_BUILT || result.exitCode === NO_GO) return undefined;
  if (result.exitCode !== 0) {
    const tail = typeof result.stderr === 'string' ? `: ${result.stderr.split('\n').slice(-15).join('\n')}` : '';
    throw new Error(`${COMPONENTS_BUILD_SCRIPT} failed (exit ${result.exitCode})${tail}`);
  }
  const values = new Map(
    String(result.stdout)
      .split('\n')
      .map((line) => line.split('=', 2) as [string, string])
      .filter(([, value]) => value !== undefined),
  );
  const value = (name: string) => {
    const found = values.get(name);
    if (!found) throw new Error(`${COMPONENTS_BUILD_SCRIPT} printed no ${name}`);
    return found;
  };
  return {
    binaries: {
      prometheus: value('PROMETHEUS_BIN'),
      promtool: value('PROMTOOL_BIN'),
      alertmanager: value('ALERTMANAGER_BIN'),
      amtool: value('AMTOOL_BIN'),
      nodeExporter: value('NODE_EXPORTER_BIN'),
    },
    versions: {
      prometheus: value('PROMETHEUS_VERSION'),
      alertmanager: value('ALERTMANAGER_VERSION'),
      nodeExporter: value('NODE_EXPORTER_VERSION'),
      grafana: value('GRAFANA_VERSION'),
    },
  };
}
