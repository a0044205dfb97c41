import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import * as sources from '../fake-aws/index.ts';

const fakeAwsDir = fileURLToPath(new URL('../fake-aws/', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('the @ecs-appliance/fake-aws package', () => {
  test('is linked by npm ci and loads by name in plain Node, with no TypeScript loader (as the CLI compiled into dist/ does), and exports what index.ts exports', async () => {
    const script = "const fake = await import('@ecs-appliance/fake-aws'); console.log(JSON.stringify(Object.keys(fake).sort()));";
    const result = await execa(process.execPath, ['--input-type=module', '--eval', script], { cwd: repoRoot, reject: false });
    assert.equal(result.exitCode, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), Object.keys(sources).sort());
  });

  test('serves its worlds by name', () => {
    assert.equal(fileURLToPath(import.meta.resolve('@ecs-appliance/fake-aws/worlds/demo.json')), path.join(fakeAwsDir, 'worlds', 'demo.json'));
  });
});
