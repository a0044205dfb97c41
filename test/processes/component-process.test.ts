import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { ComponentSpec } from '../../supervisor/processes/component.ts';
import { ComponentProcess } from '../../supervisor/processes/component-process.ts';
import { createProcessMetrics } from '../../supervisor/processes/metrics.ts';
import { Supervisor } from '../../supervisor/processes/supervisor.ts';
import { alive, capturingLogger, eventually, fastTimings } from './fixtures.ts';
import { freePort } from './free-port.ts';

const node = process.execPath;

function nodeSpec(name: string, script: string, extra: Partial<ComponentSpec> = {}): ComponentSpec {
  return { name, command: node, args: ['-e', script], reload: { kind: 'none' }, ...extra };
}

/** A child that serves /ready and /healthy; /healthy starts failing after `healthyForMs`. */
const httpChild = (port: number, healthyForMs: number) => `
  const started = Date.now();
  require('node:http').createServer((req, res) => {
    if (req.url === '/ready') return res.end('ok');
    if (req.url === '/healthy') { res.statusCode = Date.now() - started < ${healthyForMs} ? 200 : 500; return res.end(); }
    res.statusCode = 404; res.end();
  }).listen(${port}, '127.0.0.1', () => console.log('level=info msg="listening" port=${port}'));
`;

const ignoresSigterm = `
  process.on('SIGTERM', () => console.log('level=warn msg="ignoring SIGTERM"'));
  console.log('level=info msg="up"');
  setInterval(() => {}, 1000);
`;

