import type { Registry } from 'prom-client';
import type { Logger } from '../log.ts';
import type { ComponentSpec } from '../processes/component.ts';
import type { ComponentStatus, ProcessTimings } from '../processes/component-process.ts';
import type { Verdict } from '../lifecycle.ts';
import { Supervisor, type StopReport, type Stoppable } from '../processes/supervisor.ts';
import { removeMetrics } from './metric-names.ts';

/** Components whose configuration the appliance renders, in the order they are reloaded. */
const RELOADED = ['prometheus', 'alertmanager', 'grafana'] as const;

export interface ReloadFailure {
  component: string;
  error: string;
}

/**
 * Owns the Supervisor of the child processes. Process-level settings (ports, which components
 * run, retention, external URLs) are fixed in a process's argv, so a bundle that changes them
 * replaces the supervisor: the old components stop, the new ones start. Everything else is a reload.
 */
export class ComponentsRunner {
  readonly #logger: Logger;
  readonly #registry: Registry;
  readonly #timings: Partial<ProcessTimings> | undefined;
  readonly #stopLast: Stoppable[];
  #supervisor: Supervisor | undefined;
  #specsKey: string | undefined;
  #stopping = false;

  constructor(options: { logger: Logger; registry: Registry; timings?: Partial<ProcessTimings>; stopLast: Stoppable[] }) {
    this.#logger = options.logger;
    this.#registry = options.registry;
    this.#timings = options.timings;
    this.#stopLast = options.stopLast;
  }

  get running(): boolean {
    return this.#supervisor !== undefined;
  }

  /** Starts (or replaces) the supervisor unless it already runs exactly these specs; says which. */
  async ensure(specs: ComponentSpec[], replaceBudgetMs: number): Promise<'started' | 'replaced' | 'unchanged'> {
    const key = JSON.stringify(specs);
    if (this.#supervisor && key === this.#specsKey) return 'unchanged';
    const previous = this.#supervisor;
    if (previous) {
      this.#logger.info({ components: specs.map((s) => s.name) }, 'process settings changed (ports, components, retention or URLs); restarting the components');
      this.#supervisor = undefined;
      // Component by component rather than previous.stop(): that would stop the proxy too, which lives on.
      const grace = Math.floor(replaceBudgetMs / Math.max(1, previous.components.length));
      for (const component of [...previous.components].reverse()) await component.stop(grace);
    }
    if (this.#stopping) throw new Error('the appliance is stopping');
    removeMetrics(this.#registry, 'ecs_appliance_component_');
    const supervisor = new Supervisor({ specs, logger: this.#logger, registry: this.#registry, stopLast: this.#stopLast, ...(this.#timings ? { timings: this.#timings } : {}) });
    this.#supervisor = supervisor;
    this.#specsKey = key;
    supervisor.start();
    return previous ? 'replaced' : 'started';
  }

  /**
   * Has every running component that reads rendered config take the current release. A component
   * that is not running (backing off after a crash) reads it when it starts, so it is skipped.
   */
  async reloadAll(): Promise<ReloadFailure[]> {
    const supervisor = this.#supervisor;
    if (!supervisor) return [];
    const failures: ReloadFailure[] = [];
    for (const name of RELOADED) {
      const component = supervisor.component(name);
      if (!component || component.state !== 'running') continue;
      const result = await component.reload();
      if (!result.ok) failures.push({ component: name, error: result.error ?? 'reload failed' });
    }
    return failures;
  }

  waitReady(timeoutMs: number): Promise<boolean> {
    return this.#supervisor?.waitReady(timeoutMs) ?? Promise.resolve(false);
  }

  health(): Verdict {
    return this.#supervisor?.health() ?? { ok: true, reasons: [] };
  }

  readiness(): Verdict {
    return this.#supervisor?.readiness() ?? { ok: false, reasons: ['no component has been started: no config bundle applied yet'] };
  }

  status(): ComponentStatus[] {
    return this.#supervisor?.status() ?? [];
  }

  /** Stops the components (reverse start order), then the stop-last parts, within `budgetMs`. */
  async stop(budgetMs: number): Promise<StopReport> {
    this.#stopping = true;
    const supervisor = this.#supervisor;
    if (supervisor) return supervisor.stop(budgetMs);
    const began = Date.now();
    const steps: StopReport['steps'] = [];
    for (const part of this.#stopLast) {
      const started = Date.now();
      await part.stop(Math.max(0, budgetMs - (started - began)));
      steps.push({ name: part.name, forced: false, durationMs: Date.now() - started });
    }
    return { steps, durationMs: Date.now() - began };
  }

  killAll(): void {
    this.#supervisor?.killAll();
  }
}
