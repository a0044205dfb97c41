import type { Target } from '../targets.ts';

/** Where a cluster's targets come from this cycle. */
export type ClusterOutcome =
  | { key: string; ok: true; targets: Target[] }
  | { key: string; ok: false; error: string }
  /** The cluster no longer exists or is no longer watched (its listing succeeded without it). */
  | { key: string; gone: true };

export interface StoreChange {
  /** Clusters whose published targets changed: the new list, or null to remove the file. */
  publish: Map<string, Target[] | null>;
  /** Clusters whose drop was held back this cycle, with how many targets it would have removed. */
  held: Map<string, number>;
}

/**
 * The last good targets per cluster, and the rules for replacing them: a failed cluster keeps
 * what it had; a cycle that would remove more than `maxDropRatio` of a cluster's targets is held
 * until the next cycle shows the same drop.
 */
export class TargetStore {
  private readonly published = new Map<string, Target[]>();
  private readonly pendingDrop = new Set<string>();

  constructor(private readonly maxDropRatio: number) {}

  /** Seeds the store with targets a previous run left on disk, so a restart during an outage keeps them. */
  adopt(key: string, targets: Target[]): void {
    this.published.set(key, targets);
  }

  keys(): string[] {
    return [...this.published.keys()];
  }

  targets(key: string): Target[] | undefined {
    return this.published.get(key);
  }

  apply(outcomes: ClusterOutcome[]): StoreChange {
    const change: StoreChange = { publish: new Map(), held: new Map() };
    for (const outcome of outcomes) {
      if ('ok' in outcome && !outcome.ok) continue;
      const next = 'gone' in outcome ? [] : outcome.targets;
      const previous = this.published.get(outcome.key);
      if (previous === undefined && 'gone' in outcome) continue;
      const dropped = previous ? countDropped(previous, next) : 0;
      if (previous && previous.length > 0 && dropped / previous.length > this.maxDropRatio && !this.pendingDrop.has(outcome.key)) {
        this.pendingDrop.add(outcome.key);
        change.held.set(outcome.key, dropped);
        continue;
      }
      this.pendingDrop.delete(outcome.key);
      if ('gone' in outcome) {
        this.published.delete(outcome.key);
        change.publish.set(outcome.key, null);
      } else if (!previous || !sameTargets(previous, next)) {
        this.published.set(outcome.key, next);
        change.publish.set(outcome.key, next);
      }
    }
    return change;
  }
}

function identity(target: Target): string {
  return `${target.labels.__scheme__}://${target.address}${target.labels.__metrics_path__}`;
}

function countDropped(previous: Target[], next: Target[]): number {
  const kept = new Set(next.map(identity));
  return previous.filter((t) => !kept.has(identity(t))).length;
}

function sameTargets(a: Target[], b: Target[]): boolean {
  return a.length === b.length && JSON.stringify(a) === JSON.stringify(b);
}