describe('ComponentProcess', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('marks a component that keeps exiting as crash-looping, with the reason and its last lines', async () => {
    const registry = new Registry();
    const { logger, records } = capturingLogger();
    const supervisor = new Supervisor({
      specs: [
        nodeSpec('crasher', `console.log('ts=2024-01-01T00:00:00Z level=info msg="booting"'); console.error('level=error msg="cannot bind" err="address in use"'); console.error('{not json or logfmt "quoted'); process.exit(1)`, { logfmt: true }),
      ],
      logger,
      registry,
      timings: fastTimings,
    });
    cleanups.push(() => supervisor.stop(2_000));
    supervisor.start();
    assert.ok(await eventually(() => !supervisor.health().ok, 15_000), 'becomes unhealthy');
    const [reason] = supervisor.health().reasons;
    assert.equal(reason, 'crasher is crash-looping: exited with code 1');
    const [status] = supervisor.status();
    assert.equal(status!.crashLooping, true);
    assert.ok(status!.consecutiveFailures >= 3);
    assert.ok(status!.restarts >= 2);
    assert.equal(status!.lastExit?.code, 1);
    assert.ok(status!.lastLines.includes('level=error msg="cannot bind" err="address in use"'), JSON.stringify(status!.lastLines));
    assert.match(await registry.metrics(), /ecs_appliance_component_crash_looping\{component="crasher"\} 1/);

    const childRecords = records().filter((r) => r.component === 'crasher' && r.stream !== undefined);
    const bind = childRecords.find((r) => r.msg === 'cannot bind');
    assert.equal(bind?.level, 'error');
    assert.equal(bind?.err, 'address in use');
    assert.ok(childRecords.some((r) => r.msg === '{not json or logfmt "quoted' && r.level === 'warn'), 'a line that is not logfmt is kept verbatim');
    assert.ok(records().some((r) => r.msg === 'component failed; restarting after backoff' && r.component === 'crasher'));
  });

  it('restarts a process that spawns but whose binary does not exist, reporting why', async () => {
    const supervisor = new Supervisor({
      specs: [{ name: 'missing', command: '/nonexistent/prometheus', args: [], reload: { kind: 'none' } }],
      logger: capturingLogger().logger,
      registry: new Registry(),
      timings: fastTimings,
    });
    cleanups.push(() => supervisor.stop(1_000));
    supervisor.start();
    assert.ok(await eventually(() => !supervisor.health().ok, 15_000));
    assert.match(supervisor.health().reasons[0]!, /^missing is crash-looping: spawn \/nonexistent\/prometheus ENOENT/);
  });

  it('restarts a frozen (SIGSTOPped) component, naming the timeouts that condemned it rather than what the dying process answered', async () => {
    const port = await freePort();
    const component = new ComponentProcess({
      spec: nodeSpec('frozen', httpChild(port, 60_000), { readinessUrl: `http://127.0.0.1:${port}/ready`, livenessUrl: `http://127.0.0.1:${port}/healthy`, logfmt: true }),
      logger: capturingLogger().logger,
      metrics: createProcessMetrics(new Registry()),
      timings: { ...fastTimings, probeTimeoutMs: 300, livenessKillGraceMs: 500 },
    });
    cleanups.push(() => component.stop(1_000));
    component.start();
    assert.equal(await component.waitReady(10_000), true);
    process.kill(component.pid!, 'SIGSTOP');
    assert.ok(await eventually(() => component.status().restarts === 1, 15_000), JSON.stringify(component.status()));
    assert.match(component.status().lastError ?? '', /^liveness probe failed 3 times in a row \(timed out ×3\) \(killed by SIGKILL\)$/);
    assert.equal(await component.waitReady(10_000), true, 'ready again after the restart');
  });

  it('restarts a component whose liveness probe keeps failing, and says so', async () => {
    const port = await freePort();
    const registry = new Registry();
    const component = new ComponentProcess({
      spec: nodeSpec('hangs', httpChild(port, 1_000), {
        readinessUrl: `http://127.0.0.1:${port}/ready`,
        livenessUrl: `http://127.0.0.1:${port}/healthy`,
        logfmt: true,
      }),
      logger: capturingLogger().logger,
      metrics: createProcessMetrics(registry),
      timings: fastTimings,
    });
    cleanups.push(() => component.stop(1_000));
    component.start();
    assert.equal(await component.waitReady(10_000), true);
    const firstPid = component.pid!;
    assert.ok(await eventually(() => component.status().restarts === 1, 15_000), JSON.stringify(component.status()));
    assert.match(component.status().lastError ?? '', /^liveness probe failed 3 times in a row \(HTTP 500 ×3\) \(killed by SIGTERM\)$/);
    assert.equal(alive(firstPid), false);
    assert.equal(await component.waitReady(10_000), true, 'ready again after the restart');
    assert.match(await registry.metrics(), /ecs_appliance_component_health_check_failures_total\{component="hangs",probe="liveness"\} [3-9]/);
  });

  it('backs off exponentially and resets after a stable period', async () => {
    const component = new ComponentProcess({
      spec: nodeSpec('flaky', `setTimeout(() => process.exit(3), 50)`),
      logger: capturingLogger().logger,
      metrics: createProcessMetrics(new Registry()),
      timings: { ...fastTimings, backoff: { initialMs: 200, maxMs: 400 }, crashLoopThreshold: 100 },
    });
    cleanups.push(() => component.stop(1_000));
    component.start();
    const waits: number[] = [];
    let seen = 0;
    const deadline = Date.now() + 10_000;
    while (waits.length < 3 && Date.now() < deadline) {
      const status = component.status();
      if (status.consecutiveFailures > seen && status.nextRestartAt) {
        seen = status.consecutiveFailures;
        waits.push(Date.parse(status.nextRestartAt) - Date.parse(status.lastExit!.at));
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(waits.length, 3);
    assert.ok(waits[0]! >= 150 && waits[0]! <= 260, `first wait ${waits[0]}`);
    assert.ok(waits[1]! >= 350 && waits[1]! <= 460, `second wait ${waits[1]}`);
    assert.ok(waits[2]! >= 350 && waits[2]! <= 460, `capped wait ${waits[2]}`);
    await component.stop(1_000);

    // Runs 1 and 2 die at once; run 3 outlives the stable period, so its failure counts as the first
    // again; run 4 stays up.
    const counter = join(await mkdtemp(join(tmpdir(), 'appliance-stable-')), 'runs');
    const steady = new ComponentProcess({
      spec: nodeSpec(
        'steady',
        `const fs = require('node:fs'); const f = process.env.COUNTER;
         const run = (fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : 0) + 1; fs.writeFileSync(f, String(run));
         setTimeout(() => process.exit(3), run === 3 ? 700 : run > 3 ? 60_000 : 30);`,
        { env: { COUNTER: counter } },
      ),
      logger: capturingLogger().logger,
      metrics: createProcessMetrics(new Registry()),
      timings: { ...fastTimings, backoff: { initialMs: 50, maxMs: 50 }, stablePeriodMs: 400, crashLoopThreshold: 100 },
    });
    cleanups.push(() => steady.stop(1_000));
    steady.start();
    assert.ok(await eventually(() => steady.status().consecutiveFailures === 2, 5_000));
    assert.ok(await eventually(async () => (await readFile(counter, 'utf8').catch(() => '')) === '4', 5_000), 'run 3 ended and run 4 began');
    assert.equal(steady.status().consecutiveFailures, 1, 'the stable run reset the count before its own failure');
    await steady.stop(1_000);
    await rm(dirname(counter), { recursive: true, force: true });
  });

  it('SIGKILLs a child that ignores SIGTERM once its share of the budget is spent, keeping within the budget', async () => {
    const registry = new Registry();
    const supervisor = new Supervisor({
      specs: [
        nodeSpec('stubborn', ignoresSigterm, { stopWeight: 1, logfmt: true }),
        nodeSpec('polite', `process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000)`, { stopWeight: 1 }),
      ],
      logger: capturingLogger().logger,
      registry,
      timings: fastTimings,
    });
    supervisor.start();
    assert.equal(await supervisor.waitReady(5_000), true);
    await new Promise((resolve) => setTimeout(resolve, 300)); // let the stubborn child install its handler
    const stubbornPid = supervisor.component('stubborn')!.pid!;
    const budgetMs = 3_000;
    const began = Date.now();
    const report = await supervisor.stop(budgetMs);
    const took = Date.now() - began;
    assert.deepEqual(report.steps.map((s) => [s.name, s.forced]), [['polite', false], ['stubborn', true]]);
    assert.ok(took <= budgetMs, `stop took ${took} ms, budget ${budgetMs} ms`);
    const stubbornStep = report.steps.find((s) => s.name === 'stubborn')!;
    assert.ok(stubbornStep.durationMs >= 700, `the stubborn child had its share (${stubbornStep.durationMs} ms) before SIGKILL`);
    assert.equal(alive(stubbornPid), false);
    assert.equal(supervisor.component('stubborn')!.status().lastExit?.signal, 'SIGKILL');
    assert.equal((await supervisor.stop(budgetMs)).steps.length, 2, 'a second stop returns the same report');
  });
});
