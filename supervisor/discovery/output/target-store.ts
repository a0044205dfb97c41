/**
 * A cluster's targets as published: the file_sd text, its digest, and the identity
 * (scheme://address/path) of each target. The store keeps only the digest and the identities,
 * not the label objects nor the text: a fraction of a megabyte per thousand targets.
 */
export interface PublishedTargets {
  content: string;
  digest: string;
  identities: readonly string[];
}

type Kept = Omit<PublishedTargets, 'content'>;

/** Where a cluster's targets come from this cycle. */
export type ClusterOutcome =
  | { key: string; ok: true; targets: PublishedTargets }
  | { key: string; ok: false; error: string }
  /** The cluster gave exactly the targets already published. */
  | { key: string; unchanged: true }
  /** The cluster no longer exists or is no longer watched (its listing succeeded without it). */
  | { key: string; gone: true };

export interface StoreChange {
  /**
   * Clusters whose targets are to change: the new ones, or null to remove the file. They count as
   * published only once confirm() says the file was written.
   */
  publish: Map<string, PublishedTargets | null>;
  /** Clusters whose drop was held back this cycle, with how many targets it would have removed. */
  held: Map<string, number>;
}

/**
 * The last good targets per cluster, and the rules for replacing them: a failed cluster keeps
 * what it had; a cycle that would remove more than `maxDropRatio` of a cluster's targets is held
 * until the next cycle shows the same drop.
 */
export class TargetStore {
  private readonly published = new Map<string, Kept>();
  private readonly pendingDrop = new Set<string>();

  constructor(private readonly maxDropRatio: number) {}

  /** Seeds the store with targets a previous run left on disk, so a restart during an outage keeps them. */
  adopt(key: string, targets: PublishedTargets): void {
    this.published.set(key, { digest: targets.digest, identities: targets.identities });
  }

  keys(): string[] {
    return [...this.published.keys()];
  }

  /** The digest of what is published for a cluster, if anything is. */
  digest(key: string): string | undefined {
    return this.published.get(key)?.digest;
  }

  count(key: string): number {
    return this.published.get(key)?.identities.length ?? 0;
  }

  apply(outcomes: ClusterOutcome[]): StoreChange {
    const change: StoreChange = { publish: new Map(), held: new Map() };
    for (const outcome of outcomes) {
      if ('ok' in outcome && !outcome.ok) continue;
      if ('unchanged' in outcome) {
        this.pendingDrop.delete(outcome.key);
        continue;
      }
      const next = 'gone' in outcome ? undefined : outcome.targets;
      const previous = this.published.get(outcome.key);
      if (previous === undefined && next === undefined) continue;
      const dropped = previous ? countDropped(previous.identities, next?.identities ?? []) : 0;
      if (previous && previous.identities.length > 0 && dropped / previous.identities.length > this.maxDropRatio && !this.pendingDrop.has(outcome.key)) {
        this.pendingDrop.add(outcome.key);
        change.held.set(outcome.key, dropped);
        continue;
      }
      this.pendingDrop.delete(outcome.key);
      if (next === undefined) change.publish.set(outcome.key, null);
      else if (previous?.digest !== next.digest) change.publish.set(outcome.key, next);
    }
    return change;
  }

  /**
   * Records a cluster's file as written (or removed). Until then the store keeps what was there
   * before, so a write that failed (a full disk) differs from the store next cycle and is tried again.
   */
  confirm(key: string, targets: PublishedTargets | null): void {
    if (targets === null) this.published.delete(key);
    else this.published.set(key, { digest: targets.digest, identities: targets.identities });
  }
}

function countDropped(previous: readonly string[], next: readonly string[]): number {
  const kept = new Set(next);
  return previous.filter((identity) => !kept.has(identity)).length;
}
