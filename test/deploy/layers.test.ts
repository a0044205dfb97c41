import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { supervisorSources } from './source-scan.ts';

const IMPORT = /(?:from|import\()\s*'([^']+)'/g;
const FAKE_AWS = '@ecs-appliance/fake-aws';
const INTO_TEST = /(^|\/)test\//;
// A value import is loaded with the module; the image has no fake AWS, so the demo must find out
// at run time (a dynamic import) and say so, instead of failing to load.
const STATIC_VALUE_IMPORT = /^import\s+(?!type\s)[^;]*?from\s*'([^']+)'/gm;

const isCommand = (file: string) => file.startsWith('supervisor/commands/') || file === 'supervisor/cli.ts';
const isTestCode = (target: string) => INTO_TEST.test(target) || target === FAKE_AWS || target.startsWith(`${FAKE_AWS}/`);

describe('layers', () => {
  it('no library module imports a command or test code (commands/ and cli.ts are the top layer)', () => {
    const offending: string[] = [];
    for (const { file, text } of supervisorSources()) {
      if (isCommand(file)) continue;
      for (const [, target] of text.matchAll(IMPORT)) {
        if (/(^|\/)commands\//.test(target!) || isTestCode(target!) || target === '../cli.ts') offending.push(`${file} imports ${target}`);
      }
    }
    assert.deepEqual(offending, []);
  });

  it(`commands reach test code only through the ${FAKE_AWS} package, imported when used, never by a path into test/`, () => {
    const offending: string[] = [];
    for (const { file, text } of supervisorSources()) {
      if (!isCommand(file)) continue;
      for (const [, target] of text.matchAll(IMPORT)) {
        if (INTO_TEST.test(target!)) offending.push(`${file} imports ${target}`);
      }
      for (const [, target] of text.matchAll(STATIC_VALUE_IMPORT)) {
        if (isTestCode(target!)) offending.push(`${file} imports ${target} when it loads`);
      }
    }
    assert.deepEqual(offending, []);
  });
});
