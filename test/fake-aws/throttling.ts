/**
 * Token buckets per account + region + bucket, shaped like AWS's published limits (ECS API
 * Reference "Request throttling for the Amazon ECS API": one bucket per category, shared by its
 * actions; EC2 "Request throttling": non-mutating actions 100 burst, 20/s).
 */

export interface BucketShape {
  capacity: number;
  refillPerSecond: number;
}

export const DEFAULT_BUCKETS: Record<string, BucketShape> = {
  'ecs:cluster-read': { capacity: 50, refillPerSecond: 20 },
  'ecs:service-read': { capacity: 100, refillPerSecond: 20 },
  /** ListTasks, DescribeTasks, DescribeContainerInstances, ListContainerInstances. */
  'ecs:cluster-resource-read': { capacity: 100, refillPerSecond: 20 },
  'ecs:task-definition-read': { capacity: 50, refillPerSecond: 20 },
  'ec2:describe': { capacity: 100, refillPerSecond: 20 },
};

export interface ThrottlingOptions {
  enabled?: boolean;
  /** Per-bucket overrides, by the names in DEFAULT_BUCKETS. */
  buckets?: Record<string, BucketShape>;
}

interface BucketState {
  tokens: number;
  updatedAt: number;
}

export class Throttler {
  enabled: boolean;
  private readonly shapes: Record<string, BucketShape>;
  private readonly state = new Map<string, BucketState>();

  constructor(options: ThrottlingOptions | boolean = true, private readonly now: () => number = () => performance.now()) {
    const opts = typeof options === 'boolean' ? { enabled: options } : options;
    this.enabled = opts.enabled ?? true;
    this.shapes = { ...DEFAULT_BUCKETS, ...opts.buckets };
  }

  /** Takes one token; false means the caller must be throttled. */
  take(account: string, region: string, bucket: string | undefined): boolean {
    if (!this.enabled || bucket === undefined) return true;
    const shape = this.shapes[bucket];
    if (!shape) throw new Error(`unknown throttling bucket '${bucket}'`);
    const key = `${account}/${region}/${bucket}`;
    const now = this.now();
    const s = this.state.get(key) ?? { tokens: shape.capacity, updatedAt: now };
    s.tokens = Math.min(shape.capacity, s.tokens + ((now - s.updatedAt) / 1000) * shape.refillPerSecond);
    s.updatedAt = now;
    this.state.set(key, s);
    if (s.tokens < 1) return false;
    s.tokens -= 1;
    return true;
  }

  /** Fills every bucket again, so one test's burst does not leak into the next. */
  reset(): void {
    this.state.clear();
  }
}
