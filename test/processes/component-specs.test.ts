import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restartDelayMs } from '../../supervisor/processes/backoff.ts';
import { readSample } from '../../supervisor/processes/metrics-text.ts';
import { defaultBinaries, parseDisabled, processEnvironment } from '../../supervisor/processes/settings.ts';
import { PROGRAMS } from '../programs.ts';
import { componentSpecs, type ComponentSettings } from '../../supervisor/processes/specs.ts';

const settings: ComponentSettings = {
  dataDir: '/data',
  listenHost: '0.0.0.0',
  ports: { prometheus: 9090, alertmanager: 9093, grafana: 3000, 'node-exporter': 9100 },
  binaries: defaultBinaries,
  enabled: { prometheus: true, alertmanager: true, grafana: true, 'node-exporter': true },
  prometheus: { configFile: '/run/appliance/prometheus.yml', retention: '15d', externalUrl: 'https://monitoring.example.com/prometheus/' },
  alertmanager: { configFile: '/run/appliance/alertmanager.yml' },
  nodeExporter: { rootfs: '/host' },
  grafana: { homePath: '/usr/share/grafana', configFile: '/run/appliance/grafana.ini', provisioningDir: '/run/appliance/provisioning' },
};

describe('componentSpecs', () => {
  it('builds the argv the image runs, in start order', () => {
    const specs = componentSpecs(settings);
    assert.deepEqual(specs.map((s) => s.name), ['prometheus', 'node-exporter', 'alertmanager', 'grafana']);
    const [prometheus, nodeExporter, alertmanager, grafana] = specs;
    assert.equal(prometheus!.command, '/usr/bin/prometheus');
    assert.deepEqual(prometheus!.args, [
      '--config.file=/run/appliance/prometheus.yml',
      '--storage.tsdb.path=/data/prometheus',
      '--storage.tsdb.retention.time=15d',
      '--web.listen-address=0.0.0.0:9090',
      '--web.external-url=https://monitoring.example.com/prometheus/',
    ]);
    assert.ok(!prometheus!.args.some((arg) => arg.includes('enable-lifecycle')));
    assert.equal(prometheus!.readinessUrl, 'http://127.0.0.1:9090/prometheus/-/ready', 'probes follow the route prefix of the external URL');
    assert.equal(alertmanager!.command, '/usr/bin/prometheus-alertmanager');
    assert.ok(alertmanager!.args.includes('--cluster.listen-address='));
    assert.ok(alertmanager!.args.includes('--storage.path=/data/alertmanager'));
    assert.equal(nodeExporter!.command, '/usr/bin/prometheus-node-exporter');
    assert.ok(nodeExporter!.args.includes('--path.procfs=/host/proc'));
    assert.ok(nodeExporter!.args.includes('--no-collector.hwmon'));
    assert.equal(grafana!.command, '/usr/share/grafana/bin/grafana');
    assert.deepEqual(grafana!.args.slice(0, 3), ['server', '--homepath=/usr/share/grafana', '--config=/run/appliance/grafana.ini']);
    assert.ok(grafana!.args.includes('cfg:server.http_port=3000'));
    assert.ok(grafana!.args.includes('cfg:paths.provisioning=/run/appliance/provisioning'));
    assert.deepEqual(grafana!.reload, { kind: 'restart' });
  });

  it('leaves out disabled components and refuses bad ports and URLs', () => {
    const specs = componentSpecs({ ...settings, enabled: { ...settings.enabled, grafana: false, 'node-exporter': false } });
    assert.deepEqual(specs.map((s) => s.name), ['prometheus', 'alertmanager']);
    assert.throws(() => componentSpecs({ ...settings, ports: { ...settings.ports, grafana: 70000 } }), /port for grafana must be an integer from 1 to 65535, got 70000/);
    assert.throws(() => componentSpecs({ ...settings, alertmanager: { ...settings.alertmanager, externalUrl: 'alerts' } }), /external URL 'alerts' is not an absolute URL/);
  });

  it('every flag is accepted by the Prometheus family the image ships (kingpin refuses unknown flags)', async () => {
    const { execa } = await import('execa');
    for (const spec of componentSpecs({ ...settings, binaries: { ...settings.binaries, ...PROGRAMS } }).filter((s) => s.name !== 'grafana')) {
      const help = await execa(spec.command, ['--help-long'], { reject: false, all: true });
      for (const arg of spec.args) {
        const name = arg.replace(/=.*$/, '').replace(/^--(no-)?/, '');
        // Newer kingpin lists booleans as --[no-]name.
        assert.match(help.all ?? '', new RegExp(`--(\\[no-\\])?${name.replace(/[.]/g, '\\.')}[= \\n]`), `${spec.name} knows --${name}`);
      }
    }
  });
});

describe('process environment', () => {
  it('reads binaries, data dir and disabled components from the environment', () => {
    const env = processEnvironment({ PROMETHEUS_BIN: '/opt/prometheus', APPLIANCE_DATA_DIR: '/var/data', APPLIANCE_DISABLE: 'grafana, Node-Exporter' });
    assert.equal(env.binaries.prometheus, '/opt/prometheus');
    assert.equal(env.binaries.alertmanager, '/usr/bin/prometheus-alertmanager');
    assert.equal(env.dataDir, '/var/data');
    assert.deepEqual([...env.disabled], ['grafana', 'node-exporter']);
    assert.deepEqual([...parseDisabled('')], []);
    assert.throws(() => parseDisabled('grafna'), /APPLIANCE_DISABLE: unknown component 'grafna'/);
    assert.throws(() => processEnvironment({ APPLIANCE_DATA_DIR: 'data' }), /APPLIANCE_DATA_DIR must be an absolute path/);
  });
});

describe('small helpers', () => {
  it('doubles the restart delay up to the cap', () => {
    const policy = { initialMs: 1_000, maxMs: 30_000 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 100].map((n) => restartDelayMs(policy, n)), [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('reads an unlabelled sample from text exposition', () => {
    const text = '# HELP x\n# TYPE x gauge\nprometheus_config_last_reload_successful 1\nprometheus_config_last_reload_success_timestamp_seconds 1.7101485631234567e+09\nfoo{a="b"} 3\n';
    assert.equal(readSample(text, 'prometheus_config_last_reload_successful'), 1);
    assert.equal(readSample(text, 'prometheus_config_last_reload_success_timestamp_seconds'), 1710148563.1234567);
    assert.equal(readSample(text, 'prometheus_config_last_reload'), undefined);
    assert.equal(readSample(text, 'foo'), undefined);
  });
});
