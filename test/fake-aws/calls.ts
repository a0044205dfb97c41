import type { ServiceName } from './protocol.ts';

/** How a call ended, from the client's point of view. */
export type CallOutcome = 'ok' | 'error' | 'throttled' | 'fault' | 'auth-error';

export interface CallRecord {
  service: ServiceName;
  operation: string;
  account: string;
  region: string;
  outcome: CallOutcome;
}

/** Counts calls by (service, operation, account, region, outcome) without keeping each call. */
export class CallLog {
  private readonly counts = new Map<string, { record: CallRecord; count: number }>();

  record(call: CallRecord): void {
    const key = `${call.service}|${call.operation}|${call.account}|${call.region}|${call.outcome}`;
    const entry = this.counts.get(key);
    if (entry) entry.count++;
    else this.counts.set(key, { record: call, count: 1 });
  }

  /** Calls matching every given field. */
  count(filter: Partial<CallRecord> = {}): number {
    let total = 0;
    for (const { record, count } of this.counts.values()) {
      if ((Object.keys(filter) as (keyof CallRecord)[]).every((k) => filter[k] === undefined || filter[k] === record[k])) total += count;
    }
    return total;
  }

  /** Every distinct combination with its count. */
  entries(): (CallRecord & { count: number })[] {
    return [...this.counts.values()].map(({ record, count }) => ({ ...record, count }));
  }

  reset(): void {
    this.counts.clear();
  }
}
