/** An answer to "is it healthy?" or "is it ready?", with one line per reason it is not, naming the part. */
export interface Verdict {
  ok: boolean;
  reasons: string[];
}

/** How one running part, or one component of it, stopped. */
export interface StopStep {
  name: string;
  /** SIGKILL was needed because the stop signal was ignored for the whole grace period. */
  forced: boolean;
  durationMs: number;
  /** Why stopping it failed; it is given up on and the stop goes on with the next part. */
  error?: string;
}

export interface StopReport {
  /** In the order stopped. */
  steps: StopStep[];
  durationMs: number;
}
