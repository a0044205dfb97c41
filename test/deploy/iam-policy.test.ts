import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PROXY_ROUTES } from '../../supervisor/proxy/routes.ts';
import { REPO_ROOT, awsActionsCalled, supervisorSources } from './source-scan.ts';

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, unknown>;
}

const policy = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docker/ecs/task-role-policy.json'), 'utf8')) as { Version: string; Statement: Statement[] };
const list = (value: string | string[]) => (Array.isArray(value) ? value : [value]);
const granted = policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action));

/** IAM's own matching: case-insensitive, `*` and `?` wildcards. */
function allows(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(action);
}

/** Not SDK commands: the SigV4 proxy signs Prometheus' remote_write (and Grafana's queries) for AMP, route by route. */
const SIGNED_BY_PROXY: string[] = [...new Set(PROXY_ROUTES.map((route) => route.iamAction))];

describe('task-role-policy.json', () => {
  const called = awsActionsCalled();

  it('is a well-formed IAM policy document', () => {
    assert.equal(policy.Version, '2012-10-17');
    assert.ok(policy.Statement.length > 0);
    for (const statement of policy.Statement) {
      assert.ok(['Allow', 'Deny'].includes(statement.Effect), `${statement.Sid}: Effect`);
      for (const action of list(statement.Action)) assert.match(action, /^[a-z0-9-]+:[A-Za-z0-9*?]+$/, `${statement.Sid}: ${action}`);
      for (const resource of list(statement.Resource)) assert.match(resource, /^(\*|arn:aws:)/, `${statement.Sid}: ${resource}`);
    }
    const sids = policy.Statement.map((s) => s.Sid);
    assert.equal(new Set(sids).size, sids.length, 'Sids are unique');
  });

  it('finds the AWS calls in the supervisor source (the scan is not empty)', () => {
    for (const action of ['ecs:ListTasks', 'ecs:DescribeTasks', 'ec2:DescribeInstances', 's3:GetObject']) {
      assert.ok(called.has(action), `${action} not found among ${[...called.keys()].join(', ')}`);
    }
  });

  it('allows every AWS API the supervisor calls', () => {
    const missing = [...called].filter(([action]) => !granted.some((pattern) => allows(pattern, action)));
    assert.deepEqual(missing.map(([action, files]) => `${action} (called in ${files.join(', ')})`), []);
  });

  it('allows every AMP action the SigV4 proxy forwards', () => {
    assert.ok(SIGNED_BY_PROXY.includes('aps:RemoteWrite') && SIGNED_BY_PROXY.includes('aps:GetSeries'));
    assert.deepEqual(SIGNED_BY_PROXY.filter((action) => !granted.some((pattern) => allows(pattern, action))), []);
  });

  it('allows nothing the appliance does not do (least privilege)', () => {
    const proxySignsAps = supervisorSources().some(({ file, text }) => file.startsWith('supervisor/proxy/') && text.includes("'aps'"));
    assert.ok(proxySignsAps, 'the SigV4 proxy signs for the aps service');
    const unused = granted.filter((pattern) => !SIGNED_BY_PROXY.includes(pattern) && ![...called.keys()].some((action) => allows(pattern, action)));
    assert.deepEqual(unused, []);
    for (const action of granted) assert.ok(!action.includes('*'), `${action}: no wildcard actions`);
  });

  it('scopes S3 to the bundle and AMP to one workspace', () => {
    for (const statement of policy.Statement) {
      const actions = list(statement.Action);
      if (actions.some((a) => a.startsWith('s3:') || a.startsWith('aps:') || a.startsWith('sts:'))) {
        for (const resource of list(statement.Resource)) assert.notEqual(resource, '*', `${statement.Sid} must name its resources`);
      }
    }
  });
});
