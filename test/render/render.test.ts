import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { Bundle } from '../../supervisor/config/bundle.ts';
import { readDefaultBundle } from '../../supervisor/config/default-bundle.ts';
import { ConfigError } from '../../supervisor/config/errors.ts';
import { checkWithTools } from '../../supervisor/render/tool-checks.ts';
import { renderBounded } from '../../supervisor/render/bounded-render.ts';
import type { TemplateSources } from '../../supervisor/render/templates.ts';
import { APPLIANCE_IDENTITY as IDENTITY, folderBundle, parseGrafanaIni, resolveRelease, run, tempDir, TOOLS, writeFiles } from './fixtures.ts';

const DATA_DIR = '/var/lib/ecs-appliance';

type Prometheus = {
  global: { scrape_interval: string; scrape_timeout: string; external_labels: Record<string, string> };
  rule_files: string[];
  alerting?: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: { job_name: string; static_configs?: { targets: string[]; labels: Record<string, string> }[]; relabel_configs?: { source_labels: string[]; target_label: string }[] }[];
  remote_write?: { url: string; sigv4?: Record<string, string>; queue_config: Record<string, unknown> }[];
};

describe('rendering', () => {
  let builtin: Bundle;
  let scratch: string;
  before(async () => {
    builtin = await readDefaultBundle();
    scratch = await tempDir('render-test-');
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  const prepare = (bundle: Bundle, extra: Parameters<typeof resolveRelease>[2] = {}) => resolveRelease(bundle, builtin, { dataDir: DATA_DIR, ...extra });

  /** Writes a release and runs the real promtool (full config check, with rule files) and amtool on it. */
  async function assertToolsAccept(files: ReadonlyMap<string, string>, name: string): Promise<void> {
    const dir = join(scratch, name);
    await writeFiles(dir, files);
    assert.deepEqual(await checkWithTools(dir, files, TOOLS), []);
    if (files.has('prometheus/prometheus.yml')) {
      const full = await run(TOOLS.promtool, ['check', 'config', 'prometheus/prometheus.yml'], dir);
      assert.equal(full.code, 0, full.output);
    }
  }

  it('renders the default bundle into files that promtool and amtool accept', async () => {
    const { files } = await prepare(builtin);
    assert.deepEqual([...files.keys()].sort(), [
      'alertmanager/alertmanager.yml',
      'grafana/dashboards/ecs-appliance.json',
      'grafana/dashboards/ecs-service.json',
      'grafana/dashboards/ecs-services.json',
      'grafana/dashboards/ecs-targets-overview.json',
      'grafana/dashboards/node-exporter.json',
      'grafana/grafana.ini',
      'grafana/provisioning/dashboards/appliance.yml',
      'grafana/provisioning/datasources/appliance.yml',
      'prometheus/prometheus.yml',
      'prometheus/rules/ecs-appliance.yml',
      'prometheus/rules/ecs-workloads.yml',
      'prometheus/rules/hosts.yml',
    ]);
    await assertToolsAccept(files, 'default');
    const rules = await run(TOOLS.promtool, ['check', 'rules', 'prometheus/rules/ecs-appliance.yml'], join(scratch, 'default'));
    assert.match(rules.output, /SUCCESS: 10 rules found/);

    const prometheus = parse(files.get('prometheus/prometheus.yml')!) as Prometheus;
    assert.equal(prometheus.global.scrape_timeout, '10s', 'scrape_timeout is explicit: its default differs between versions');
    assert.deepEqual(prometheus.rule_files, ['rules/*.yml']);
    assert.deepEqual(prometheus.scrape_configs.map((job) => job.job_name), ['ecs', 'prometheus', 'alertmanager', 'node', 'ecs-appliance']);
    const ecs = prometheus.scrape_configs[0]!;
    assert.deepEqual((ecs as { file_sd_configs?: { files: string[] }[] }).file_sd_configs?.[0]?.files, [`${DATA_DIR}/targets/*.json`]);
    const relabel = Object.fromEntries(ecs.relabel_configs!.map((r) => [r.source_labels.join(','), r.target_label]));
    assert.deepEqual(relabel, {
      __meta_ecs_cluster: 'cluster',
      __meta_ecs_service: 'service',
      __meta_ecs_container_name: 'container',
      __meta_ecs_task_arn: 'task_arn',
      __meta_ecs_account_id: 'account',
      __meta_ecs_region: 'region',
      __meta_ecs_availability_zone: 'availability_zone',
      __meta_ecs_task_definition_family: 'task_family',
      __meta_ecs_launch_type: 'launch_type',
      'job,__meta_ecs_ec2_instance_id': 'instance_id',
    });
    const honoring = prometheus.scrape_configs.filter((job) => (job as { honor_labels?: boolean }).honor_labels === true).map((job) => job.job_name);
    assert.deepEqual(honoring, ['ecs-appliance'], "the appliance's task series keep their own availability_zone");
    assert.deepEqual(prometheus.alerting?.alertmanagers[0]?.static_configs[0]?.targets, ['127.0.0.1:9093']);
    assert.equal(prometheus.remote_write, undefined);
    assert.deepEqual(prometheus.global.external_labels, {}, 'no AMP: no HA labels');
  });

  it('writes Grafana files that parse: ini, provisioning YAML and dashboard JSON', async () => {
    const { files } = await prepare(builtin, { env: { GRAFANA_ADMIN_PASSWORD: 'pa`ss#word;"x' }, grafanaSecretKey: 'kept-secret-key' });
    const ini = parseGrafanaIni(files.get('grafana/grafana.ini')!);
    assert.equal(ini.security?.admin_password, 'pa`ss#word;"x');
    assert.equal(ini.security?.secret_key, 'kept-secret-key', "the appliance's own key, not Grafana's public default");
    assert.equal(ini.security?.admin_user, 'admin');
    assert.equal(ini.server?.http_port, '3000');
    assert.equal(ini.paths?.provisioning, `${DATA_DIR}/config/current/grafana/provisioning`);
    assert.equal(ini['auth.anonymous']?.enabled, 'false');

    const datasources = parse(files.get('grafana/provisioning/datasources/appliance.yml')!) as { apiVersion: number; datasources: { uid: string; type: string; url: string; isDefault: boolean }[] };
    assert.equal(datasources.apiVersion, 1);
    assert.deepEqual(datasources.datasources.map((d) => [d.uid, d.type, d.url, d.isDefault]), [
      ['prometheus', 'prometheus', 'http://127.0.0.1:9090', true],
      ['alertmanager', 'alertmanager', 'http://127.0.0.1:9093', false],
    ]);
    const providers = parse(files.get('grafana/provisioning/dashboards/appliance.yml')!) as { providers: { type: string; options: { path: string } }[] };
    assert.deepEqual(providers.providers.map((p) => [p.type, p.options.path]), [['file', `${DATA_DIR}/config/current/grafana/dashboards`]]);

    const titles: string[] = [];
    for (const [path, text] of files) {
      if (!path.startsWith('grafana/dashboards/')) continue;
      const dashboard = JSON.parse(text) as { uid: string; title: string; panels: { targets: { expr: string }[] }[] };
      assert.ok(dashboard.uid && dashboard.panels.length > 0, path);
      for (const panel of dashboard.panels) for (const target of panel.targets) assert.ok(target.expr.length > 0, `${path}: empty query`);
      titles.push(dashboard.title);
    }
    assert.deepEqual(titles.sort(), ['ECS appliance', 'ECS service', 'ECS services', 'ECS targets overview', 'Hosts']);
    const appliance = files.get('grafana/dashboards/ecs-appliance.json')!;
    for (const metric of ['ecs_appliance_discovery_api_calls_total', 'ecs_appliance_discovery_throttles_total', 'ecs_appliance_discovery_targets', 'ecs_appliance_discovery_cycle_duration_seconds', 'ecs_appliance_config_reloads_total', 'ecs_appliance_component_restarts_total']) {
      assert.ok(appliance.includes(metric), `ECS appliance dashboard shows ${metric}`);
    }
  });

  it('sends to AMP through the local proxy, with HA labels from the task identity', async () => {
    const bundle = folderBundle({ 'appliance.yml': 'amp:\n  workspaceId: ws-0123abcd\n  region: eu-west-1\n  proxyPort: 18005\n' });
    const { files } = await prepare(bundle, { identity: IDENTITY });
    await assertToolsAccept(files, 'amp-proxy');
    const prometheus = parse(files.get('prometheus/prometheus.yml')!) as Prometheus;
    assert.deepEqual(prometheus.global.external_labels, {
      ecs_cluster: 'monitoring',
      aws_region: 'eu-west-1',
      aws_account_id: '123456789012',
      cluster: 'monitoring',
      __replica__: '0123456789abcdef',
    });
    const self = prometheus.scrape_configs.find((job) => job.job_name === 'ecs-appliance')!;
    assert.equal(self.static_configs?.[0]?.labels.ecs_task_id, '0123456789abcdef', "the appliance's own targets carry its identity");
    assert.equal(prometheus.remote_write?.[0]?.url, 'http://127.0.0.1:18005/api/v1/remote_write');
    assert.equal(prometheus.remote_write?.[0]?.sigv4, undefined);
    assert.equal(prometheus.remote_write?.[0]?.queue_config.max_samples_per_send, 2000);
    assert.equal(prometheus.remote_write?.[0]?.queue_config.retry_on_http_429, true, 'AMP throttles with 429; without this Prometheus drops the batch');
    const datasources = parse(files.get('grafana/provisioning/datasources/appliance.yml')!) as { datasources: { uid: string; url: string }[] };
    assert.equal(datasources.datasources.find((d) => d.uid === 'amp')?.url, 'http://127.0.0.1:18005');
  });

  it('signs in Prometheus itself in sigv4 mode', async () => {
    const bundle = folderBundle({
      'appliance.yml': 'amp:\n  workspaceUrl: https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-42/\n  mode: sigv4\n  roleArn: arn:aws:iam::123456789012:role/amp-writer\nprometheus:\n  externalLabels: { cluster: mine }\n',
    });
    const { files } = await prepare(bundle, { identity: IDENTITY });
    await assertToolsAccept(files, 'amp-sigv4');
    const prometheus = parse(files.get('prometheus/prometheus.yml')!) as Prometheus;
    assert.equal(prometheus.remote_write?.[0]?.url, 'https://aps-workspaces.us-west-2.amazonaws.com/workspaces/ws-42/api/v1/remote_write');
    assert.deepEqual(prometheus.remote_write?.[0]?.sigv4, { region: 'us-west-2', role_arn: 'arn:aws:iam::123456789012:role/amp-writer' });
    assert.equal(prometheus.global.external_labels.cluster, 'mine', "the bundle's own labels win");
    assert.equal(prometheus.remote_write?.[0]?.queue_config.retry_on_http_429, true);
    // Grafana 13 migrates SigV4 Prometheus datasources to a plugin the image does not ship, so
    // Grafana queries AMP through the appliance's proxy in this mode too.
    const datasources = parse(files.get('grafana/provisioning/datasources/appliance.yml')!) as { datasources: { uid: string; url: string; jsonData: Record<string, unknown> }[] };
    const amp = datasources.datasources.find((d) => d.uid === 'amp')!;
    assert.equal(amp.url, 'http://127.0.0.1:8005');
    assert.equal(amp.jsonData.sigV4Auth, undefined);
    assert.equal(parseGrafanaIni(files.get('grafana/grafana.ini')!).auth?.sigv4_auth_enabled, undefined);
  });

  it('writes a literal $ in external labels as $$, which Prometheus reads back as $', async () => {
    const bundle = folderBundle({ 'appliance.yml': "prometheus:\n  externalLabels: { price: 'a$b $${HOME} $$' }\n" });
    const { files } = await prepare(bundle, {});
    await assertToolsAccept(files, 'dollar');
    const prometheus = parse(files.get('prometheus/prometheus.yml')!) as Prometheus;
    assert.equal(prometheus.global.external_labels.price, 'a$$b $${HOME} $$$$');
  });

  it('keeps hostile strings as data in every file', async () => {
    const evil = 'x"\n  - job_name: evil\n    static_configs: [{targets: ["evil:1"]}]\n#\u2028\u0085';
    const bundle = folderBundle({
      'appliance.yml': `
prometheus:
  externalLabels:
    team: ${JSON.stringify(evil)}
  extraScrapeConfigs:
    - job_name: ${JSON.stringify(`custom${evil}`)}
      static_configs:
        - targets: ["10.0.0.1:9100"]
          labels: { note: ${JSON.stringify(evil)}, "on": "yes" }
selfLabels:
  role: ${JSON.stringify(evil)}
alertmanager:
  route: { receiver: ${JSON.stringify(evil)} }
  receivers: [{ name: ${JSON.stringify(evil)} }]
grafana:
  adminUser: ${JSON.stringify('admin` # ; [security]')}
`,
    });
    const { files } = await prepare(bundle);
    await assertToolsAccept(files, 'hostile');
    const prometheus = parse(files.get('prometheus/prometheus.yml')!) as Prometheus;
    assert.deepEqual(prometheus.scrape_configs.map((job) => job.job_name), ['ecs', 'prometheus', 'alertmanager', 'node', 'ecs-appliance', `custom${evil}`]);
    assert.equal(prometheus.global.external_labels.team, evil);
    assert.deepEqual(prometheus.scrape_configs[5]!.static_configs?.[0]?.labels, { note: evil, on: 'yes' });
    assert.equal(prometheus.scrape_configs[1]!.static_configs?.[0]?.labels.role, evil);
    const alertmanager = parse(files.get('alertmanager/alertmanager.yml')!) as { route: { receiver: string }; receivers: { name: string }[] };
    assert.equal(alertmanager.route.receiver, evil);
    assert.deepEqual(alertmanager.receivers, [{ name: evil }]);
    const ini = parseGrafanaIni(files.get('grafana/grafana.ini')!);
    assert.equal(ini.security?.admin_user, 'admin` # ; [security]');
    assert.equal(ini.security?.admin_password, 'generated-password');
  });

  it('follows external URLs with a path: self-scrape paths, alerting path prefix and Grafana datasource', async () => {
    const bundle = folderBundle({
      'appliance.yml': 'prometheus: { externalUrl: "https://mon.example.com/prometheus/" }\nalertmanager: { externalUrl: "https://mon.example.com/alertmanager" }\nlisten: { host: "10.0.0.5", prometheus: 19090 }\n',
    });
    const { files } = await prepare(bundle);
    await assertToolsAccept(files, 'external-urls');
    const prometheus = parse(files.get('prometheus/prometheus.yml')!) as Prometheus & { alerting: { alertmanagers: { path_prefix: string }[] } };
    const self = Object.fromEntries(prometheus.scrape_configs.map((job) => [job.job_name, [(job as { metrics_path?: string }).metrics_path, job.static_configs?.[0]?.targets[0]]]));
    assert.deepEqual(self.prometheus, ['/prometheus/metrics', '10.0.0.5:19090']);
    assert.deepEqual(self.alertmanager, ['/alertmanager/metrics', '10.0.0.5:9093']);
    assert.equal(prometheus.alerting.alertmanagers[0]?.path_prefix, '/alertmanager');
    const datasources = parse(files.get('grafana/provisioning/datasources/appliance.yml')!) as { datasources: { uid: string; url: string }[] };
    assert.equal(datasources.datasources.find((d) => d.uid === 'prometheus')?.url, 'http://10.0.0.5:19090/prometheus');
  });

  it('leaves out what disabled components would read', async () => {
    const bundle = folderBundle({ 'appliance.yml': 'components: { alertmanager: false, grafana: false, nodeExporter: false }\n' });
    const { files } = await prepare(bundle);
    assert.deepEqual([...files.keys()].sort(), ['prometheus/prometheus.yml', 'prometheus/rules/ecs-appliance.yml', 'prometheus/rules/ecs-workloads.yml', 'prometheus/rules/hosts.yml']);
    const prometheus = parse(files.get('prometheus/prometheus.yml')!) as Prometheus;
    assert.equal(prometheus.alerting, undefined);
    assert.deepEqual(prometheus.scrape_configs.map((job) => job.job_name), ['ecs', 'prometheus', 'ecs-appliance']);
    await assertToolsAccept(files, 'disabled');
  });

  it("uses the bundle's rules, Alertmanager templates and dashboards, replacing built-ins by name", async () => {
    const bundle = folderBundle({
      'appliance.yml': 'grafana: { builtinDashboards: false }\nalertmanager:\n  receivers: [{ name: default }]\n',
      'rules/app.yaml': 'groups:\n  - name: app\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n',
      'rules/ecs-appliance.yml': 'groups: []\n',
      'alertmanager/slack.tmpl': '{{ define "slack.title" }}{{ .CommonLabels.alertname }}{{ end }}\n',
      'dashboards/app.json': '{"title": "App", "uid": "app", "panels": []}',
    });
    const { files } = await prepare(bundle);
    assert.deepEqual([...files.keys()].filter((p) => !p.endsWith('.ini') && !p.includes('provisioning') && !p.endsWith('.yml') || p.includes('rules/')).sort(), [
      'alertmanager/templates/slack.tmpl',
      'grafana/dashboards/app.json',
      'prometheus/rules/app.yaml',
      'prometheus/rules/ecs-appliance.yml',
      'prometheus/rules/ecs-workloads.yml',
      'prometheus/rules/hosts.yml',
    ]);
    assert.equal(files.get('prometheus/rules/ecs-appliance.yml'), 'groups: []\n');
    assert.deepEqual((parse(files.get('prometheus/prometheus.yml')!) as Prometheus).rule_files, ['rules/*.yaml', 'rules/*.yml']);
    assert.deepEqual((parse(files.get('alertmanager/alertmanager.yml')!) as { templates: string[] }).templates, ['templates/*.tmpl']);
    await assertToolsAccept(files, 'own-files');
  });

  it('refuses template overrides that print values unquoted or do not exist', async () => {
    const bundle = folderBundle({
      'appliance.yml': '{}\n',
      'templates/prometheus.yml.hbs': 'global:\n  scrape_interval: {{prometheus.scrapeInterval}}\n  x: {{{prometheus.scrapeTimeout}}}\n',
      'templates/nginx.conf.hbs': 'x',
    });
    await assert.rejects(prepare(bundle), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const lines = error.message.split('\n');
      assert.ok(lines.includes('templates/nginx.conf.hbs: not a template the appliance renders; expected one of prometheus.yml.hbs, alertmanager.yml.hbs, grafana.ini.hbs, grafana-datasources.yml.hbs, grafana-dashboards.yml.hbs'), error.message);
      assert.ok(lines.some((l) => l.startsWith('templates/prometheus.yml.hbs:2:20: {{prometheus.scrapeInterval}} prints a value without quoting it')), error.message);
      assert.ok(lines.some((l) => l.startsWith('templates/prometheus.yml.hbs:3:6: {{prometheus.scrapeTimeout}} prints a value without quoting it')), error.message);
      return true;
    });
  });

  it("refuses overrides that reach outside the output: Handlebars' log, prototype names as helpers, unknown blocks", async () => {
    const bundle = folderBundle({
      'appliance.yml': '{}\n',
      'templates/prometheus.yml.hbs': 'global:\n  a: {{log "raw line into the supervisor log"}}\n  b: {{constructor prometheus}}\n{{#log prometheus}}x{{/log}}\n',
    });
    await assert.rejects(prepare(bundle), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      const lines = error.message.split('\n');
      assert.ok(lines.some((l) => l.startsWith('templates/prometheus.yml.hbs:2:6: {{log}} prints a value without quoting it')), error.message);
      assert.ok(lines.some((l) => l.startsWith('templates/prometheus.yml.hbs:3:6: {{constructor}} prints a value without quoting it')), error.message);
      assert.ok(lines.some((l) => l.startsWith("templates/prometheus.yml.hbs:4:1: {{#log}} is not a block the appliance's templates may use")), error.message);
      return true;
    });
  });

  it('names the template and line when an override fails while rendering', async () => {
    const bundle = folderBundle({ 'appliance.yml': '{}\n', 'templates/prometheus.yml.hbs': 'global:\n  scrape_interval: {{q prometheus.noSuchSetting.inside}}\n' });
    await assert.rejects(prepare(bundle), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /^templates\/prometheus\.yml\.hbs:2:24: rendering failed: Cannot read properties of undefined \(reading 'inside'\)$/m);
      return true;
    });
  });

  it('stops a runaway template within its time and output bounds, without blocking the event loop', async () => {
    const labels = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`l${i}`, `v${i}`]));
    const nested = '{{#each @root.labels}}'.repeat(6) + '{{q this}}' + '{{/each}}'.repeat(6);
    const sources = { 'prometheus.yml.hbs': nested } as unknown as TemplateSources;
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 50);
    const started = Date.now();
    try {
      await assert.rejects(renderBounded(sources, { labels }, ['prometheus.yml.hbs'], { timeoutMs: 1_000, maxOutputBytes: 1024 ** 3, maxHeapMb: 256 }), /templates \(prometheus\.yml\.hbs\): rendering failed: rendering did not finish within 1 s/);
    } finally {
      clearInterval(ticker);
    }
    assert.ok(Date.now() - started < 5_000, 'stopped at its deadline');
    assert.ok(ticks >= 10, `the event loop kept running meanwhile (${ticks} ticks)`);
    // 30^4 values finish in a moment but write megabytes; 30^6 would outgrow the heap first, which stops it too.
    const wide = { 'prometheus.yml.hbs': '{{#each @root.labels}}'.repeat(4) + '{{q this}}' + '{{/each}}'.repeat(4) } as unknown as TemplateSources;
    await assert.rejects(
      renderBounded(wide, { labels }, ['prometheus.yml.hbs'], { timeoutMs: 60_000, maxOutputBytes: 1024 * 1024, maxHeapMb: 256 }),
      (error: unknown) => error instanceof ConfigError && /templates\/prometheus\.yml\.hbs: rendering failed: output passed 1048576 bytes/.test(error.message),
    );
  });

  it('renders a valid override in place of the built-in template', async () => {
    const bundle = folderBundle({
      'appliance.yml': '{}\n',
      'templates/prometheus.yml.hbs': 'global:\n  scrape_interval: {{q prometheus.scrapeInterval}}\n  scrape_timeout: "5s"\nscrape_configs:\n{{#each prometheus.selfJobs}}\n  - job_name: {{q this.jobName}}\n    static_configs: [{ targets: [{{q this.target}}] }]\n{{/each}}\n',
    });
    const { files } = await prepare(bundle);
    const prometheus = parse(files.get('prometheus/prometheus.yml')!) as Prometheus;
    assert.deepEqual(prometheus.scrape_configs.map((job) => job.job_name), ['prometheus', 'alertmanager', 'node', 'ecs-appliance']);
    await assertToolsAccept(files, 'override');
  });
});
