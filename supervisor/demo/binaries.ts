import { access, constants } from 'node:fs/promises';
import { execa } from 'execa';
import { programVersion } from '../processes/program-version.ts';
import { defaultBinaries } from '../processes/settings.ts';
import { shippedPrograms, type PrometheusFamily } from './shipped-programs.ts';

/** What the demo runs, and the *_BIN variable and Debian package of each. */
const REQUIRED: Array<{ key: keyof PrometheusFamily; variable: string; debianPackage: string }> = [
  { key: 'prometheus', variable: 'PROMETHEUS_BIN', debianPackage: 'prometheus' },
  { key: 'promtool', variable: 'PROMTOOL_BIN', debianPackage: 'prometheus' },
  { key: 'alertmanager', variable: 'ALERTMANAGER_BIN', debianPackage: 'prometheus-alertmanager' },
  { key: 'amtool', variable: 'AMTOOL_BIN', debianPackage: 'prometheus-alertmanager' },
  { key: 'nodeExporter', variable: 'NODE_EXPORTER_BIN', debianPackage: 'prometheus-node-exporter' },
];

export interface DemoPrograms {
  binaries: PrometheusFamily;
  /** Where they came from, for the demo's own output. */
  origin: string;
}

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Prometheus, Alertmanager and node-exporter the demo runs, in this order of preference:
 * the *_BIN variables when every one is set; the versions the image ships, built from their Go
 * modules by docker/components/build.sh (cached; minutes the first time); Debian's packages,
 * installed with apt-get when running as root, where no Go toolchain is present.
 */
export async function demoPrograms(env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<DemoPrograms> {
  const given = REQUIRED.filter((entry) => env[entry.variable]?.trim());
  if (given.length === REQUIRED.length) {
    return { binaries: Object.fromEntries(REQUIRED.map((entry) => [entry.key, env[entry.variable]!.trim()])) as unknown as PrometheusFamily, origin: 'the *_BIN variables' };
  }
  const cached = await shippedPrograms({ printOnly: true, progress: 'ignore' });
  if (cached) return { binaries: cached.binaries, origin: 'the versions the image ships (built from their Go modules)' };
  if (await hasGo()) {
    say('building Prometheus, Alertmanager and node-exporter at the versions the image ships, from their Go modules (about 10 minutes on 2 cores, once; cached after)');
    const built = await shippedPrograms({ printOnly: false, progress: 'inherit' });
    if (built) return { binaries: built.binaries, origin: 'the versions the image ships (built from their Go modules)' };
  }
  const { grafana: _, ...debian } = defaultBinaries;
  await ensureDebianPackages(debian, say);
  return { binaries: debian, origin: "Debian's packages (no Go toolchain to build the shipped versions)" };
}

/** The versions the binaries report themselves as (3.16.0, or Debian's 2.42.0+ds). */
export async function versionsOf(binaries: PrometheusFamily): Promise<{ prometheus: string; alertmanager: string; nodeExporter: string }> {
  const [prometheus, alertmanager, nodeExporter] = await Promise.all(
    [binaries.prometheus, binaries.alertmanager, binaries.nodeExporter].map(async (binary) => (await programVersion(binary))?.text ?? 'unknown version'),
  );
  return { prometheus: prometheus!, alertmanager: alertmanager!, nodeExporter: nodeExporter! };
}

/** "Prometheus 3.16.0, Alertmanager 0.34.1, node-exporter 1.12.1" */
export function describeVersions(versions: { prometheus: string; alertmanager: string; nodeExporter: string }): string {
  return `Prometheus ${versions.prometheus}, Alertmanager ${versions.alertmanager}, node-exporter ${versions.nodeExporter}`;
}

async function hasGo(): Promise<boolean> {
  return (await execa('go', ['version'], { reject: false, stdin: 'ignore' })).exitCode === 0;
}

/**
 * Installs the missing Debian packages with apt-get when running as root on Debian/Ubuntu;
 * otherwise throws saying exactly what to install or which *_BIN variable to set.
 */
async function ensureDebianPackages(binaries: PrometheusFamily, say: (line: string) => void): Promise<void> {
  const missing = async () => {
    const absent: typeof REQUIRED = [];
    for (const entry of REQUIRED) if (!(await isExecutable(binaries[entry.key]))) absent.push(entry);
    return absent;
  };
  const absent = await missing();
  if (absent.length === 0) return;
  const packages = [...new Set(absent.map((m) => m.debianPackage))];
  const list = absent.map((m) => `${m.variable}=${binaries[m.key]}`).join(', ');
  const canInstall = process.getuid?.() === 0 && (await isExecutable('/usr/bin/apt-get'));
  if (!canInstall) {
    throw new Error(`missing programs (${list}). Install Go to build the shipped versions, run 'sudo apt-get install ${packages.join(' ')}', or point the *_BIN variables at existing binaries`);
  }
  say(`installing ${packages.join(', ')} with apt-get (missing: ${list})`);
  const apt = { stdio: 'inherit' as const, env: { DEBIAN_FRONTEND: 'noninteractive' } };
  await execa('/usr/bin/apt-get', ['update'], apt);
  await execa('/usr/bin/apt-get', ['install', '-y', '--no-install-recommends', ...packages], apt);
  // Debian starts packaged services on install; the demo runs its own copies on the same ports.
  if (await isExecutable('/usr/bin/systemctl')) {
    await execa('/usr/bin/systemctl', ['disable', '--now', 'prometheus', 'prometheus-alertmanager', 'prometheus-node-exporter'], { reject: false, stdio: 'ignore' });
  }
  const still = await missing();
  if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.map((m) => `${m.variable}=${binaries[m.key]}`).join(', ')}`);
}
