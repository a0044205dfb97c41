import { describeNetworkError } from '../net-errors.ts';

export interface ProbeResult {
  ok: boolean;
  /** HTTP status, or the network error, for the log and /status when the probe fails. */
  detail: string;
}

/** One HTTP GET with a hard timeout: 2xx is success, anything else (or no answer) is failure. */
export async function probeHttp(url: string, timeoutMs: number): Promise<ProbeResult> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    return { ok: response.status >= 200 && response.status < 300, detail: `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, detail: describeNetworkError(error) };
  }
}
