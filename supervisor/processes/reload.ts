import { setTimeout as sleep } from 'node:timers/promises';
import type { ReloadMethod } from './component.ts';
import { readSample } from './metrics-text.ts';
import { describeNetworkError } from '../net-errors.ts';

export interface ReloadResult {
  ok: boolean;
  error?: string;
}

export interface ReloadTimings {
  /** Give up confirming after this long. */
  timeoutMs: number;
  /** How often the component's /metrics is read while waiting. */
  pollMs: number;
  /**
   * When the last reload had already failed, the success gauge stays 0 whatever happens, so a
   * new failure cannot be seen as a change; after this long without a new success it counts as failed.
   */
  settleMs: number;
}

export const defaultReloadTimings: ReloadTimings = { timeoutMs: 30_000, pollMs: 200, settleMs: 3_000 };

type SignalReload = Extract<ReloadMethod, { kind: 'signal' }>;

interface ReloadGauges {
  success: number | undefined;
  timestamp: number | undefined;
}

async function readReloadGauges(method: SignalReload, timeoutMs: number): Promise<ReloadGauges> {
  const response = await fetch(method.metricsUrl, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(`GET ${method.metricsUrl} answered HTTP ${response.status}`);
  }
  const text = await response.text();
  return { success: readSample(text, method.successGauge), timestamp: readSample(text, method.timestampGauge) };
}

/**
 * Signal the process, then watch its reload gauges: success means the success gauge is 1 and the
 * success timestamp moved past its value from before the signal.
 */
export async function reloadBySignal(
  method: SignalReload,
  sendSignal: (signal: NodeJS.Signals) => void,
  timings: ReloadTimings = defaultReloadTimings,
): Promise<ReloadResult> {
  const probeTimeout = Math.min(5_000, timings.timeoutMs);
  let before: ReloadGauges;
  try {
    before = await readReloadGauges(method, probeTimeout);
  } catch (error) {
    return { ok: false, error: `cannot read reload state before reloading: ${describeNetworkError(error)}` };
  }
  if (before.timestamp === undefined) {
    return { ok: false, error: `${method.metricsUrl} does not expose ${method.timestampGauge}` };
  }
  sendSignal(method.signal);
  const started = Date.now();
  let lastProblem = 'no reload observed';
  while (Date.now() - started < timings.timeoutMs) {
    await sleep(timings.pollMs);
    let now: ReloadGauges;
    try {
      now = await readReloadGauges(method, probeTimeout);
    } catch (error) {
      lastProblem = describeNetworkError(error);
      continue;
    }
    if (now.success === 1 && now.timestamp !== undefined && now.timestamp > before.timestamp) return { ok: true };
    if (now.success === 0 && (before.success === 1 || Date.now() - started >= timings.settleMs)) {
      return { ok: false, error: `reload failed: ${method.successGauge} is 0` };
    }
  }
  return { ok: false, error: `reload not confirmed within ${timings.timeoutMs} ms (${lastProblem})` };
}

/** POST to every reload URL; the first non-2xx answer or network error is the failure. */
export async function reloadByHttp(method: Extract<ReloadMethod, { kind: 'http' }>, timeoutMs: number): Promise<ReloadResult> {
  for (const url of method.urls) {
    try {
      const response = await fetch(url, { method: 'POST', headers: method.headers, signal: AbortSignal.timeout(timeoutMs) });
      await response.body?.cancel();
      if (!response.ok) return { ok: false, error: `POST ${url} answered HTTP ${response.status}` };
    } catch (error) {
      return { ok: false, error: `POST ${url} failed: ${describeNetworkError(error)}` };
    }
  }
  return { ok: true };
}
