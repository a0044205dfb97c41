import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ampSettingsSchema, normalizeUpstream, regionFromAmpHost, resolveAmpTarget } from '../../supervisor/proxy/amp-target.ts';

describe('AMP target', () => {
  it('builds the workspace URL from an ID and region, in the China partition too', () => {
    assert.deepEqual(resolveAmpTarget({ workspaceId: 'ws-0123abcd-4567-89ef-0123-456789abcdef', region: 'eu-west-1' }), {
      upstream: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd-4567-89ef-0123-456789abcdef',
      region: 'eu-west-1',
    });
    assert.equal(resolveAmpTarget({ workspaceId: 'ws-1', region: 'cn-north-1' }).upstream, 'https://aps-workspaces.cn-north-1.amazonaws.com.cn/workspaces/ws-1');
  });

  it('takes a workspace URL as pasted from the console, remote_write suffix and all, and reads the region from it', () => {
    const expected = { upstream: 'https://aps-workspaces.us-east-2.amazonaws.com/workspaces/ws-abc', region: 'us-east-2' };
    assert.deepEqual(resolveAmpTarget({ workspaceUrl: 'https://aps-workspaces.us-east-2.amazonaws.com/workspaces/ws-abc/' }), expected);
    assert.deepEqual(resolveAmpTarget({ workspaceUrl: 'https://aps-workspaces.us-east-2.amazonaws.com/workspaces/ws-abc/api/v1/remote_write' }), expected);
    assert.deepEqual(resolveAmpTarget({ workspaceUrl: 'https://aps-workspaces.us-east-2.amazonaws.com/workspaces/ws-abc/api/v1/query' }), expected);
    assert.equal(regionFromAmpHost('aps-workspaces-fips.us-gov-west-1.amazonaws.com'), 'us-gov-west-1');
  });

  it('lets an explicit region win, and demands one when the host does not tell', () => {
    assert.deepEqual(normalizeUpstream('https://vpce-123.aps-workspaces.eu-west-1.vpce.amazonaws.com/workspaces/ws-1', 'eu-west-1').region, 'eu-west-1');
    assert.throws(() => normalizeUpstream('http://127.0.0.1:9/workspaces/ws-1'), /cannot tell the AWS region from host '127.0.0.1'; give the region/);
    assert.throws(() => normalizeUpstream('ftp://example.com/x', 'eu-west-1'), /scheme must be https or http/);
    assert.throws(() => normalizeUpstream('not a url'), /is not a URL/);
    assert.throws(() => resolveAmpTarget({ workspaceId: 'ws-1' }), /needs region/);
    assert.throws(() => resolveAmpTarget({ workspaceId: 'abc', region: 'eu-west-1' }), /does not look like ws-/);
  });

  it('validates the bundle settings with messages that say what is wrong', () => {
    assert.equal(ampSettingsSchema.parse({ workspaceId: 'ws-1', region: 'eu-west-1' }).mode, 'proxy');
    assert.equal(ampSettingsSchema.parse({ workspaceUrl: 'https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1' }).proxyPort, 8005);
    const problems = (input: unknown) => ampSettingsSchema.safeParse(input).error?.issues.map((i) => i.message) ?? [];
    assert.deepEqual(problems({}), ['AMP needs workspaceUrl, or workspaceId and region']);
    assert.deepEqual(problems({ workspaceId: 'ws-1' }), ['AMP workspaceId needs region']);
    assert.match(problems({ workspaceId: 'ws-1', region: 'Ireland' }).join(), /expected an AWS region/);
    assert.match(problems({ workspaceId: 'ws-1', region: 'eu-west-1', mode: 'direct' }).join(), /proxy|sigv4/);
  });
});
