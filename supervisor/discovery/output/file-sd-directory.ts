import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Target } from '../targets.ts';
import { writeFileAtomic } from './atomic-file.ts';
import type { PublishedTargets } from './target-store.ts';

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
  async readExisting(): Promise<Map<string, PublishedTargets>> {
    await mkdir(this.dir, { recursive: true });
    const found = new Map<string, PublishedTargets>();
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) continue;
      try {
        const content = await readFile(path.join(this.dir, name), 'utf8');
        const groups = JSON.parse(content) as FileSdGroup[];
        const identities = groups.flatMap((g) => g.targets.map((address) => identityOf(address, g.labels)));
        found.set(name.slice(PREFIX.length, -SUFFIX.length), { content, digest: digestOf(content), identities });
      } catch {
        // A file this run cannot read is left for Prometheus as it is and replaced on the next success.
      }
    }
    return found;
  }

  async write(key: string, targets: PublishedTargets | null): Promise<void> {
    if (targets === null) {
      await rm(this.fileFor(key), { force: true });
      return;
    }
    await mkdir(this.dir, { recursive: true });
    await writeFileAtomic(this.fileFor(key), targets.content);
  }
}

interface FileSdGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** What makes two targets the same target: scheme, address and path. */
function identityOf(address: string, labels: Record<string, string>): string {
  return `${labels.__scheme__}://${address}${labels.__metrics_path__}`;
}

/** Targets → what is written and what the store compares: one group per target, stable order. */
export function publishedTargets(targets: Target[]): PublishedTargets {
  const groups = targets
    .map((t): FileSdGroup => ({ targets: [t.address], labels: sortedRecord(t.labels) }))
    .sort((a, b) => (a.targets[0]! + a.labels.__metrics_path__).localeCompare(b.targets[0]! + b.labels.__metrics_path__));
  const content = groups.length === 0 ? '[]\n' : `[\n${groups.map((g) => JSON.stringify(g)).join(',\n')}\n]\n`;
  return { content, digest: digestOf(content), identities: targets.map((t) => identityOf(t.address, t.labels)) };
}

function digestOf(content: string): string {
  return createHash('sha256').update(content).digest('base64');
}

function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
