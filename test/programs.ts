/**
 * The Prometheus, Alertmanager and node-exporter every test drives: the versions the image ships,
 * as docker/components/build.sh built them (test/ensure-tools.sh builds them before `npm test`),
 * or Debian's packages on a machine with no Go toolchain.
 */
import { access, constants } from 'node:fs/promises';
import { versionsOf } from '../supervisor/demo/binaries.ts';
import { defaultBinaries } from '../supervisor/processes/settings.ts';
import { shippedPrograms, type PrometheusFamily } from '../supervisor/demo/shipped-programs.ts';

async function resolvePrograms(): Promise<PrometheusFamily> {
  const shipped = await shippedPrograms({ printOnly: true, progress: 'ignore' });
  if (shipped) return shipped.binaries;
  const { grafana: _, ...debian } = defaultBinaries;
  for (const path of Object.values(debian)) {
    await access(path, constants.X_OK).catch(() => {
      throw new Error(`neither the shipped versions (docker/components/build.sh) nor Debian's ${path} are there: run 'bash test/ensure-tools.sh'`);
    });
  }
  return debian;
}

export const PROGRAMS = await resolvePrograms();

export const PROGRAMS_VERSIONS = await versionsOf(PROGRAMS);

/** The *_BIN variables that point `ecs-appliance run` at PROGRAMS. */
export function programEnvironment(): Record<string, string> {
  return {
    PROMETHEUS_BIN: PROGRAMS.prometheus,
    PROMTOOL_BIN: PROGRAMS.promtool,
    ALERTMANAGER_BIN: PROGRAMS.alertmanager,
    AMTOOL_BIN: PROGRAMS.amtool,
    NODE_EXPORTER_BIN: PROGRAMS.nodeExporter,
  };
}
