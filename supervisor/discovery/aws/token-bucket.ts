import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A client-side token bucket shaped like AWS's own request throttling. Callers that find it empty
 * queue by reserving a future token, so the bucket paces a burst instead of failing it.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly capacity: number,
    readonly refillPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.refilledAt = now();
  }

  async take(signal?: AbortSignal): Promise<void> {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.refillPerSecond);
    this.refilledAt = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    await sleep((-this.tokens / this.refillPerSecond) * 1000, undefined, signal ? { signal } : undefined);
  }
}

/** The buckets AWS documents per account and region, for the calls discovery makes. */
const AWS_BUCKETS = {
  ecsClusterRead: { capacity: 50, refillPerSecond: 20 },
  ecsClusterResourceRead: { capacity: 100, refillPerSecond: 20 },
  ecsTaskDefinitionRead: { capacity: 50, refillPerSecond: 20 },
  ec2Describe: { capacity: 100, refillPerSecond: 20 },
} as const;

export type BucketName = keyof typeof AWS_BUCKETS;

const BUCKET_OF_OPERATION: Record<string, BucketName> = {
  ListClustersCommand: 'ecsClusterRead',
  DescribeClustersCommand: 'ecsClusterRead',
  ListTasksCommand: 'ecsClusterResourceRead',
  DescribeTasksCommand: 'ecsClusterResourceRead',
  DescribeContainerInstancesCommand: 'ecsClusterResourceRead',
  DescribeTaskDefinitionCommand: 'ecsTaskDefinitionRead',
  DescribeInstancesCommand: 'ec2Describe',
};

/**
 * Headroom left for the rest of the account: the appliance takes 90% of each burst and 97% of each
 * refill rate, so it never empties a bucket other tools in the account rely on.
 */
const BURST_SHARE = 0.9;
const RATE_SHARE = 0.97;

/** One set of buckets per account and region, as AWS keeps them. */
export class AccountRegionBuckets {
  private readonly buckets = new Map<BucketName, TokenBucket>();

  constructor(share: { burst: number; rate: number } = { burst: BURST_SHARE, rate: RATE_SHARE }) {
    for (const [name, shape] of Object.entries(AWS_BUCKETS) as [BucketName, { capacity: number; refillPerSecond: number }][]) {
      this.buckets.set(name, new TokenBucket(Math.max(1, Math.floor(shape.capacity * share.burst)), shape.refillPerSecond * share.rate));
    }
  }

  /** The bucket an SDK command draws from, or undefined for calls AWS does not meter this way. */
  forCommand(commandName: string): TokenBucket | undefined {
    const name = BUCKET_OF_OPERATION[commandName];
    return name ? this.buckets.get(name) : undefined;
  }
}
