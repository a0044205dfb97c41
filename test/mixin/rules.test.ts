import assert from 'node:assert/strict';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { run, tempDir, TOOLS, writeFiles } from '../render/fixtures.ts';
import { filesUnder, RULES_DIR, shippedRelease, type RuleFile } from './release.ts';

const HERE = import.meta.dirname;
const TEST_FILE = /\.rules-test\.yml$/;

interface RuleTestFile {
  rule_files: string[];
  tests: {
    name: string;
    alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
    promql_expr_test?: { expr: string }[];
  }[];
}

describe('the built-in rules, under promtool test rules', () => {
  let scratch: string;
  let rules: Map<string, string>;
  const testFiles = new Map<string, RuleTestFile>();

  before(async () => {
    scratch = await tempDir('mixin-rules-');
    rules = filesUnder(await shippedRelease(), RULES_DIR);
    await writeFiles(join(scratch, 'rules'), rules);
    for (const name of (await readdir(HERE)).filter((file) => TEST_FILE.test(file)).sort()) {
      testFiles.set(name, parse(await readFile(join(HERE, name), 'utf8')) as RuleTestFile);
    }
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  it('passes every test file against the rule files as rendered', async () => {
    assert.ok(testFiles.size > 0);
    for (const [name, tests] of testFiles) {
      // The files point at the shipped sources so promtool can run them by hand; here they read the release.
      const ruleFiles = tests.rule_files.map((path) => {
        const file = path.slice(path.lastIndexOf('/') + 1);
        assert.ok(rules.has(file), `${name}: ${path} is not a rule file the appliance renders`);
        return join(scratch, 'rules', file);
      });
      await writeFile(join(scratch, name), stringify({ ...tests, rule_files: ruleFiles }));
      const result = await run(TOOLS.promtool, ['test', 'rules', name], scratch);
      assert.equal(result.code, 0, `${name}:\n${result.output}`);
    }
  });

  it('shows every shipped alert firing and staying quiet', () => {
    const cases = [...testFiles.values()].flatMap((file) => file.tests.flatMap((test) => test.alert_rule_test ?? []));
    const missing: string[] = [];
    for (const alert of rulesOf(rules, 'alert')) {
      const own = cases.filter((c) => c.alertname === alert);
      if (!own.some((c) => (c.exp_alerts ?? []).length > 0)) missing.push(`${alert}: no case where it fires`);
      if (!own.some((c) => (c.exp_alerts ?? []).length === 0)) missing.push(`${alert}: no case where it stays quiet`);
    }
    assert.deepEqual(missing, []);
  });

  it('checks the exact values of every shipped recording rule', () => {
    const exprs = new Set([...testFiles.values()].flatMap((file) => file.tests.flatMap((test) => (test.promql_expr_test ?? []).map((c) => c.expr))));
    assert.deepEqual(rulesOf(rules, 'record').filter((record) => !exprs.has(record)), []);
  });
});

function rulesOf(files: ReadonlyMap<string, string>, kind: 'alert' | 'record'): string[] {
  const names: string[] = [];
  for (const text of files.values()) {
    for (const group of (parse(text) as RuleFile).groups) {
      for (const rule of group.rules) {
        const name = kind === 'alert' ? ('alert' in rule ? rule.alert : undefined) : 'record' in rule ? rule.record : undefined;
        if (name) names.push(name);
      }
    }
  }
  assert.ok(names.length > 0, `no ${kind} rules found`);
  return names;
}
