import { access, constants } from 'node:fs/promises';
import { execa } from 'execa';
import type { Binaries } from '../processes/settings.ts';

/** What the demo needs from Debian; Grafana is not packaged by Debian and is optional. */
const REQUIRED: Array<{ key: keyof Binaries; variable: string; debianPackage: string }> = [
  { key: 'prometheus', variable: 'PROMETHEUS_BIN', debianPackage: 'prometheus' },
  { key: 'promtool', variable: 'PROMTOOL_BIN', debianPackage: 'prometheus' },
  { key: 'alertmanager', variable: 'ALERTMANAGER_BIN', debianPackage: 'prometheus-alertmanager' },
  { key: 'amtool', variable: 'AMTOOL_BIN', debianPackage: 'prometheus-alertmanager' },
  { key: 'nodeExporter', variable: 'NODE_EXPORTER_BIN', debianPackage: 'prometheus-node-exporter' },
];

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The required binaries that are not there, each with its variable and Debian package. */
export async function missingBinaries(binaries: Binaries): Promise<typeof REQUIRED> {
  const missing: typeof REQUIRED = [];
  for (const entry of REQUIRED) if (!(await isExecutable(binaries[entry.key]))) missing.push(entry);
  return missing;
}

/**
 * Installs the missing programs with apt-get when running as root on Debian/Ubuntu; otherwise
 * throws saying exactly what to install or which *_BIN variable to set.
 */
export async function ensureBinaries(binaries: Binaries, say: (line: string) => void): Promise<void> {
  const missing = await missingBinaries(binaries);
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((m) => m.debianPackage))];
  const list = missing.map((m) => `${m.variable}=${binaries[m.key]}`).join(', ');
  const canInstall = process.getuid?.() === 0 && (await isExecutable('/usr/bin/apt-get'));
  if (!canInstall) {
    throw new Error(`missing programs (${list}). Install them with 'sudo apt-get install ${packages.join(' ')}', or point the *_BIN variables at existing binaries`);
  }
  say(`installing ${packages.join(', ')} with apt-get (missing: ${list})`);
  const apt = { stdio: 'inherit' as const, env: { DEBIAN_FRONTEND: 'noninteractive' } };
  await execa('/usr/bin/apt-get', ['update'], apt);
  await execa('/usr/bin/apt-get', ['install', '-y', '--no-install-recommends', ...packages], apt);
  // Debian starts packaged services on install; the demo runs its own copies on the same ports.
  if (await isExecutable('/usr/bin/systemctl')) {
    await execa('/usr/bin/systemctl', ['disable', '--now', 'prometheus', 'prometheus-alertmanager', 'prometheus-node-exporter'], { reject: false, stdio: 'ignore' });
  }
  const still = await missingBinaries(binaries);
  if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.map((m) => `${m.variable}=${binaries[m.key]}`).join(', ')}`);
}
