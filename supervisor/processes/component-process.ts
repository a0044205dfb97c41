import { constants } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { execa, type Result, type ResultPromise } from 'execa';
import type { StopStep } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { restartDelayMs, type BackoffPolicy } from './backoff.ts';
import type { ComponentSpec } from './component.ts';
import { childEnvironment } from './child-environment.ts';
import { pidFileText } from './leftovers.ts';
import { parseChildLine } from './log-line.ts';
import type { ProcessMetrics } from './metrics.ts';
import { dyingWithSupervisor } from './parent-death.ts';
import { probeHttp } from './probe.ts';
import { defaultReloadTimings, reloadByHttp, reloadBySignal, type ReloadResult, type ReloadTimings } from './reload.ts';
import { RingBuffer } from './ring-buffer.ts';

export interface ProcessTimings {
  /** Probe period once the component is ready. */
  probeIntervalMs: number;
  /** Faster probe period until the component is first ready after a start. */
  startupProbeIntervalMs: number;
  probeTimeoutMs: number;
  /** Consecutive liveness failures that get the process restarted. */
  livenessFailureThreshold: number;
  /** Liveness failures only count after the first success or this long after a start (WAL replay). */
  startupGraceMs: number;
  /** Time between the polite stop signal and SIGKILL when a liveness failure forces a restart. */
  livenessKillGraceMs: number;
  backoff: BackoffPolicy;
  /** Running this long without failing clears the failure count and the backoff. */
  stablePeriodMs: number;
  /** Consecutive failures (without a stable period between) that count as a crash loop. */
  crashLoopThreshold: number;
  /** How many recent output lines to keep for /status and crash reports. */
  logLines: number;
  reload: ReloadTimings;
}

export const defaultProcessTimings: ProcessTimings = {
  probeIntervalMs: 5_000,
  startupProbeIntervalMs: 250,
  probeTimeoutMs: 2_000,
  livenessFailureThreshold: 3,
  startupGraceMs: 120_000,
  livenessKillGraceMs: 5_000,
  backoff: { initialMs: 1_000, maxMs: 30_000 },
  stablePeriodMs: 60_000,
  crashLoopThreshold: 5,
  logLines: 20,
  reload: defaultReloadTimings,
};

export type ComponentState = 'idle' | 'running' | 'backoff' | 'stopping' | 'stopped';

/** A typed, secret-free snapshot for /status. */
export type ComponentStatus = {
  name: string;
  state: ComponentState;
  ready: boolean;
  pid: number | null;
  restarts: number;
  consecutiveFailures: number;
  crashLooping: boolean;
  startedAt: string | null;
  nextRestartAt: string | null;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  lastError: string | null;
  lastLines: string[];
};

const KEPT_LINE_CHARS = 500;
/** After SIGKILL the kernel needs a moment; waiting longer than this means something is badly wrong. */
const KILL_CONFIRM_MS = 2_000;

/**
 * Runs one component: spawns it with its output turned into log records, probes readiness and
 * liveness, restarts it with exponential backoff when it exits or stops answering, and stops it
 * with its stop signal then SIGKILL.
 */
export class ComponentProcess {
  readonly name: string;
  readonly #spec: ComponentSpec;
  readonly #log: Logger;
  readonly #metrics: ProcessMetrics;
  readonly #timings: ProcessTimings;
  readonly #lines: RingBuffer<string>;

  #state: ComponentState = 'idle';
  #ready = false;
  #child: ResultPromise | undefined;
  #exited: Promise<void> = Promise.resolve();
  #generation = 0;
  #restarts = 0;
  #consecutiveFailures = 0;
  #startedAt: number | undefined;
  #nextRestartAt: number | undefined;
  #lastExit: ComponentStatus['lastExit'] = null;
  #lastError: string | null = null;
  #lastErrorLine: string | undefined;
  /** What each liveness probe in the current run of failures answered. */
  #livenessFailures: string[] = [];
  #everAlive = false;
  /** Why the supervisor itself killed the process, so the exit is reported with the real cause. */
  #killReason: string | undefined;
  #timers = new Set<NodeJS.Timeout>();
  #readyWaiters = new Set<() => void>();
  #reloadChain: Promise<unknown> = Promise.resolve();

  constructor(options: { spec: ComponentSpec; logger: Logger; metrics: ProcessMetrics; timings?: Partial<ProcessTimings> }) {
    this.#spec = options.spec;
    this.name = options.spec.name;
    this.#log = options.logger.child({ component: options.spec.name });
    this.#metrics = options.metrics;
    this.#timings = { ...defaultProcessTimings, ...options.timings };
    this.#lines = new RingBuffer(this.#timings.logLines);
    this.#setGauges(false, false);
    this.#metrics.restarts.inc({ component: this.name }, 0);
    this.#metrics.crashLooping.set({ component: this.name }, 0);
  }

