/**
 * What the supervisor needs to know to run one child process. Specs are plain data built by
 * `componentSpecs()` (or by tests), so the runner never knows which program it is running.
 */
export type ComponentName = 'prometheus' | 'alertmanager' | 'node-exporter' | 'grafana';

/** How a component applies new configuration without a full restart. */
export type ReloadMethod =
  | {
      /** Send a signal, then read the component's own /metrics until its reload gauges confirm. */
      kind: 'signal';
      signal: NodeJS.Signals;
      metricsUrl: string;
      /** Gauge that is 1 after a successful reload and 0 after a failed one. */
      successGauge: string;
      /** Gauge holding the time of the last successful reload; it must advance. */
      timestampGauge: string;
    }
  | {
      /** POST to each URL (e.g. Grafana's provisioning reload API); every one must answer 2xx. */
      kind: 'http';
      urls: string[];
      headers: Record<string, string>;
    }
  | { kind: 'restart' }
  /** Nothing to reload (node-exporter has no configuration the appliance renders). */
  | { kind: 'none' };

export interface ComponentSpec {
  /** Name used in logs, metrics and /status; unique within a supervisor. */
  name: string;
  command: string;
  args: string[];
  /** The component's own variables, on top of what childEnvironment() passes on. */
  env?: Record<string, string>;
  /** Variables of the supervisor's environment passed on by name prefix (Grafana's GF_*). */
  passEnvPrefixes?: string[];
  cwd?: string;
  /**
   * Where the running process's pid and program are kept, so a start after the supervisor was
   * killed can end what it left behind (see leftovers.ts).
   */
  pidFile?: string;
  /** Directories created (recursively) before every start. */
  dirs?: string[];
  /** 2xx means ready to serve; polled until ready, then on the probe interval. */
  readinessUrl?: string;
  /** Failing this `livenessFailureThreshold` times in a row gets the process restarted. */
  livenessUrl?: string;
  reload: ReloadMethod;
  /** Signal that asks the process to shut down cleanly. */
  stopSignal?: NodeJS.Signals;
  /** Relative share of the shutdown budget (Prometheus flushes its WAL and needs more). */
  stopWeight?: number;
  /** Whether the child writes logfmt lines worth splitting into fields. */
  logfmt?: boolean;
}
