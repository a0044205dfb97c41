import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa, type ResultPromise } from 'execa';
import { parse } from 'yaml';
import { eventually, getJson } from '../appliance/harness.ts';
import { freePort } from '../processes/free-port.ts';
import { PROGRAMS } from '../programs.ts';
import { run, tempDir, writeFiles } from '../render/fixtures.ts';
import { DASHBOARDS_DIR, filesUnder, RULES_DIR, shippedRelease, type RuleFile } from './release.ts';
import { syntheticOpenMetrics } from './synthetic.ts';

interface Variable { name: string; type: string; query?: string | { query: string }; options?: { value: string }[] }
interface Dashboard { title: string; templating: { list: Variable[] }; panels: { title: string; targets?: { expr: string }[] }[] }

/** What Grafana would put in for its own variables; the dashboards' own come from the world. */
const GRAFANA_VARIABLES: Record<string, string> = { __rate_interval: '2m', __interval: '30s', __range: '1h', cluster: '.*', instance: '.*', service: 'web' };

/** Every query a dashboard runs, with its variables filled in: one per value of a custom variable. */
function dashboardQueries(dashboard: Dashboard): { where: string; expr: string }[] {
  const queries = [
    ...dashboard.templating.list.flatMap((v) => {
      // label_values(selector, label): the selector is the PromQL that must find series.
      const query = typeof v.query === 'string' ? v.query : v.query?.query;
      const selector = v.type === 'query' && query ? /^label_values\((.*), *\w+\)$/.exec(query)?.[1] : undefined;
      return selector ? [{ where: `variable ${v.name}`, expr: selector }] : [];
    }),
    ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, expr: target.expr }))),
  ];
  const custom = dashboard.templating.list.filter((v) => v.type === 'custom');
  let settings: Record<string, string>[] = [GRAFANA_VARIABLES];
  for (const variable of custom) settings = settings.flatMap((s) => variable.options!.map((o) => ({ ...s, [variable.name]: o.value })));
  return settings.flatMap((values) =>
    queries.map(({ where, expr }) => ({
      where: `${dashboard.title}: ${where}${custom.map((v) => ` ${v.name}=${values[v.name]}`).join('')}`,
      expr: expr.replace(/\$\{?(\w+)\}?/g, (_, name: string) => values[name] ?? assert.fail(`${dashboard.title}: no value for $${name}`)),
    })),
  );
}

describe('every shipped expression, run by a real Prometheus on a synthetic ECS world', () => {
  let scratch: string;
  let prometheus: ResultPromise;
  let api: string;
  let ruleFiles: Map<string, RuleFile>;
  let dashboards: Dashboard[];

  const query = async (expr: string) => {
    const { body } = await getJson<{ status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }>(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (body.status !== 'success') throw new Error(body.error);
    return body.data.result;
  };

  before(async () => {
    scratch = await tempDir('mixin-promql-');
    const release = await shippedRelease();
    const rules = filesUnder(release, RULES_DIR);
    ruleFiles = new Map([...rules].map(([name, text]) => [name, parse(text) as RuleFile]));
    dashboards = [...filesUnder(release, DASHBOARDS_DIR).values()].map((text) => JSON.parse(text) as Dashboard);
    await writeFiles(join(scratch, 'rules'), rules);

    await writeFile(join(scratch, 'world.om'), syntheticOpenMetrics(Date.now() / 1000));
    await mkdir(join(scratch, 'data'));
    const blocks = await run(PROGRAMS.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', 'world.om', 'data'], scratch);
    assert.equal(blocks.code, 0, blocks.output);

    // Prometheus evaluates the recording rules itself, every second, over the blocks just written.
    await writeFile(join(scratch, 'prometheus.yml'), `global:\n  evaluation_interval: 1s\nrule_files: ["rules/*.yml"]\n`);
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = execa(PROGRAMS.prometheus, ['--config.file=prometheus.yml', '--storage.tsdb.path=data', `--web.listen-address=127.0.0.1:${port}`], { cwd: scratch, reject: false, all: true });
    const records = [...ruleFiles.values()].flatMap((file) => file.groups.flatMap((group) => group.rules.flatMap((rule) => ('record' in rule ? [rule.record] : []))));
    await eventually('every recording rule evaluated', 30_000, async () => {
      for (const record of records) if ((await query(`count(${record})`)).length === 0) return false;
      return true;
    });
  });
  after(async () => {
    prometheus?.kill();
    await prometheus;
    await rm(scratch, { recursive: true, force: true });
  });

  it('answers every rule expression with series', async () => {
    const empty: string[] = [];
    for (const [name, file] of ruleFiles) {
      for (const group of file.groups) {
        for (const rule of group.rules) {
          const result = await query(rule.expr).catch((error: Error) => assert.fail(`${name} ${'record' in rule ? rule.record : rule.alert}: ${error.message}`));
          if (result.length === 0) empty.push(`${name}: ${'record' in rule ? rule.record : rule.alert}`);
        }
      }
    }
    assert.deepEqual(empty, []);
  });

  it('answers every dashboard query with series', async () => {
    assert.deepEqual(dashboards.map((d) => d.title).sort(), ['ECS appliance', 'ECS service', 'ECS services', 'ECS targets overview', 'Hosts']);
    const empty: string[] = [];
    for (const dashboard of dashboards) {
      for (const { where, expr } of dashboardQueries(dashboard)) {
        const result = await query(expr).catch((error: Error) => assert.fail(`${where}: ${error.message}\n${expr}`));
        if (result.length === 0) empty.push(`${where}: ${expr}`);
      }
    }
    assert.deepEqual(empty, []);
  });

  it('counts an awsvpc task\'s network once, and invents no throttling for Fargate', async () => {
    // web-1's three containers each report eth0 at 1000 B/s received.
    const network = await query('ecs_task:network_receive_bytes:rate5m{task_arn="web-1"}');
    assert.equal(network.length, 1);
    assert.ok(Math.abs(Number(network[0]!.value[1]) - 1000) < 1, `web-1 received ${network[0]!.value[1]} B/s`);
    const throttled = await query('ecs_container:cpu_cfs_throttled_periods:ratio_rate5m');
    assert.deepEqual([...new Set(throttled.map((r) => r.metric.task_arn))], ['web-1']);
  });
});
