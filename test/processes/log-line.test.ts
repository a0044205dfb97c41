import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LINE_CHARS, parseChildLine, parseLogfmt } from '../../supervisor/processes/log-line.ts';
import { RingBuffer } from '../../supervisor/processes/ring-buffer.ts';

describe('turning child output into log records', () => {
  it('splits a Prometheus logfmt line into level, msg and fields, dropping the child timestamp', () => {
    const line = 'ts=2024-03-11T09:12:43.135Z caller=main.go:1234 level=error component=web msg="Error reloading config" err="parsing YAML file /etc/p.yml: field no_such_field not found"';
    assert.deepEqual(parseChildLine(line, { logfmt: true, defaultLevel: 'info' }), {
      level: 'error',
      msg: 'Error reloading config',
      fields: { caller: 'main.go:1234', child_component: 'web', err: 'parsing YAML file /etc/p.yml: field no_such_field not found' },
    });
  });

  it("maps Grafana's level names and keeps its t= out of the fields", () => {
    const record = parseChildLine('logger=settings t=2024-03-11T09:12:43.13+00:00 level=warn msg="deprecated" key=x', { logfmt: true, defaultLevel: 'info' });
    assert.deepEqual(record, { level: 'warn', msg: 'deprecated', fields: { logger: 'settings', key: 'x' } });
    assert.equal(parseChildLine('level=eror msg=x', { logfmt: true, defaultLevel: 'info' }).level, 'error');
    assert.equal(parseChildLine('level=dbug msg=x', { logfmt: true, defaultLevel: 'info' }).level, 'debug');
    assert.equal(parseChildLine('level=weird msg=x', { logfmt: true, defaultLevel: 'warn' }).level, 'warn');
  });

  it('keeps anything that is not logfmt verbatim as the message at the default level', () => {
    for (const line of ['panic: runtime error: index out of range [3] with length 3', 'goroutine 1 [running]:', '{"json":true}', 'key="unterminated', 'a=b']) {
      const record = parseChildLine(line, { logfmt: true, defaultLevel: 'warn' });
      assert.equal(record.msg, line);
      assert.equal(record.level, 'warn');
    }
    assert.deepEqual(parseChildLine('level=error msg=x', { logfmt: false, defaultLevel: 'info' }), { level: 'info', msg: 'level=error msg=x', fields: {} });
  });

  it('understands escapes and empty values, and truncates runaway lines', () => {
    assert.deepEqual(parseLogfmt('msg="say \\"hi\\"\\nthere" empty= x=1'), { msg: 'say "hi"\nthere', empty: '', x: '1' });
    const long = parseChildLine('x'.repeat(MAX_LINE_CHARS + 10), { logfmt: true, defaultLevel: 'info' });
    assert.equal(long.msg.length, MAX_LINE_CHARS + '…[truncated]'.length);
  });

  it('keeps only the last lines in the ring buffer', () => {
    const ring = new RingBuffer<string>(3);
    for (const line of ['a', 'b', 'c', 'd']) ring.push(line);
    assert.deepEqual(ring.toArray(), ['b', 'c', 'd']);
    assert.throws(() => new RingBuffer(0), /positive integer/);
  });
});
