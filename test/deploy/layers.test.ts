import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { supervisorSources } from './source-scan.ts';

const IMPORT = /(?:from|import\()\s*'([^']+)'/g;

describe('layers', () => {
  it('no library module imports a command or test code (commands/ and cli.ts are the top layer)', () => {
    const offending: string[] = [];
    for (const { file, text } of supervisorSources()) {
      if (file.startsWith('supervisor/commands/') || file === 'supervisor/cli.ts') continue;
      for (const [, target] of text.matchAll(IMPORT)) {
        if (/(^|\/)commands\//.test(target!) || /(^|\/)test\//.test(target!) || target === '../cli.ts') offending.push(`${file} imports ${target}`);
      }
    }
    assert.deepEqual(offending, []);
  });
});
