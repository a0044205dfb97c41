import { Counter, Gauge, type Registry } from 'prom-client';

/** The appliance's own series about its config bundle; the dashboards read `ecs_appliance_config_reloads_total`. */
export interface ConfigMetrics {
  /** Every attempt to apply a new bundle: result="success" or "failure" (refused, or a component would not take it). */
  reloads: Counter<'result'>;
  /** 1 when the last bundle tried was applied, 0 when it was refused (the previous one keeps running). */
  lastApplySuccess: Gauge;
  lastApplyTimestamp: Gauge;
  lastSuccessTimestamp: Gauge;
  /** Polls of the config source that failed (unreachable, denied). */
  pollFailures: Counter;
  /** 1 for the bundle in use, labelled with its source and version (an ETag or content hash; never content). */
  info: Gauge<'source' | 'version'>;
  /** 1 while a bundle is applied and every component is ready. */
  ready: Gauge;
}

/** `isReady` is read at scrape time. */
export function createConfigMetrics(registry: Registry, isReady: () => boolean): ConfigMetrics {
  const registers = [registry];
  return {
    reloads: new Counter({ name: 'ecs_appliance_config_reloads_total', help: 'Attempts to apply a new config bundle, by result (success, failure).', labelNames: ['result'], registers }),
    lastApplySuccess: new Gauge({ name: 'ecs_appliance_config_last_apply_success', help: '1 if the last config bundle tried was applied, 0 if it was refused and the previous one kept running.', registers }),
    lastApplyTimestamp: new Gauge({ name: 'ecs_appliance_config_last_apply_timestamp_seconds', help: 'When a config bundle was last tried.', registers }),
    lastSuccessTimestamp: new Gauge({ name: 'ecs_appliance_config_last_success_timestamp_seconds', help: 'When a config bundle was last applied successfully.', registers }),
    pollFailures: new Counter({ name: 'ecs_appliance_config_poll_failures_total', help: 'Polls of CONFIG_LOCATION that failed.', registers }),
    info: new Gauge({ name: 'ecs_appliance_config_info', help: 'The config bundle in use: its source and version.', labelNames: ['source', 'version'], registers }),
    ready: new Gauge({
      name: 'ecs_appliance_ready',
      help: '1 while a config bundle is applied and every component is ready.',
      registers,
      collect() {
        this.set(isReady() ? 1 : 0);
      },
    }),
  };
}
