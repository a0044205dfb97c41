import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../supervisor/config/errors.ts';
import { parseApplianceConfig } from '../../supervisor/config/load-bundle.ts';

function errorsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseApplianceConfig('appliance.yml', text, env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error.message.split('\n');
  }
  assert.fail('expected the config to be refused');
}

describe('appliance.yml schema', () => {
  it('fills every default from an empty file', () => {
    const config = parseApplianceConfig('appliance.yml', '', {});
    assert.equal(config.prometheus.scrapeInterval, '30s');
    assert.equal(config.prometheus.scrapeTimeout, '10s');
    assert.equal(config.discovery.interval, '30s');
    assert.deepEqual(config.listen, { host: '0.0.0.0', prometheus: 9090, alertmanager: 9093, grafana: 3000, nodeExporter: 9100, admin: 9901, adminHost: '127.0.0.1' });
    assert.deepEqual(config.components, { prometheus: true, alertmanager: true, grafana: true, nodeExporter: true });
    assert.equal(config.grafana.adminPassword, undefined);
    assert.equal(config.amp, undefined);
    assert.equal(config.alertmanager.route.receiver, 'default');
  });

  it('refuses two listeners on one port, naming both, and lets a switched-off component share', () => {
    const errors = errorsOf('listen: { alertmanager: 9090 }\namp: { workspaceId: ws-1, region: eu-west-1, proxyPort: 9901 }\n');
    assert.deepEqual(errors, [
      "appliance.yml:1:25: listen.alertmanager: port 9090 is also listen.prometheus's; each listener needs its own port",
      "appliance.yml:2:57: amp.proxyPort: port 9901 is also listen.admin's; each listener needs its own port",
    ]);
    assert.doesNotThrow(() => parseApplianceConfig('appliance.yml', 'components: { grafana: false }\nlisten: { grafana: 9100, nodeExporter: 9100 }\n', {}));
  });

  it('names the file, the path inside it and what was expected', () => {
    const errors = errorsOf(`
discovery:
  rules:
    - { name: a, cluster: prod, endpoints: [{ port: 9100 }] }
    - { name: b, cluster: prod, endpoints: [{ port: 8080 }] }
    - { name: c, cluster: prod, endpoints: [{ port: 70000 }] }
prometheus:
  scrapeInterva: 1m
  scrapeTimeout: 1m
listen:
  grafana: "3000"
grafana:
  anonymousViewer: yes
components: []
`);
    assert.ok(errors.includes('appliance.yml:6:53: discovery.rules[2].endpoints[0].port: expected a number from 1 to 65535, got 70000'), errors.join('\n'));
    assert.ok(errors.some((e) => e.startsWith('appliance.yml:8:18: prometheus.scrapeInterva: unknown key; expected one of scrapeInterval, scrapeTimeout')), errors.join('\n'));
    assert.ok(errors.includes('appliance.yml:9:18: prometheus.scrapeTimeout: expected at most scrapeInterval (30s), got 1m'), errors.join('\n'));
    assert.ok(errors.includes('appliance.yml:11:12: listen.grafana: expected a number, got the string "3000"'), errors.join('\n'));
    assert.ok(errors.includes('appliance.yml:13:20: grafana.anonymousViewer: expected true or false, got the string "yes"'), errors.join('\n'));
    assert.ok(errors.includes('appliance.yml:14:13: components: expected a mapping, got a list'), errors.join('\n'));
    assert.equal(errors.length, 6, errors.join('\n'));
  });

  it('refuses label names Prometheus would refuse, and passed-through sections without their key fields', () => {
    const errors = errorsOf(`
prometheus:
  externalLabels: { "bad-name": x }
  extraScrapeConfigs: [{ static_configs: [] }]
alertmanager:
  route: { group_by: [alertname] }
  receivers: [{ email_configs: [] }]
`);
    assert.ok(errors.some((e) => e.startsWith('appliance.yml:3:33: prometheus.externalLabels.bad-name: invalid key: expected a label name')), errors.join('\n'));
    assert.ok(errors.includes('appliance.yml:4:24: prometheus.extraScrapeConfigs[0]: expected a scrape config with a job_name'), errors.join('\n'));
    assert.ok(errors.includes('appliance.yml:6:10: alertmanager.route: expected a route with a receiver'), errors.join('\n'));
    assert.ok(errors.includes('appliance.yml:7:15: alertmanager.receivers[0]: expected a receiver with a name'), errors.join('\n'));
  });

  it('reports YAML syntax errors with file, line and column', () => {
    const errors = errorsOf('prometheus:\n  scrapeInterval: 30s\n  externalLabels: [a, b\ngrafana: {}\n');
    assert.equal(errors.length >= 1, true);
    assert.match(errors[0]!, /^appliance\.yml:4:1: YAML syntax error: /);
    assert.match(errorsOf('a: 1\na: 2\n')[0]!, /^appliance\.yml:2:1: YAML syntax error: Map keys must be unique/);
  });
});

describe('${ENV} references', () => {
  it('substitutes variables and defaults, and reads a whole unquoted reference as a number or boolean', () => {
    const config = parseApplianceConfig(
      'appliance.yml',
      `
grafana:
  adminPassword: \${GRAFANA_ADMIN_PASSWORD}
  anonymousViewer: \${ANON:-false}
listen:
  prometheus: \${PROM_PORT}
prometheus:
  externalLabels:
    env: "\${ENVIRONMENT:-dev}"
    literal: "$\${NOT_A_VAR} and \${1}"
`,
      { GRAFANA_ADMIN_PASSWORD: 's3cret: [not yaml', PROM_PORT: '19090' },
    );
    assert.equal(config.grafana.adminPassword, 's3cret: [not yaml');
    assert.equal(config.grafana.anonymousViewer, false);
    assert.equal(config.listen.prometheus, 19090);
    assert.deepEqual(config.prometheus.externalLabels, { env: 'dev', literal: '${NOT_A_VAR} and ${1}' });
  });

  it('keeps a variable holding YAML structure as a plain string', () => {
    const config = parseApplianceConfig('appliance.yml', 'prometheus:\n  externalLabels:\n    team: ${TEAM}\n', { TEAM: '{a: 1}\nevil: true' });
    assert.deepEqual(config.prometheus.externalLabels, { team: '{a: 1}\nevil: true' });
  });

  it('names a missing variable with the file, line and path', () => {
    const errors = errorsOf('grafana:\n  adminPassword: ${GRAFANA_ADMIN_PASSWORD}\n');
    assert.deepEqual(errors, ['appliance.yml:2:18: grafana.adminPassword: environment variable GRAFANA_ADMIN_PASSWORD is not set']);
  });

  it('turns AMP off when its workspace comes from an unset variable, and on when set', () => {
    const text = 'amp:\n  workspaceUrl: ${AMP_WORKSPACE_URL:-}\n';
    assert.equal(parseApplianceConfig('appliance.yml', text, {}).amp, undefined);
    const amp = parseApplianceConfig('appliance.yml', text, { AMP_WORKSPACE_URL: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234/' }).amp;
    assert.equal(amp?.mode, 'proxy');
    assert.equal(amp?.workspaceUrl, 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1234/');
  });

  it('refuses Grafana passwords that Grafana itself would expand', () => {
    const errors = errorsOf('grafana:\n  adminPassword: ${PW}\n', { PW: 'a$__file{/etc/passwd}' });
    assert.deepEqual(errors, ['appliance.yml:2:18: grafana.adminPassword: expected no "${" or "$__" sequence (Grafana would expand it)']);
  });
});
