import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** cgroup v1 writes a page-rounded 2^63 for "no limit"; anything this large is no limit. */
const UNLIMITED_FROM = 2 ** 60;

/**
 * The memory limit of the container this process runs in, in bytes, from cgroup v2 (`memory.max`)
 * or v1 (`memory/memory.limit_in_bytes`) under `root`; undefined when unlimited or unreadable.
 * It is the limit Prometheus 3 itself would size GOMEMLIMIT from.
 */
export async function containerMemoryLimit(root = '/sys/fs/cgroup'): Promise<number | undefined> {
  for (const file of [join(root, 'memory.max'), join(root, 'memory', 'memory.limit_in_bytes')]) {
    let text: string;
    try {
      text = (await readFile(file, 'utf8')).trim();
    } catch {
      continue;
    }
    if (text === 'max') return undefined;
    const bytes = Number(text);
    return Number.isSafeInteger(bytes) && bytes > 0 && bytes < UNLIMITED_FROM ? bytes : undefined;
  }
  return undefined;
}

/**
 * GOMEMLIMIT for a program given `share` of the container's memory: Prometheus 3 would otherwise
 * take 90 % of a limit it shares with Grafana, Alertmanager, node-exporter and the supervisor.
 */
export function goMemLimit(containerLimitBytes: number | undefined, share: number): string | undefined {
  return containerLimitBytes === undefined ? undefined : String(Math.floor(containerLimitBytes * share));
}
