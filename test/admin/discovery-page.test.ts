import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterCounts, decisionRows, type DiscoveryDecisions } from '../../supervisor/admin/discovery-decisions.ts';
import { discoveryPage } from '../../supervisor/admin/discovery-page.ts';
import { escapeHtml } from '../../supervisor/html-escape.ts';
import type { ClusterStatus } from '../../supervisor/discovery/cycle-status.ts';
import type { TaskDecision } from '../../supervisor/discovery/targets.ts';

const arn = (cluster: string, id: string) => `arn:aws:ecs:us-east-1:111111111111:task/${cluster}/${id}`;

const checkout: TaskDecision = {
  taskArn: arn('shop', 'aaa111'),
  taskDefinition: 'checkout:3',
  lastStatus: 'RUNNING',
  service: 'checkout',
  containers: [
    { name: 'checkout', optedIn: true, targets: [{ address: '10.0.0.5:8080', path: '/metrics', source: 'prometheus.io labels' }], problems: [], notes: [] },
    { name: 'envoy', optedIn: false, targets: [], problems: [], notes: [] },
  ],
};
const broken: TaskDecision = {
  taskArn: arn('shop', 'bbb222'),
  taskDefinition: 'broken:1',
  lastStatus: 'RUNNING',
  service: 'broken',
  containers: [{ name: 'broken', optedIn: true, targets: [], problems: ['prometheus.io/port="abc": not a port number (1-65535)'], notes: [] }],
};
const pending: TaskDecision = { taskArn: arn('shop', 'ccc333'), taskDefinition: 'search:2', lastStatus: 'PENDING', service: 'search', skipped: 'task is PENDING, not RUNNING yet', containers: [] };

function cluster(name: string, tasks: TaskDecision[], extra: Partial<ClusterStatus> = {}): ClusterStatus {
  return { key: `111111111111/us-east-1/${name}`, scope: '111111111111/us-east-1', accountId: '111111111111', region: 'us-east-1', cluster: name, targets: 1, skippedEndpoints: 1, lastSuccess: '2025-01-01T00:00:00.000Z', tasks, ...extra };
}

const decisions = (clusters: ClusterStatus[]): DiscoveryDecisions => ({
  enabled: true,
  interval: '30s',
  lastCycle: { discoveredAt: '2025-01-01T00:00:00.000Z', durationSeconds: 0.25, scopeErrors: [] },
  clusters,
});

/** The rows as a reader sees them: visible or hidden, and the text of each cell. */
function rows(html: string): Array<{ hidden: boolean; cells: string[] }> {
  return [...html.matchAll(/<tr data-s="[^"]*" class="\w+"( hidden)?>(.*?)<\/tr>/g)].map((m) => ({
    hidden: m[1] !== undefined,
    cells: [...m[2]!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1]!),
  }));
}

describe('the /discovery page', () => {
  it('shows every container and task with what became of it, in words the user can act on', () => {
    const html = discoveryPage(decisions([cluster('shop', [checkout, broken, pending])]), null);
    const shown = rows(html);
    assert.deepEqual(shown.map((r) => [r.cells[0], r.cells[1], r.cells[3], r.cells[4], r.hidden]), [
      ['checkout', 'aaa111', 'checkout', 'scraped', false],
      ['checkout', 'aaa111', 'envoy', 'not opted in', false],
      ['broken', 'bbb222', 'broken', 'not scraped', false],
      ['search', 'ccc333', '', 'task passed over', false],
    ]);
    assert.match(shown[0]!.cells[5]!, /scraped at 10\.0\.0\.5:8080\/metrics \(opted in by prometheus\.io labels\)/);
    assert.match(shown[1]!.cells[5]!, /no opt-in: add the docker labels prometheus\.io\/scrape=true and prometheus\.io\/port=PORT, or a central rule/);
    assert.match(shown[2]!.cells[5]!, /endpoint not scraped: prometheus\.io\/port=&quot;abc&quot;: not a port number/);
    assert.match(shown[3]!.cells[5]!, /not scraped yet: task is PENDING, not RUNNING yet\. Its containers are judged once the task runs/);
    assert.match(html, /3 tasks: 1 containers scraped \(1 targets\), 2 containers not scraped, 1 tasks passed over, 1 endpoints skipped/);
    assert.match(html, /Last cycle: discovered at <time>2025-01-01T00:00:00\.000Z<\/time>, took 0\.250 s, one every 30s/);
    assert.match(html, /<a href="\/status">/);
  });

  it('filters with ?q= without JavaScript: every word must occur, matching rows stay, the rest are hidden, clusters without a match too', () => {
    const html = discoveryPage(decisions([cluster('shop', [checkout, broken, pending]), cluster('warehouse', [{ ...broken, taskArn: arn('warehouse', 'ddd444') }])]), 'SHOP  not opted');
    const visible = rows(html).filter((r) => !r.hidden);
    assert.deepEqual(visible.map((r) => r.cells[3]), ['envoy']);
    assert.equal(rows(html).length, 5, 'every row is still there for the instant search to show again');
    assert.match(html, /<section hidden><h2>warehouse/);
    assert.match(html, /name="q" value="SHOP  not opted"/);
    assert.match(html, /<script>[\s\S]*addEventListener\('input'/, 'the instant search');
  });

  it('finds a task by its pasted ARN', () => {
    const html = discoveryPage(decisions([cluster('shop', [checkout, broken, pending])]), broken.taskArn);
    assert.deepEqual(rows(html).filter((r) => !r.hidden).map((r) => r.cells[1]), ['bbb222']);
  });

  it('escapes everything that comes from task definitions, labels and AWS', () => {
    const hostile: TaskDecision = { ...broken, service: '<script>alert(1)</script>', containers: [{ ...broken.containers[0]!, name: '"><img src=x onerror=alert(1)>' }] };
    const html = discoveryPage(decisions([cluster('shop', [hostile], { lastError: 'AccessDenied <b>' })]), '"><script>');
    assert.doesNotMatch(html, /<script>alert|<img|<b>/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /Discovering this cluster FAILS; its last good targets are kept: AccessDenied &lt;b&gt;/);
    assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
    assert.equal((html.match(/<script>/g) ?? []).length, 1, 'only the page\'s own script');
  });

  it('says when discovery is off or has not finished a cycle', () => {
    assert.match(discoveryPage({ enabled: false, interval: null, lastCycle: null, clusters: [] }, null), /Discovery is off in the applied bundle/);
    assert.match(discoveryPage({ enabled: true, interval: '30s', lastCycle: null, clusters: [] }, null), /No discovery cycle has finished yet \(one runs every 30s\)/);
  });

  it('counts per cluster what the rows show', () => {
    const shop = cluster('shop', [checkout, broken, pending]);
    assert.deepEqual(clusterCounts(shop), { tasks: 3, containersScraped: 1, containersNotScraped: 2, tasksPassedOver: 1, targets: 1, skippedEndpoints: 1 });
    assert.equal(decisionRows(shop).length, 4);
  });
});
