import type { ClusterStatus } from '../discovery/cycle-status.ts';
import { escapeHtml } from '../html-escape.ts';
import { clusterCounts, decisionRows, matchesTerms, searchableText, searchTerms, type DecisionRow, type DiscoveryDecisions } from './discovery-decisions.ts';

export const DISCOVERY_PAGE_PATH = '/discovery';
export const DISCOVERY_JSON_PATH = '/discovery.json';

/**
 * The /discovery page: per cluster, every task and container and what became of it, searchable.
 * Every row is rendered, those the query does not match with `hidden`, so the search works
 * without JavaScript (?q=) and the inline script can widen it again as the user types.
 * Linear in the rows and built as one array join: 5,000 tasks take milliseconds.
 */
export function discoveryPage(decisions: DiscoveryDecisions, query: string | null): string {
  const terms = searchTerms(query);
  const out: string[] = [HEAD, '<h1>ECS discovery: what became of every task</h1>', lastCycleLine(decisions), LEGEND, searchForm(query)];
  if (!decisions.enabled) out.push('<p class="note">Discovery is off in the applied bundle (discovery.enabled: false), so no ECS task is scraped.</p>');
  else if (decisions.clusters.length === 0) out.push('<p class="note">No cluster has been discovered yet. The first cycle may still be running; see <a href="/status">/status</a> for errors.</p>');
  for (const cluster of [...decisions.clusters].sort((a, b) => a.key.localeCompare(b.key))) clusterSection(cluster, terms, out);
  out.push(`<script>${FILTER_SCRIPT}</script></body></html>\n`);
  return out.join('');
}

function lastCycleLine(decisions: DiscoveryDecisions): string {
  const links = `<a href="/status">/status</a> · <a href="${DISCOVERY_JSON_PATH}">as JSON</a>`;
  const cycle = decisions.lastCycle;
  if (!cycle) return `<p>No discovery cycle has finished yet${decisions.interval ? ` (one runs every ${escapeHtml(decisions.interval)})` : ''}. ${links}</p>`;
  const errors = cycle.scopeErrors.map((e) => `<li class="bad">${escapeHtml(e.scope)}: ${escapeHtml(e.error)}</li>`).join('');
  return (
    `<p>Last cycle: discovered at <time>${escapeHtml(cycle.discoveredAt ?? 'never')}</time>, took ${cycle.durationSeconds.toFixed(3)} s` +
    `${decisions.interval ? `, one every ${escapeHtml(decisions.interval)}` : ''}. ${links}</p>${errors ? `<ul>${errors}</ul>` : ''}`
  );
}

function searchForm(query: string | null): string {
  return (
    `<form method="get" action="${DISCOVERY_PAGE_PATH}"><input type="search" name="q" value="${escapeHtml(query ?? '')}" ` +
    'placeholder="cluster, service, task, container or reason" aria-label="search" autofocus> <button>Search</button> <span id="shown"></span></form>'
  );
}

function clusterSection(cluster: ClusterStatus, terms: readonly string[], out: string[]): void {
  const rows = decisionRows(cluster);
  const counts = clusterCounts(cluster);
  let shown = 0;
  const body: string[] = [];
  for (const row of rows) {
    const text = searchableText(row);
    const hit = matchesTerms(text, terms);
    if (hit) shown++;
    body.push(rowHtml(row, text, hit));
  }
  out.push(
    `<section${terms.length > 0 && shown === 0 ? ' hidden' : ''}><h2>${escapeHtml(cluster.cluster)} <small>account ${escapeHtml(cluster.accountId)}, ${escapeHtml(cluster.region)}</small></h2>`,
    `<p class="counts">${counts.tasks} tasks: ${counts.containersScraped} containers scraped (${counts.targets} targets), ` +
      `${counts.containersNotScraped} containers not scraped, ${counts.tasksPassedOver} tasks passed over, ${counts.skippedEndpoints} endpoints skipped. ` +
      `Last discovered ${escapeHtml(cluster.lastSuccess ?? 'never')}.</p>`,
    clusterTrouble(cluster),
    '<table><thead><tr><th>service</th><th>task</th><th>task definition</th><th>container</th><th>outcome</th><th>why</th></tr></thead><tbody>',
    ...body,
    '</tbody></table></section>',
  );
}

