import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { execa } from 'execa';

const CLI = fileURLToPath(new URL('../../supervisor/cli.ts', import.meta.url));

describe('every command line', () => {
  it('answers --help with its usage (exit 0) and an unknown flag with the problem and its usage (exit 2)', async () => {
    await Promise.all(
      ['run', 'check', 'render', 'demo', 'proxy'].map(async (command) => {
        const help = await execa(process.execPath, ['--import', 'tsx', CLI, command, '--help'], { reject: false });
        assert.equal(help.exitCode, 0, `${command} --help`);
        assert.match(help.stdout, new RegExp(`^usage: ecs-appliance ${command}\\b`), `${command} --help prints its usage`);
        const wrong = await execa(process.execPath, ['--import', 'tsx', CLI, command, '--no-such-flag'], { reject: false });
        assert.equal(wrong.exitCode, 2, `${command} --no-such-flag`);
        assert.match(wrong.stderr, new RegExp(`^ecs-appliance ${command}: Unknown option '--no-such-flag'[\\s\\S]*\\n\\nusage: ecs-appliance ${command}\\b`), wrong.stderr);
      }),
    );
  });
});
