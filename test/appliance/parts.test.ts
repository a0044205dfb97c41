import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Parts, type Part, type StopStep } from '../../supervisor/lifecycle.ts';

/** A part that records what it is asked to do; `stopTakesMs` is how long its stop runs if its deadline allows. */
function recordingPart(name: string, log: string[], options: { stopWeight?: number; stopTakesMs?: number; failStop?: boolean; refuse?: boolean } = {}): Part<string> & { deadlines: number[] } {
  const deadlines: number[] = [];
  return {
    name,
    stopWeight: options.stopWeight ?? 1,
    deadlines,
    async start() {
      log.push(`start ${name}`);
    },
    async apply(release: string) {
      log.push(`apply ${name} ${release}`);
      if (options.refuse) throw new Error(`${name} refuses ${release}`);
    },
    async stop(deadline: number): Promise<StopStep[]> {
      deadlines.push(deadline);
      log.push(`stop ${name}`);
      if (options.failStop) throw new Error(`${name} cannot stop`);
      const started = Date.now();
      const ran = Math.min(options.stopTakesMs ?? 0, Math.max(0, deadline - Date.now()));
      await new Promise((resolve) => setTimeout(resolve, ran));
      return [{ name, forced: ran < (options.stopTakesMs ?? 0), durationMs: Date.now() - started }];
    },
  };
}

describe('Parts: start and apply in order, stop in reverse within one budget', () => {
  it('starts and applies in list order and stops in reverse, once', async () => {
    const log: string[] = [];
    const parts = new Parts(['admin', 'proxy', 'components'].map((name) => recordingPart(name, log)));
    await parts.start();
    await parts.apply('r1');
    const report = await parts.stop(2_000);
    assert.deepEqual(log, ['start admin', 'start proxy', 'start components', 'apply admin r1', 'apply proxy r1', 'apply components r1', 'stop components', 'stop proxy', 'stop admin']);
    assert.deepEqual(report.steps.map((s) => s.name), ['components', 'proxy', 'admin']);
    assert.equal(await parts.stop(2_000), report, 'a second stop gets the same report');
    assert.equal(log.filter((line) => line.startsWith('stop')).length, 3);
  });

  it('ends an apply at the first part that refuses it, and applies nothing once stopping has begun', async () => {
    const log: string[] = [];
    const parts = new Parts([recordingPart('a', log), recordingPart('b', log, { refuse: true }), recordingPart('c', log)]);
    await assert.rejects(parts.apply('r1'), /b refuses r1/);
    assert.deepEqual(log, ['apply a r1', 'apply b r1']);
    await parts.stop(1_000);
    await assert.rejects(parts.apply('r2'), /stopping/);
    assert.ok(!log.includes('apply a r2'));
  });

  it('gives each part a weighted share of what is left, passing on time a part does not use', async () => {
    const log: string[] = [];
    const quick = recordingPart('poller', log, { stopWeight: 1 });
    const heavy = recordingPart('components', log, { stopWeight: 4, stopTakesMs: 100_000 });
    const last = recordingPart('proxy', log, { stopWeight: 1 });
    const parts = new Parts([last, heavy, quick]);
    const began = Date.now();
    const report = await parts.stop(3_000);
    const took = Date.now() - began;
    assert.ok(took <= 3_000, `the whole stop kept to its budget (${took} ms)`);
    const heavyShare = heavy.deadlines[0]! - began;
    // 3 s less a 0.5 s reserve for each of the two parts still to stop, 4/5 of it: the poller used none of its share.
    assert.ok(heavyShare >= 1_500 && heavyShare <= 1_700, `components were given ${heavyShare} ms`);
    assert.ok(last.deadlines[0]! - began <= 3_000, 'the proxy still had its turn before the deadline');
    assert.deepEqual(report.steps.map((s) => [s.name, s.forced]), [['poller', false], ['components', true], ['proxy', false]]);
  });

  it('records a part that fails to stop and goes on with the next', async () => {
    const log: string[] = [];
    const parts = new Parts([recordingPart('admin', log), recordingPart('discovery', log, { failStop: true })]);
    const report = await parts.stop(1_000);
    assert.deepEqual(report.steps.map((s) => [s.name, s.error ?? null]), [['discovery', 'discovery cannot stop'], ['admin', null]]);
  });
});
