import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerDefinition } from '@aws-sdk/client-ecs';
import { summary, targetsFor, type OneTask } from './snapshot-builder.ts';

/** Container port 9100, bound by ECS to host port 32000 in bridge mode (to itself in host mode). */
const modes: Record<OneTask['networkMode'], { bindings?: OneTask['bindings']; expected: string }> = {
  awsvpc: { expected: '10.0.0.9:9100/metrics' },
  bridge: { bindings: { app: [{ containerPort: 9100, hostPort: 32000 }] }, expected: '10.0.0.5:32000/metrics' },
  host: { bindings: { app: [{ containerPort: 9100, hostPort: 9100 }] }, expected: '10.0.0.5:9100/metrics' },
};

const base: ContainerDefinition = { name: 'app', image: 'example/app:1', portMappings: [{ containerPort: 9100 }] };
const ways: Record<string, { container: ContainerDefinition; settings?: Parameters<typeof targetsFor>[1] }> = {
  'prometheus.io labels': { container: { ...base, dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100' } } },
  'prometheus-ecs-discovery labels': { container: { ...base, dockerLabels: { PROMETHEUS_EXPORTER_PORT: '9100' } } },
  'prometheus-ecs-sd environment': {
    container: { ...base, environment: [{ name: 'PROMETHEUS', value: 'true' }, { name: 'PROMETHEUS_CONTAINER_PORT', value: '9100' }] },
  },
  'central rule': { container: base, settings: { rules: [{ name: 'all-apps', container: 'app', endpoints: [{ port: 9100 }] }] } },
};

describe('every network mode × every way of opting in finds the same endpoint', () => {
  for (const [mode, { bindings, expected }] of Object.entries(modes) as [OneTask['networkMode'], (typeof modes)['awsvpc']][]) {
    for (const [way, { container, settings }] of Object.entries(ways)) {
      it(`${mode} × ${way} → ${expected}`, () => {
        const result = targetsFor({ networkMode: mode, containers: [container], ...(bindings ? { bindings } : {}) }, settings);
        assert.deepEqual(summary(result), { targets: [expected], problems: [] });
        assert.equal(result.targets[0]!.labels.__meta_ecs_network_mode, mode);
      });
    }
  }
});
