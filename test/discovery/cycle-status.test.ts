import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { ClusterCycle, ClusterIdentity, CycleResult } from '../../supervisor/discovery/cycle.ts';
import { nextStatuses, recordCycle, type ClusterStatus } from '../../supervisor/discovery/cycle-status.ts';
import { DiscoveryMetrics } from '../../supervisor/discovery/metrics.ts';
import type { TaskDecision } from '../../supervisor/discovery/targets.ts';

const SCOPE = 'self/us-east-1';
const identity = (cluster: string, scope = SCOPE): ClusterIdentity => ({ key: `111_us-east-1_${cluster}`, scope, accountId: '111', region: 'us-east-1', cluster });
const task = (arn: string) => ({ taskArn: arn, containers: [] }) as unknown as TaskDecision;
const at = new Date('2024-05-01T12:00:00.000Z');

const discovered = (cluster: string, targets: number, more: Partial<ClusterCycle> = {}): ClusterCycle =>
  ({ ...identity(cluster), fetch: 'discovered', discoveredAt: at, tasks: [task(`arn:${cluster}`)], skippedEndpoints: 1, targets, ...more }) as ClusterCycle;
const failed = (cluster: string, targets: number): ClusterCycle => ({ ...identity(cluster), fetch: 'failed', error: 'ThrottlingException: slow down', targets });
const cycle = (clusters: ClusterCycle[], scopeErrors: CycleResult['scopeErrors'] = []): CycleResult => ({
  durationSeconds: 0.5,
  clusters,
  scopeErrors,
  nothingDiscovered: !clusters.some((c) => c.fetch === 'discovered'),
});
const status = (cluster: string, more: Partial<ClusterStatus> = {}): ClusterStatus => ({
  ...identity(cluster),
  targets: 4,
  skippedEndpoints: 0,
  tasks: [task('arn:before')],
  lastSuccess: '2024-05-01T11:59:30.000Z',
  ...more,
});
const statuses = (...list: ClusterStatus[]) => new Map(list.map((s) => [s.key, s]));

describe('a cycle folded into the cluster statuses', () => {
  it('a discovered cluster takes its tasks, targets and time of success, and loses its last error', () => {
    const next = nextStatuses(statuses(status('alpha', { lastError: 'old' })), cycle([discovered('alpha', 5), discovered('beta', 2)]));
    assert.deepEqual([...next.values()], [
      { ...identity('alpha'), targets: 5, skippedEndpoints: 1, tasks: [task('arn:alpha')], lastSuccess: at.toISOString() },
      { ...identity('beta'), targets: 2, skippedEndpoints: 1, tasks: [task('arn:beta')], lastSuccess: at.toISOString() },
    ]);
  });

  it('a failed cluster keeps its last tasks and success beside the error; one never seen before gets a status too', () => {
    const next = nextStatuses(statuses(status('alpha')), cycle([failed('alpha', 4), failed('beta', 3)]));
    assert.deepEqual(next.get(identity('alpha').key), status('alpha', { lastError: 'ThrottlingException: slow down' }));
    assert.deepEqual(next.get(identity('beta').key), { ...identity('beta'), targets: 3, skippedEndpoints: 0, tasks: [], lastError: 'ThrottlingException: slow down' });
  });

  it('a scope that could not list its clusters fails every cluster it had, and only those', () => {
    const other = { ...status('gamma'), ...identity('gamma', 'arn:aws:iam::222:role/x/us-east-1') };
    const next = nextStatuses(statuses(status('alpha'), other), cycle([], [{ scope: SCOPE, error: 'UnrecognizedClientException: bad key' }]));
    assert.equal(next.get(identity('alpha').key)!.lastError, 'UnrecognizedClientException: bad key');
    assert.deepEqual(next.get(other.key), other);
  });

  it('a held drop is news of its cycle only', () => {
    const held = nextStatuses(statuses(status('alpha'), status('beta')), cycle([discovered('alpha', 4, { heldDrop: 3 })]));
    assert.equal(held.get(identity('alpha').key)!.heldDrop, 3);
    const after = nextStatuses(statuses(...held.values(), status('beta', { heldDrop: 2 })), cycle([discovered('alpha', 1)]));
    assert.equal(after.get(identity('alpha').key)!.heldDrop, undefined);
    assert.equal(after.get(identity('beta').key)!.heldDrop, undefined, 'not in the cycle at all');
  });

  it('a write error stays until a write of that cluster succeeds', () => {
    const failing = nextStatuses(statuses(status('alpha')), cycle([discovered('alpha', 4, { write: { ok: false, error: 'ENOSPC' } })]));
    assert.equal(failing.get(identity('alpha').key)!.writeError, 'ENOSPC');
    const quiet = nextStatuses(failing, cycle([failed('alpha', 4)]));
    assert.equal(quiet.get(identity('alpha').key)!.writeError, 'ENOSPC');
    const written = nextStatuses(quiet, cycle([discovered('alpha', 5, { write: { ok: true, removed: false } })]));
    assert.equal(written.get(identity('alpha').key)!.writeError, undefined);
  });

  it('a gone cluster is forgotten once its file is removed, kept while the removal is held, and never invented', () => {
    const gone = (cluster: string, more: Partial<ClusterCycle>): ClusterCycle => ({ key: identity(cluster).key, fetch: 'gone', targets: 0, ...more }) as ClusterCycle;
    const before = statuses(status('alpha'), status('beta'));
    const next = nextStatuses(before, cycle([gone('alpha', { targets: 4, heldDrop: 4 }), gone('beta', { write: { ok: true, removed: true } }), gone('adopted', { write: { ok: true, removed: true } })]));
    assert.deepEqual([...next.keys()], [identity('alpha').key]);
    assert.equal(next.get(identity('alpha').key)!.heldDrop, 4);
  });
});

describe('a cycle recorded in the metrics', () => {
  it('counts failures, held drops and write failures, and keeps the targets gauge to the clusters that have a file', async () => {
    const registry = new Registry();
    const metrics = new DiscoveryMetrics(registry);
    const before = statuses(status('alpha'), status('beta'), { ...status('gamma'), ...identity('gamma', 'other/us-east-1') });
    metrics.targets.set({ account: '111', region: 'us-east-1', cluster: 'beta' }, 4);
    const result = cycle(
      [
        discovered('alpha', 4, { heldDrop: 3, write: { ok: false, error: 'ENOSPC' } }),
        { key: identity('beta').key, fetch: 'gone', targets: 0, write: { ok: true, removed: true } },
      ],
      [{ scope: 'other/us-east-1', error: 'AccessDenied' }],
    );
    recordCycle(metrics, result, before, nextStatuses(before, result), new Map());
    const text = await registry.metrics();
    const labels = (cluster: string) => `{account="111",region="us-east-1",cluster="${cluster}"}`;
    assert.match(text, new RegExp(`cluster_failures_total${labels('gamma')} 1`));
    assert.match(text, new RegExp(`write_failures_total${labels('alpha')} 1`));
    assert.match(text, /held_drops_total\{cluster="111_us-east-1_alpha"\} 1/);
    assert.match(text, new RegExp(`last_success_timestamp_seconds${labels('alpha')} ${at.getTime() / 1000}`));
    assert.match(text, new RegExp(`skipped_endpoints${labels('alpha')} 1`));
    assert.match(text, new RegExp(`_targets${labels('alpha')} 4`));
    assert.doesNotMatch(text, new RegExp(`_targets${labels('beta')}`));
    assert.match(text, /cycle_duration_seconds_count 1/);
  });
});