  get state(): ComponentState {
    return this.#state;
  }

  get ready(): boolean {
    return this.#ready;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get crashLooping(): boolean {
    return this.#consecutiveFailures >= this.#timings.crashLoopThreshold;
  }

  get lastError(): string | null {
    return this.#lastError;
  }

  status(): ComponentStatus {
    return {
      name: this.name,
      state: this.#state,
      ready: this.#ready,
      pid: this.pid ?? null,
      restarts: this.#restarts,
      consecutiveFailures: this.#consecutiveFailures,
      crashLooping: this.crashLooping,
      startedAt: this.#startedAt !== undefined ? new Date(this.#startedAt).toISOString() : null,
      nextRestartAt: this.#nextRestartAt !== undefined ? new Date(this.#nextRestartAt).toISOString() : null,
      lastExit: this.#lastExit,
      lastError: this.#lastError,
      lastLines: this.#lines.toArray(),
    };
  }

  /** Start the process (no-op when it is already running or waiting to restart). */
  start(): void {
    if (this.#state === 'running' || this.#state === 'backoff') return;
    if (this.#state === 'stopping') throw new Error(`${this.name} is stopping; wait for stop() before starting it again`);
    void this.#spawn();
  }

  /** Resolves true once ready, false if `timeoutMs` passes first. */
  waitReady(timeoutMs: number): Promise<boolean> {
    if (this.#ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        clearTimeout(timer);
        this.#readyWaiters.delete(onReady);
        resolve(value);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#readyWaiters.add(onReady);
    });
  }

  /**
   * Stop for good: the stop signal, then SIGKILL after `graceMs`. Pending restarts are cancelled.
   * Never rejects.
   */
  async stop(graceMs: number): Promise<StopStep> {
    const began = Date.now();
    this.#clearTimers();
    this.#nextRestartAt = undefined;
    const child = this.#child;
    if (!child || this.#state !== 'running') {
      if (this.#state !== 'stopping') this.#state = 'stopped';
      await this.#exited;
      return { name: this.name, forced: false, durationMs: Date.now() - began };
    }
    this.#state = 'stopping';
    this.#log.info({ graceMs }, 'stopping');
    const forced = await this.#terminate(child, graceMs);
    this.#log.info({ forced, durationMs: Date.now() - began }, forced ? 'stop signal ignored; killed' : 'stopped');
    return { name: this.name, forced, durationMs: Date.now() - began };
  }

  /** Apply new configuration the component's way; calls are serialised per component. */
  reload(): Promise<ReloadResult> {
    const next = this.#reloadChain.then(() => this.#reloadNow());
    this.#reloadChain = next.catch(() => undefined);
    return next;
  }

  /** Synchronous last resort for process exit paths: SIGKILL the child if there is one. */
  killNow(): void {
    this.#clearTimers();
    if (this.#child) this.#state = 'stopping';
    this.#child?.kill('SIGKILL');
  }

  async #reloadNow(): Promise<ReloadResult> {
    const method = this.#spec.reload;
    if (method.kind === 'none') return { ok: true };
    if (method.kind === 'restart') return this.#restart();
    const child = this.#child;
    if (!child || this.#state !== 'running') return { ok: false, error: `${this.name} is not running (${this.#state})` };
    this.#lastErrorLine = undefined;
    const result =
      method.kind === 'signal'
        ? await reloadBySignal(method, (signal) => child.kill(signal), this.#timings.reload)
        : await reloadByHttp(method, this.#timings.reload.timeoutMs);
    if (!result.ok && this.#lastErrorLine) result.error = `${result.error}; last error logged: ${this.#lastErrorLine}`;
    this.#log[result.ok ? 'info' : 'error']({ method: method.kind, error: result.error }, result.ok ? 'configuration reloaded' : 'configuration reload failed');
    return result;
  }

  async #restart(): Promise<ReloadResult> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return { ok: false, error: `${this.name} is ${this.#state}` };
    await this.stop(this.#timings.livenessKillGraceMs);
    this.#state = 'idle';
    this.start();
    const ready = await this.waitReady(this.#timings.reload.timeoutMs);
    return ready ? { ok: true } : { ok: false, error: `${this.name} not ready within ${this.#timings.reload.timeoutMs} ms after restart` };
  }

  async #spawn(): Promise<void> {
    const generation = ++this.#generation;
    this.#state = 'running';
    this.#nextRestartAt = undefined;
    this.#startedAt = Date.now();
    this.#ready = false;
    this.#livenessFailures = [];
    this.#everAlive = false;
    this.#killReason = undefined;
    let settle!: () => void;
    this.#exited = new Promise((resolve) => (settle = resolve));
    try {
      for (const dir of this.#spec.dirs ?? []) await mkdir(dir, { recursive: true });
    } catch (error) {
      this.#onFailure(generation, `cannot prepare directories: ${(error as Error).message}`, null);
      settle();
      return;
    }
    // Checked here because the setpriv wrapper would only report "exited with code 127" (a bare
    // name is left to the PATH search).
    try {
      if (this.#spec.command.includes('/')) await access(this.#spec.command, constants.X_OK);
    } catch (error) {
      this.#onFailure(generation, `spawn ${this.#spec.command} ${(error as NodeJS.ErrnoException).code ?? 'failed'}`, null);
      settle();
      return;
    }
    if (generation !== this.#generation || this.#state !== 'running') {
      settle();
      return;
    }
    const launch = dyingWithSupervisor(this.#spec.command, this.#spec.args);
    const child = execa(launch.command, launch.args, {
      env: childEnvironment(process.env, this.#spec),
      extendEnv: false,
      cwd: this.#spec.cwd,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      buffer: false,
      reject: false,
      cleanup: true,
      forceKillAfterDelay: false,
    });
    this.#child = child;
    if (child.stdout) this.#pipeLines(child.stdout, 'stdout');
    if (child.stderr) this.#pipeLines(child.stderr, 'stderr');
    this.#log.info({ pid: child.pid, command: this.#spec.command, args: this.#spec.args }, 'started');
    if (child.pid !== undefined) {
      void this.#recordPid(child.pid);
      this.#setGauges(true, false);
    }
    this.#after(this.#timings.stablePeriodMs, () => this.#markStable());
    if (!this.#spec.readinessUrl) this.#setReady(child.pid !== undefined);
    this.#after(0, () => void this.#probe(generation));
    void child.then(async (result) => {
      if (this.#spec.pidFile) await rm(this.#spec.pidFile, { force: true }).catch(() => {});
      this.#onExit(generation, result);
      settle();
    });
  }

  async #recordPid(pid: number): Promise<void> {
    const file = this.#spec.pidFile;
    if (!file) return;
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, pidFileText(pid, this.#spec.command));
    } catch (error) {
      this.#log.warn({ file, error: (error as Error).message }, 'cannot record the pid; a restart after a crash of the supervisor may find this process in its way');
    }
  }

  #pipeLines(stream: Readable, name: 'stdout' | 'stderr'): void {
    const lines = createInterface({ input: stream, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      this.#lines.push(line.length > KEPT_LINE_CHARS ? `${line.slice(0, KEPT_LINE_CHARS)}…` : line);
      const record = parseChildLine(line, { logfmt: this.#spec.logfmt ?? false, defaultLevel: name === 'stderr' ? 'warn' : 'info' });
      if (record.level === 'error' || record.level === 'fatal') this.#lastErrorLine = line.slice(0, KEPT_LINE_CHARS);
      this.#log[record.level]({ stream: name, ...record.fields }, record.msg);
    });
  }

  #onExit(generation: number, result: Result): void {
    if (generation !== this.#generation) return;
    this.#clearTimers();
    this.#setGauges(false, false);
    this.#setReady(false);
    this.#child = undefined;
    this.#lastExit = { code: result.exitCode ?? null, signal: result.signal ?? null, at: new Date().toISOString() };
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      this.#state = 'stopped';
      return;
    }
    const how =
      result.exitCode === undefined && result.signal === undefined
        ? (result.originalMessage ?? result.shortMessage ?? 'ended without an exit code')
        : result.signal
          ? `killed by ${result.signal}`
          : `exited with code ${result.exitCode}`;
    this.#onFailure(generation, this.#killReason ? `${this.#killReason} (${how})` : how, result);
  }

  /** The process is gone when it should be running: record why and schedule a restart. */
  #onFailure(generation: number, reason: string, result: Result | null): void {
    if (generation !== this.#generation) return;
    this.#child = undefined;
    this.#consecutiveFailures++;
    this.#lastError = reason;
    if (result === null) this.#lastExit = { code: null, signal: null, at: new Date().toISOString() };
    this.#metrics.crashLooping.set({ component: this.name }, this.crashLooping ? 1 : 0);
    const delay = restartDelayMs(this.#timings.backoff, this.#consecutiveFailures);
    this.#log.error(
      { reason, consecutiveFailures: this.#consecutiveFailures, crashLooping: this.crashLooping, restartInMs: delay, lastLines: this.#lines.toArray().slice(-5) },
      'component failed; restarting after backoff',
    );
    this.#state = 'backoff';
    this.#nextRestartAt = Date.now() + delay;
    this.#after(delay, () => {
      this.#restarts++;
      this.#metrics.restarts.inc({ component: this.name });
      void this.#spawn();
    });
  }

  #markStable(): void {
    if (this.#consecutiveFailures === 0) return;
    this.#log.info({ afterFailures: this.#consecutiveFailures }, 'component stable again; backoff reset');
    this.#consecutiveFailures = 0;
    this.#metrics.crashLooping.set({ component: this.name }, 0);
  }

  async #probe(generation: number): Promise<void> {
    const stillCurrent = () => generation === this.#generation && this.#state === 'running';
    const { readinessUrl, livenessUrl } = this.#spec;
    if (readinessUrl) {
      const result = await probeHttp(readinessUrl, this.#timings.probeTimeoutMs);
      if (!stillCurrent()) return;
      if (!result.ok && this.#ready) {
        this.#metrics.healthCheckFailures.inc({ component: this.name, probe: 'readiness' });
        this.#log.warn({ url: readinessUrl, detail: result.detail }, 'readiness probe failed');
      }
      this.#setReady(result.ok);
    }
    if (livenessUrl) {
      const result = livenessUrl === readinessUrl && this.#ready ? { ok: true, detail: '' } : await probeHttp(livenessUrl, this.#timings.probeTimeoutMs);
      if (!stillCurrent()) return;
      this.#onLiveness(result.ok, result.detail);
      if (!stillCurrent()) return;
    }
    this.#after(this.#ready ? this.#timings.probeIntervalMs : this.#timings.startupProbeIntervalMs, () => void this.#probe(generation));
  }

  #onLiveness(ok: boolean, detail: string): void {
    if (ok) {
      this.#everAlive = true;
      this.#livenessFailures = [];
      return;
    }
    // Already being restarted: a probe that was in flight (and now meets a dying process) changes nothing.
    if (this.#killReason) return;
    const inGrace = !this.#everAlive && Date.now() - (this.#startedAt ?? 0) < this.#timings.startupGraceMs;
    if (inGrace) return;
    this.#livenessFailures.push(detail);
    this.#metrics.healthCheckFailures.inc({ component: this.name, probe: 'liveness' });
    this.#log.warn({ url: this.#spec.livenessUrl, detail, consecutive: this.#livenessFailures.length }, 'liveness probe failed');
    const child = this.#child;
    if (this.#livenessFailures.length < this.#timings.livenessFailureThreshold || !child) return;
    this.#killReason = `liveness probe failed ${this.#livenessFailures.length} times in a row (${tally(this.#livenessFailures)})`;
    this.#clearTimers();
    void this.#terminate(child, this.#timings.livenessKillGraceMs);
  }

  /** Stop signal, wait up to `graceMs`, then SIGKILL; resolves true when SIGKILL was needed. */
  async #terminate(child: ResultPromise, graceMs: number): Promise<boolean> {
    const exited = this.#exited;
    child.kill(this.#spec.stopSignal ?? 'SIGTERM');
    if (await settlesWithin(exited, graceMs)) return false;
    child.kill('SIGKILL');
    await settlesWithin(exited, KILL_CONFIRM_MS);
    return true;
  }

  #setReady(ready: boolean): void {
    if (ready === this.#ready) return;
    this.#ready = ready;
    this.#metrics.ready.set({ component: this.name }, ready ? 1 : 0);
    this.#log.info(ready ? 'ready' : 'not ready');
    if (ready) for (const wake of [...this.#readyWaiters]) wake();
  }

  #setGauges(up: boolean, ready: boolean): void {
    this.#metrics.up.set({ component: this.name }, up ? 1 : 0);
    this.#metrics.ready.set({ component: this.name }, ready ? 1 : 0);
  }

  #after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  #clearTimers(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

/** Whether `promise` settles within `ms`; the timer is cleared either way so it never holds the process open. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/** ['timed out', 'timed out', 'ECONNREFUSED'] → "timed out ×2, ECONNREFUSED" */
function tally(details: string[]): string {
  const counts = new Map<string, number>();
  for (const detail of details) counts.set(detail, (counts.get(detail) ?? 0) + 1);
  return [...counts].map(([detail, count]) => (count > 1 ? `${detail} ×${count}` : detail)).join(', ');
}
