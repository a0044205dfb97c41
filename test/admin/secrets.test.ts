import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { AdminServer } from '../../supervisor/admin/admin-server.ts';
import { parseApplianceConfig } from '../../supervisor/config/load-bundle.ts';
import { createLogger } from '../../supervisor/log.ts';
import { childEnvironment } from '../../supervisor/processes/child-environment.ts';
import { redact, registerSecret, registerSecretsFromEnvironment } from '../../supervisor/secrets.ts';

describe('secrets never printed', () => {
  it('redacts registered values, the secrets of the environment, and credential-shaped text', () => {
    registerSecretsFromEnvironment({ AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', GRAFANA_ADMIN_PASSWORD: 'grafana-pass-123', PROMETHEUS_RETENTION: '15d-not-secret' });
    const text = redact('key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY pw grafana-pass-123 retention 15d-not-secret id AKIAIOSFODNN7EXAMPLE url https://bob:hunter2@hooks.example/x token=abc.def');
    assert.equal(text, 'key [redacted] pw [redacted] retention 15d-not-secret id [redacted] url https://bob:[redacted]@hooks.example/x token=[redacted]');
  });

  it("registers what a bundle resolves into secret places, whatever the variable's name, and secret-named variables anywhere", () => {
    parseApplianceConfig(
      'appliance.yml',
      'alertmanager:\n  receivers:\n    - name: default\n      webhook_configs: [{ url: "https://hooks.example/${HOOK_PATH}" }]\nprometheus:\n  externalLabels: { team: "${TEAM}", k: "${MY_API_KEY}" }\n',
      { HOOK_PATH: 'T000/B000/XXXXsecretpath', TEAM: 'payments-team', MY_API_KEY: 'key-0123456789' },
    );
    assert.equal(redact('posting to https://hooks.example/T000/B000/XXXXsecretpath failed'), 'posting to https://hooks.example/[redacted] failed');
    assert.equal(redact('k=key-0123456789'), 'k=[redacted]');
    assert.equal(redact('team payments-team'), 'team payments-team', 'an ordinary value stays readable');
  });

  it('keeps them out of the JSON log and /status', async () => {
    registerSecret('s3cr3t-from-a-bundle');
    const lines: string[] = [];
    const logger = createLogger({ destination: new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }) });
    logger.error({ line: 'alertmanager: notify failed for https://x/s3cr3t-from-a-bundle' }, 'child said s3cr3t-from-a-bundle');
    assert.ok(lines.length > 0 && lines.every((line) => !line.includes('s3cr3t-from-a-bundle')), lines.join(''));

    const admin = new AdminServer({ registry: new Registry(), logger });
    admin.registerStatus('component', () => ({ lastLines: ['error: s3cr3t-from-a-bundle'] }));
    const { port } = await admin.listen('127.0.0.1:0');
    try {
      const body = await (await fetch(`http://127.0.0.1:${port}/status`)).text();
      assert.ok(body.includes('[redacted]') && !body.includes('s3cr3t-from-a-bundle'), body);
    } finally {
      await admin.close();
    }
  });

  it('gives a child only the shared variables and those its spec passes on', () => {
    const parent = { PATH: '/usr/bin', TZ: 'UTC', HTTPS_PROXY: 'http://proxy:3128', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'eu-west-1', GRAFANA_ADMIN_PASSWORD: 'y', GF_SERVER_DOMAIN: 'g.example' };
    assert.deepEqual(childEnvironment(parent, { env: { GOMEMLIMIT: '1' } }), { PATH: '/usr/bin', TZ: 'UTC', HTTPS_PROXY: 'http://proxy:3128', GOMEMLIMIT: '1' });
    assert.deepEqual(childEnvironment(parent, { passEnvPrefixes: ['GF_'] }), { PATH: '/usr/bin', TZ: 'UTC', HTTPS_PROXY: 'http://proxy:3128', GF_SERVER_DOMAIN: 'g.example' });
    assert.equal(childEnvironment(parent, { passEnvPrefixes: ['AWS_'] }).AWS_REGION, 'eu-west-1', 'Prometheus signing remote_write itself gets the AWS variables');
  });
});
