import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusSummary } from '../../supervisor/appliance/status-summary.ts';
import type { ComponentStatus } from '../../supervisor/processes/component-process.ts';

const component = (name: string, patch: Partial<ComponentStatus> = {}): ComponentStatus => ({
  name, state: 'running', ready: true, pid: 42, restarts: 0, consecutiveFailures: 0, crashLooping: false, startedAt: null, nextRestartAt: null, lastExit: null, lastError: null, lastLines: ['a', 'b'], ...patch,
});

describe('the /status summary', () => {
  it('says in one line each which config runs and how each component is, and counts what discovery scrapes and skips', () => {
    const summary = statusSummary({
      applied: { source: 's3://b/appliance.yml', version: 'etag-1', appliedAt: '2025-01-01T00:00:00.000Z', fromCache: false },
      failure: 'bundle refused: rules/x.yml: bad',
      components: [component('prometheus'), component('grafana', { state: 'backoff', ready: false, pid: null, restarts: 5, crashLooping: true, lastError: 'exited with code 1' })],
      discovery: {
        enabled: true,
        interval: '30s',
        lastCycle: { discoveredAt: '2025-01-01T00:00:05.000Z', durationSeconds: 0.5, scopeErrors: [] },
        clusters: [
          {
            key: 'k', scope: 's', accountId: '1', region: 'r', cluster: 'shop', targets: 2, skippedEndpoints: 1, lastError: 'AccessDenied',
            tasks: [{ taskArn: 'a/t1', taskDefinition: 'x:1', lastStatus: 'RUNNING', service: 'x', containers: [{ name: 'app', optedIn: false, targets: [], problems: [], notes: [] }] }],
          },
        ],
      },
    });
    assert.deepEqual(summary, {
      config: 'version etag-1 from s3://b/appliance.yml applied at 2025-01-01T00:00:00.000Z; the last attempt failed: bundle refused: rules/x.yml: bad',
      components: { prometheus: 'running, ready, pid 42, 0 restarts', grafana: 'backoff, not ready, CRASH-LOOPING, 5 restarts, last error: exited with code 1' },
      discovery: { targets: 2, skippedEndpoints: 1, containersNotScraped: 1, tasks: 1, clusters: 1, failingClusters: ['shop'], lastCycleAt: '2025-01-01T00:00:05.000Z', lastCycleSeconds: 0.5, whyNotScraped: '/discovery' },
    });
  });

  it('says when nothing is applied yet and when discovery is off', () => {
    const summary = statusSummary({ applied: undefined, failure: undefined, components: [], discovery: { enabled: false, interval: null, lastCycle: null, clusters: [] } }) as Record<string, unknown>;
    assert.equal(summary.config, 'no bundle applied yet (first poll in progress)');
    assert.equal(summary.discovery, 'off');
  });
});
