import type { Registry } from 'prom-client';
import { stopInTurn, type StopReport, type Verdict } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { ComponentSpec } from './component.ts';
import { ComponentProcess, type ComponentStatus, type ProcessTimings } from './component-process.ts';
import { createProcessMetrics } from './metrics.ts';
import type { ReloadResult } from './reload.ts';

const DEFAULT_STOP_BUDGET_MS = 25_000;

/**
 * Runs the appliance's components: starts them in the given order, reports combined health and
 * readiness, reloads one on request, and stops them in reverse order so the whole
 * stop fits one budget, each step getting a share weighted by its spec's stopWeight.
 */
export class Supervisor {
  readonly #components: ComponentProcess[];
  readonly #weights = new Map<string, number>();
  readonly #log: Logger;
  #stopping: Promise<StopReport> | undefined;

  constructor(options: {
    specs: ComponentSpec[];
    logger: Logger;
    registry: Registry;
    timings?: Partial<ProcessTimings>;
  }) {
    const names = new Set<string>();
    for (const spec of options.specs) {
      if (names.has(spec.name)) throw new Error(`two components are named '${spec.name}'`);
      names.add(spec.name);
      this.#weights.set(spec.name, spec.stopWeight ?? 1);
    }
    const metrics = createProcessMetrics(options.registry);
    this.#log = options.logger;
    this.#components = options.specs.map((spec) => new ComponentProcess({ spec, logger: options.logger, metrics, timings: options.timings }));
  }

  /** The components' stop weights together: their share of a stop budget beside other parts. */
  get stopWeight(): number {
    return [...this.#weights.values()].reduce((sum, weight) => sum + weight, 0);
  }

  get components(): readonly ComponentProcess[] {
    return this.#components;
  }

  component(name: string): ComponentProcess | undefined {
    return this.#components.find((component) => component.name === name);
  }

  /** Start every component without waiting for any to be ready (Prometheus may replay its WAL for minutes). */
  start(): void {
    if (this.#stopping) throw new Error('the supervisor is stopping');
    for (const component of this.#components) component.start();
  }

  /** Resolves true once every component is ready, false if `timeoutMs` passes first. */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (const component of this.#components) {
      if (!(await component.waitReady(Math.max(0, deadline - Date.now())))) return false;
    }
    return true;
  }

  /** Unhealthy only when something will not fix itself soon: a component crash-looping. */
  health(): Verdict {
    const reasons = this.#components
      .filter((component) => component.crashLooping)
      .map((component) => `${component.name} is crash-looping: ${component.lastError ?? 'unknown reason'}`);
    return { ok: reasons.length === 0, reasons };
  }

  readiness(): Verdict {
    const reasons = this.#components
      .filter((component) => !component.ready)
      .map((component) => `${component.name} is not ready (${component.state}${component.lastError ? `; last error: ${component.lastError}` : ''})`);
    return { ok: reasons.length === 0, reasons };
  }

  status(): ComponentStatus[] {
    return this.#components.map((component) => component.status());
  }

  /** Apply new configuration to one component; an unknown name is a failed result, not a throw. */
  async reload(name: string): Promise<ReloadResult> {
    const component = this.component(name);
    if (!component) return { ok: false, error: `no component named '${name}' is running in this appliance` };
    return component.reload();
  }

  /**
   * Stop everything once (later calls get the same report): components in reverse start order,
   * each with the stop signal and SIGKILL when its share of the budget runs out.
   */
  stop(budgetMs: number = DEFAULT_STOP_BUDGET_MS): Promise<StopReport> {
    this.#stopping ??= this.#stopAll(budgetMs);
    return this.#stopping;
  }

  /** Synchronous last resort (process 'exit'): SIGKILL whatever children are still alive. */
  killAll(): void {
    for (const component of this.#components) component.killNow();
  }

  async #stopAll(budgetMs: number): Promise<StopReport> {
    const began = Date.now();
    const order = [...this.#components].reverse().map((component) => ({ name: component.name, stopWeight: this.#weights.get(component.name) ?? 1, component }));
    this.#log.info({ budgetMs, order: order.map((step) => step.name) }, 'stopping components');
    const steps = await stopInTurn(order, began + budgetMs, async ({ component }, deadline) => [await component.stop(Math.max(0, deadline - Date.now()))]);
    const report = { steps, durationMs: Date.now() - began };
    this.#log.info(report, 'all components stopped');
    return report;
  }
}