function clusterTrouble(cluster: ClusterStatus): string {
  const lines: string[] = [];
  if (cluster.lastError) lines.push(`Discovering this cluster FAILS; its last good targets are kept: ${cluster.lastError}`);
  if (cluster.writeError) lines.push(`Its target file cannot be written (retried every cycle): ${cluster.writeError}`);
  if (cluster.heldDrop) lines.push(`This cycle would drop ${cluster.heldDrop} targets; they are kept until the next cycle confirms the drop.`);
  return lines.map((line) => `<p class="bad">${escapeHtml(line)}</p>`).join('');
}

const OUTCOME_CLASS: Record<DecisionRow['outcome'], string> = { scraped: 'ok', 'not scraped': 'bad', 'not opted in': 'off', 'task passed over': 'off' };

function rowHtml(row: DecisionRow, text: string, hit: boolean): string {
  return (
    `<tr data-s="${escapeHtml(text)}" class="${OUTCOME_CLASS[row.outcome]}"${hit ? '' : ' hidden'}>` +
    `<td>${escapeHtml(row.service || '(standalone)')}</td><td>${escapeHtml(row.taskId)}</td>` +
    `<td>${escapeHtml(row.taskDefinition)}</td><td>${escapeHtml(row.container)}</td><td>${row.outcome}</td>` +
    `<td>${row.details.map(escapeHtml).join('<br>')}</td></tr>`
  );
}

/** What each outcome means and what to do about it, said once instead of on every row. */
const LEGEND =
  '<details><summary>What the outcomes mean</summary><dl>' +
  '<dt>scraped</dt><dd>Prometheus scrapes the address shown (job "ecs" unless the container names another).</dd>' +
  '<dt>not opted in</dt><dd>No opt-in way applies to the container. Give it the docker labels <code>prometheus.io/scrape=true</code> and ' +
  '<code>prometheus.io/port=PORT</code> (or <code>PROMETHEUS_EXPORTER_PORT</code>), the environment variable <code>PROMETHEUS=true</code>, ' +
  'or name it in a central rule (<code>discovery.rules</code> in appliance.yml), which needs no change to the task definition.</dd>' +
  '<dt>not scraped</dt><dd>It opted in, but an endpoint it asked for could not be made; the reason names the label, variable or rule to fix.</dd>' +
  '<dt>task passed over</dt><dd>The whole task is not judged yet: it is not RUNNING, or its task definition could not be read (see the discovery log).</dd>' +
  '</dl></details>';

const HEAD =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<title>ECS discovery · ecs-appliance</title><style>' +
  'body{font:14px/1.4 system-ui,sans-serif;margin:1rem 2rem;color:#222}table{border-collapse:collapse;width:100%;margin-bottom:2rem}' +
  'th,td{text-align:left;vertical-align:top;padding:.25rem .5rem;border-bottom:1px solid #ddd}th{background:#f4f4f4}' +
  'tr.ok td:nth-child(5){color:#1a7f37}tr.bad td:nth-child(5),.bad{color:#b42318}tr.off td:nth-child(5){color:#777}' +
  'input[type=search]{width:32rem;max-width:90%;padding:.3rem}small{color:#666;font-weight:normal}.note{color:#555}' +
  '</style></head><body>';

/** Instant search: the same rule as searchTerms and matchesTerms (every word must occur; an ARN by its id), over each row's data-s. */
const FILTER_SCRIPT = `
const box = document.querySelector('input[name=q]');
const filter = () => {
  const terms = box.value.toLowerCase().split(/\\s+/).map((t) => t.slice(t.lastIndexOf('/') + 1)).filter(Boolean);
  let shown = 0;
  for (const section of document.querySelectorAll('section')) {
    let inSection = 0;
    for (const row of section.querySelectorAll('tbody tr')) {
      row.hidden = !terms.every((t) => row.dataset.s.includes(t));
      if (!row.hidden) inSection++;
    }
    section.hidden = terms.length > 0 && inSection === 0;
    shown += inSection;
  }
  document.getElementById('shown').textContent = terms.length > 0 ? shown + ' matching' : '';
  history.replaceState(null, '', terms.length > 0 ? '?q=' + encodeURIComponent(box.value) : location.pathname);
};
box.addEventListener('input', filter);
filter();
`;
