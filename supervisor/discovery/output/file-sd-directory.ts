import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Target } from '../targets.ts';
import { writeFileAtomic } from './atomic-file.ts';

const PREFIX = 'ecs_';
const SUFFIX = '.json';

/**
 * The folder of Prometheus `file_sd` files discovery owns: one file per cluster, named
 * `ecs_<account>_<region>_<cluster>.json`, so a failing cluster's file is simply left alone.
 */
export class FileSdDirectory {
  constructor(readonly dir: string) {}

  static keyFor(accountId: string, region: string, clusterName: string): string {
    return `${accountId}_${region}_${clusterName}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  }

  fileFor(key: string): string {
    return path.join(this.dir, `${PREFIX}${key}${SUFFIX}`);
  }

  /** Target files a previous run left, keyed as this run names them; unreadable ones are skipped. */
  async readExisting(): Promise<Map<string, Target[]>> {
    await mkdir(this.dir, { recursive: true });
    const found = new Map<string, Target[]>();
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) continue;
      try {
        const groups = JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as FileSdGroup[];
        found.set(
          name.slice(PREFIX.length, -SUFFIX.length),
          groups.flatMap((g) => g.targets.map((address) => ({ address, labels: g.labels }))),
        );
      } catch {
        // A file this run cannot read is left for Prometheus as it is and replaced on the next success.
      }
    }
    return found;
  }

  async write(key: string, targets: Target[] | null): Promise<void> {
    if (targets === null) {
      await rm(this.fileFor(key), { force: true });
      return;
    }
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.fileFor(key), renderFileSd(targets));
  }
}

interface FileSdGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** One group per target, in a stable order, one group per line: small diffs, easy to read. */
export function renderFileSd(targets: Target[]): string {
  const groups = targets
    .map((t): FileSdGroup => ({ targets: [t.address], labels: sortedRecord(t.labels) }))
    .sort((a, b) => (a.targets[0]! + a.labels.__metrics_path__).localeCompare(b.targets[0]! + b.labels.__metrics_path__));
  return groups.length === 0 ? '[]\n' : `[\n${groups.map((g) => JSON.stringify(g)).join(',\n')}\n]\n`;
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
