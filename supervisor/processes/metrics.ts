import { Counter, Gauge, type Registry } from 'prom-client';

/** The supervisor's own series about its children, registered in the caller's registry. */
export interface ProcessMetrics {
  restarts: Counter<'component'>;
  up: Gauge<'component'>;
  ready: Gauge<'component'>;
  healthCheckFailures: Counter<'component' | 'probe'>;
  crashLooping: Gauge<'component'>;
}

export function createProcessMetrics(registry: Registry): ProcessMetrics {
  const registers = [registry];
  return {
    restarts: new Counter({
      name: 'ecs_appliance_component_restarts_total',
      help: 'Times the supervisor restarted a component after it exited or failed its liveness probe.',
      labelNames: ['component'],
      registers,
    }),
    up: new Gauge({
      name: 'ecs_appliance_component_up',
      help: '1 while the component process is running.',
      labelNames: ['component'],
      registers,
    }),
    ready: new Gauge({
      name: 'ecs_appliance_component_ready',
      help: '1 while the component answers its readiness probe.',
      labelNames: ['component'],
      registers,
    }),
    healthCheckFailures: new Counter({
      name: 'ecs_appliance_component_health_check_failures_total',
      help: 'Failed readiness (after first ready) and liveness probes.',
      labelNames: ['component', 'probe'],
      registers,
    }),
    crashLooping: new Gauge({
      name: 'ecs_appliance_component_crash_looping',
      help: '1 while the component keeps failing without a stable period in between.',
      labelNames: ['component'],
      registers,
    }),
  };
}
