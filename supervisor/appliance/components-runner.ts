import type { Registry } from 'prom-client';
import type { Part, StopStep, Verdict } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { ComponentSpec } from '../processes/component.ts';
import type { ComponentStatus, ProcessTimings } from '../processes/component-process.ts';
import { Supervisor } from '../processes/supervisor.ts';
import { rollBackRelease } from '../render/publish.ts';
import type { DataDirLayout } from '../render/data-dir.ts';
import { removeMetrics } from './metric-names.ts';
import type { Release } from './resolve-bundle.ts';

/** Components whose configuration the appliance renders, in the order they are reloaded. */
const RELOADED = ['prometheus', 'alertmanager', 'grafana'] as const;

interface ReloadFailure {
  component: string;
  error: string;
}

/**
 * Owns the Supervisor of the child processes. Process-level settings (ports, which components
 * run, retention, external URLs) are fixed in a process's argv, so a release that changes them
 * replaces the supervisor: the old components stop, the new ones start. Any other change is a
 * reload, and a release a component refuses at reload is rolled back.
 */
export class ComponentsRunner implements Part<Release> {
  readonly name = 'components';
  readonly #log: Logger;
  readonly #registry: Registry;
  readonly #timings: Partial<ProcessTimings> | undefined;
  readonly #replaceBudgetMs: number;
  #supervisor: Supervisor | undefined;
  #specsKey: string | undefined;
  #stopping = false;

  constructor(options: { logger: Logger; registry: Registry; timings?: Partial<ProcessTimings>; replaceBudgetMs: number }) {
    this.#log = options.logger;
    this.#registry = options.registry;
    this.#timings = options.timings;
    this.#replaceBudgetMs = options.replaceBudgetMs;
  }

  get running(): boolean {
    return this.#supervisor !== undefined;
  }

  get stopWeight(): number {
    return this.#supervisor?.stopWeight ?? 0;
  }

  async apply(release: Release): Promise<void> {
    const { specs, layout } = release.resolved;
    if (await this.#ensure(specs)) return;
    if (release.changed) await this.#reloadOrRollBack(layout);
  }

  /** Starts (or replaces) the supervisor unless it already runs exactly these specs; true when it (re)started them. */
  async #ensure(specs: ComponentSpec[]): Promise<boolean> {
    const key = JSON.stringify(specs);
    if (this.#supervisor && key === this.#specsKey) return false;
    const previous = this.#supervisor;
    if (previous) {
      this.#log.info({ components: specs.map((s) => s.name) }, 'process settings changed (ports, components, retention or URLs); restarting the components');
      this.#supervisor = undefined;
      await previous.stop(this.#replaceBudgetMs);
    }
    if (this.#stopping) throw new Error('the appliance is stopping');
    removeMetrics(this.#registry, 'ecs_appliance_component_');
    const supervisor = new Supervisor({ specs, logger: this.#log, registry: this.#registry, ...(this.#timings ? { timings: this.#timings } : {}) });
    this.#supervisor = supervisor;
    this.#specsKey = key;
    supervisor.start();
    return true;
  }

  /** Reloads what reads rendered config; if one refuses the release, goes back to the previous one. */
  async #reloadOrRollBack(layout: DataDirLayout): Promise<void> {
    const failures = await this.#reloadAll();
    if (failures.length === 0) return;
    const rolledBack = await rollBackRelease(layout);
    if (rolledBack) {
      const again = await this.#reloadAll();
      if (again.length > 0) this.#log.error({ failures: again }, 'reloading the previous config failed too');
    }
    const what = failures.map((f) => `${f.component} refused the new config at reload: ${f.error}`).join('; ');
    throw new Error(`${what}; ${rolledBack ? 'went back to the previous config' : 'there is no previous config to go back to'}`);
  }

  /**
   * Has every running component that reads rendered config take the current release. A component
   * that is not running (backing off after a crash) reads it when it starts, so it is skipped.
   */
  async #reloadAll(): Promise<ReloadFailure[]> {
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

  /** Stops the components in reverse start order by `deadline`, each with its weighted share. */
  async stop(deadline: number): Promise<StopStep[]> {
    this.#stopping = true;
    const supervisor = this.#supervisor;
    if (!supervisor) return [];
    return (await supervisor.stop(Math.max(0, deadline - Date.now()))).steps;
  }

  killAll(): void {
    this.#supervisor?.killAll();
  }
}
