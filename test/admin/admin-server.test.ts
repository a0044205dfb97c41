import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Counter, Registry } from 'prom-client';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminServer, defaultAdminAddress } from '../../supervisor/admin/admin-server.ts';
import { settingsFromEnvironment } from '../../supervisor/appliance/settings.ts';
import { applianceConfigSchema } from '../../supervisor/config/schema.ts';
import { freePort } from '../processes/free-port.ts';
import { Supervisor } from '../../supervisor/processes/supervisor.ts';
import { capturingLogger, eventually, fastTimings } from '../processes/fixtures.ts';
import { escapeHtml } from '../../supervisor/html-escape.ts';
import { registerSecret } from '../../supervisor/secrets.ts';

const node = process.execPath;
const sleeper = { name: 'sleeper', command: node, args: ['-e', 'setInterval(() => {}, 1000)'], reload: { kind: 'none' as const } };
const crasher = { name: 'crasher', command: node, args: ['-e', 'console.error("level=error msg=\\"bad config\\""); process.exit(2)'], reload: { kind: 'none' as const }, logfmt: true };

async function get(base: string, path: string) {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: (await response.json()) as Record<string, any> };
}

async function getText(base: string, path: string) {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.text() };
}

describe('the admin endpoint', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function serve(specs: (typeof sleeper)[]) {
    const registry = new Registry();
    const { logger } = capturingLogger();
    const supervisor = new Supervisor({ specs, logger, registry, timings: fastTimings });
    const admin = new AdminServer({ registry, logger });
    admin.registerHealth('components', () => supervisor.health());
    admin.registerReadiness('components', () => supervisor.readiness());
    admin.registerStatus('components', () => supervisor.status());
    const { host, port } = await admin.listen('127.0.0.1:0');
    cleanups.push(() => supervisor.stop(2_000), () => admin.close());
    supervisor.start();
    return { supervisor, admin, registry, base: `http://${host}:${port}` };
  }

  it('answers /readyz 503 until every component is ready and a configuration is applied, then 200', async () => {
    const { admin, supervisor, base } = await serve([sleeper]);
    let applied = false;
    admin.registerReadiness('config', () => (applied ? { ok: true, reasons: [] } : { ok: false, reasons: ['no configuration applied yet'] }));
    assert.equal(await supervisor.waitReady(5_000), true);
    const waiting = await get(base, '/readyz');
    assert.equal(waiting.status, 503);
    assert.deepEqual(waiting.body, { status: 'not ready', reasons: ['no configuration applied yet'] });
    applied = true;
    assert.deepEqual(await get(base, '/readyz'), { status: 200, type: 'application/json; charset=utf-8', body: { status: 'ready' } });
    assert.deepEqual((await get(base, '/healthz')).body, { status: 'ok' });
  });

  it('serves /status as JSON from the registered snapshots, with secrets redacted', async () => {
    const { admin, supervisor, base } = await serve([sleeper]);
    admin.registerStatus('config', () => ({ source: 's3://bucket/bundle.tar.gz', etag: '"abc"', lastAppliedAt: null, grafana: { adminPassword: 'hunter2', adminUser: 'admin' } }));
    admin.registerStatus('broken', () => {
      throw new Error('discovery has not run');
    });
    await supervisor.waitReady(5_000);
    const { status, body } = await get(base, '/status');
    assert.equal(status, 200);
    assert.deepEqual(Object.keys(body).slice(0, 3), ['healthy', 'ready', 'reasons'], 'the first keys answer "is it working?"');
    assert.equal(typeof body.generatedAt, 'string');
    assert.equal(body.healthy, true);
    const [component] = body.components as Array<Record<string, unknown>>;
    assert.equal(component!.name, 'sleeper');
    assert.equal(component!.state, 'running');
    assert.equal(component!.ready, true);
    assert.equal(typeof component!.pid, 'number');
    assert.equal(component!.restarts, 0);
    assert.deepEqual(body.config, { source: 's3://bucket/bundle.tar.gz', etag: '"abc"', lastAppliedAt: null, grafana: { adminPassword: '[redacted]', adminUser: 'admin' } });
    assert.deepEqual(body.broken, { error: 'status unavailable: discovery has not run' });
    assert.throws(() => admin.registerStatus('config', () => null), /status section 'config' is already registered/);
    assert.throws(() => admin.registerStatus('healthy', () => null), /clashes/);
  });

  it('answers /healthz 503 naming a crash-looping component, with its last lines in /status', async () => {
    const { supervisor, base } = await serve([sleeper, crasher]);
    assert.ok(await eventually(() => !supervisor.health().ok, 15_000));
    const health = await get(base, '/healthz');
    assert.equal(health.status, 503);
    assert.deepEqual(health.body, { status: 'unhealthy', reasons: ['crasher is crash-looping: exited with code 2'] });
    const { body } = await get(base, '/status');
    const crasherStatus = (body.components as Array<Record<string, any>>).find((c) => c.name === 'crasher')!;
    assert.equal(crasherStatus.crashLooping, true);
    assert.deepEqual(crasherStatus.lastLines.slice(-1), ['level=error msg="bad config"']);
    assert.equal(body.healthy, false);
    assert.ok((body.reasons as string[]).includes('crasher is crash-looping: exited with code 2'));
  });

  it('serves the shared registry on /metrics: process metrics and whatever other modules registered', async () => {
    const { registry, supervisor, base } = await serve([sleeper]);
    new Counter({ name: 'ecs_appliance_discovery_cycles_total', help: 'test stand-in for another module', registers: [registry] }).inc(2);
    await supervisor.waitReady(5_000);
    const { status, type, body } = await getText(base, '/metrics');
    assert.equal(status, 200);
    assert.match(type, /^text\/plain; version=0\.0\.4/);
    assert.match(String(body), /ecs_appliance_component_up\{component="sleeper"\} 1/);
    assert.match(String(body), /ecs_appliance_component_ready\{component="sleeper"\} 1/);
    assert.match(String(body), /ecs_appliance_component_restarts_total\{component="sleeper"\} 0/);
    assert.match(String(body), /ecs_appliance_discovery_cycles_total 2/);
    const missing = await get(base, '/nope');
    assert.equal(missing.status, 404);
  });

  it('serves registered pages with their query, redacted (HTML-escaped secrets too), and lists them on a 404', async () => {
    const { admin, base } = await serve([sleeper]);
    registerSecret('pa<ss>word-in-a-label');
    admin.registerPage('/discovery', { contentType: 'text/html; charset=utf-8', render: (query) => `<p>q=${escapeHtml(query.get('q') ?? '')} ${escapeHtml('label pa<ss>word-in-a-label')}</p>` });
    admin.registerPage('/broken-page', { contentType: 'text/plain', render: () => { throw new Error('no data yet'); } });
    const page = await getText(base, '/discovery?q=checkout%20<b>');
    assert.equal(page.status, 200);
    assert.equal(page.type, 'text/html; charset=utf-8');
    assert.equal(page.body, '<p>q=checkout &lt;b&gt; label [redacted]</p>');
    assert.deepEqual(await get(base, '/broken-page'), { status: 500, type: 'application/json; charset=utf-8', body: { error: 'page unavailable: no data yet' } });
    assert.deepEqual((await get(base, '/nope')).body, { error: 'not found', endpoints: ['/healthz', '/readyz', '/status', '/metrics', '/discovery', '/broken-page'] });
    assert.throws(() => admin.registerPage('/status', { contentType: 'text/plain', render: () => '' }), /must start with \/ and not be one of/);
  });

  it('listens on loopback by default, and moves where it is told, keeping the old listener when the new address is taken', async () => {
    assert.equal(defaultAdminAddress, '127.0.0.1:9901');
    assert.equal(settingsFromEnvironment({}).adminAddress, undefined, 'unset APPLIANCE_ADMIN_ADDR: the bundle decides');
    assert.equal(applianceConfigSchema.parse({}).listen.adminHost, '127.0.0.1', "the bundle's default is loopback too");

    const admin = new AdminServer({ registry: new Registry(), logger: capturingLogger().logger });
    cleanups.push(() => admin.close());
    const first = await admin.listen('127.0.0.1:0');
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const takenPort = (taken.address() as AddressInfo).port;
    await assert.rejects(admin.moveTo({ host: '127.0.0.1', port: takenPort }), /EADDRINUSE/);
    assert.equal((await fetch(`http://127.0.0.1:${first.port}/healthz`)).status, 200, 'still serving where it was');

    const free = await freePort();
    const moved = await admin.moveTo({ host: '127.0.0.1', port: free });
    assert.equal(moved.port, free);
    assert.equal((await fetch(`http://127.0.0.1:${free}/healthz`)).status, 200);
    await assert.rejects(fetch(`http://127.0.0.1:${first.port}/healthz`), 'the old listener is closed');
  });

  it('refuses a malformed listen address with a clear error', async () => {
    const admin = new AdminServer({ registry: new Registry(), logger: capturingLogger().logger });
    await assert.rejects(admin.listen('9901'), /listen address '9901': expected HOST:PORT/);
    assert.deepEqual(admin.readiness(), { ok: false, reasons: ['nothing has reported readiness yet'] });
  });
});
