import type { ServiceName } from './protocol.ts';

/**
 * Scripted failures. A rule matches calls by service / operation / account / region / cluster
 * (each optional) and fires for its next `times` matches, or until removed.
 */

export type FaultKind =
  | 'http500'
  | 'http503'
  | 'throttle'
  /** Never answer; the client's own timeout ends the call (stop() still closes the socket). */
  | 'hang'
  /** Answer as if the access key were unknown. */
  | 'badCredentials'
  | 'expiredToken'
  | 'accessDenied';

export interface FaultRule {
  service?: ServiceName;
  operation?: string;
  account?: string;
  region?: string;
  cluster?: string;
  kind: FaultKind;
  /** How many matching calls fail; unlimited when absent. */
  times?: number;
}

export interface FaultTarget {
  service: ServiceName;
  operation: string;
  account: string;
  region: string;
  cluster?: string;
}

export interface FaultHandle {
  readonly rule: FaultRule;
  /** Calls this rule has failed so far. */
  readonly hits: number;
  remove(): void;
}

interface ActiveFault {
  rule: FaultRule;
  hits: number;
}

export class Faults {
  private active: ActiveFault[] = [];

  add(rule: FaultRule): FaultHandle {
    const fault: ActiveFault = { rule: { ...rule }, hits: 0 };
    this.active.push(fault);
    return {
      rule: fault.rule,
      get hits() {
        return fault.hits;
      },
      remove: () => {
        this.active = this.active.filter((f) => f !== fault);
      },
    };
  }

  clear(): void {
    this.active = [];
  }

  /** The fault to apply to this call, consuming one of its `times`; first added wins. */
  take(target: FaultTarget): FaultKind | undefined {
    const fault = this.active.find((f) => matches(f.rule, target));
    if (!fault) return undefined;
    fault.hits++;
    if (fault.rule.times !== undefined && fault.hits >= fault.rule.times) this.active = this.active.filter((f) => f !== fault);
    return fault.rule.kind;
  }
}

function matches(rule: FaultRule, t: FaultTarget): boolean {
  return (
    (rule.service === undefined || rule.service === t.service) &&
    (rule.operation === undefined || rule.operation === t.operation) &&
    (rule.account === undefined || rule.account === t.account) &&
    (rule.region === undefined || rule.region === t.region) &&
    (rule.cluster === undefined || rule.cluster === t.cluster)
  );
}
