export interface BackoffPolicy {
  /** Delay before the first restart after a failure. */
  initialMs: number;
  /** Ceiling for the doubling delay. */
  maxMs: number;
}

/** Exponential restart delay: initial, 2×, 4× … capped; `failures` counts consecutive failures (≥ 1). */
export function restartDelayMs(policy: BackoffPolicy, failures: number): number {
  const exponent = Math.max(0, failures - 1);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(exponent, 30));
}
