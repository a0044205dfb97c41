import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { startFakeAws, type FakeAws } from '../fake-aws/index.ts';
import { clientConfig, smallWorld } from './fixtures.ts';

const errorName = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  return 'no error';
};

describe('fake AWS authentication and STS', () => {
  let aws: FakeAws;
  before(async () => {
    aws = await startFakeAws({ world: smallWorld(), throttling: false });
  });
  after(async () => {
    await aws.stop();
    assert.deepEqual(aws.internalErrors, []);
  });

  test('the base keys are the first account', async () => {
    const sts = new STSClient(clientConfig(aws));
    const me = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Account, '111111111111');
    assert.equal(aws.env.AWS_ACCESS_KEY_ID, aws.credentials.accessKeyId);
    assert.equal(aws.env.AWS_ENDPOINT_URL, aws.url);
  });

  test('an assumed role sees its own account, through the SDK credential provider', async () => {
    const credentials = fromTemporaryCredentials({
      masterCredentials: aws.credentials,
      params: { RoleArn: 'arn:aws:iam::222222222222:role/open', RoleSessionName: 'discovery-test' },
      clientConfig: { endpoint: aws.url, region: 'us-east-1' },
    });
    const ecs = new ECSClient({ ...clientConfig(aws, 'eu-west-1'), credentials });
    assert.deepEqual((await ecs.send(new ListClustersCommand({}))).clusterArns, ['arn:aws:ecs:eu-west-1:222222222222:cluster/analytics']);
    const sts = new STSClient({ ...clientConfig(aws), credentials });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    assert.equal(me.Account, '222222222222');
    assert.equal(me.Arn, 'arn:aws:sts::222222222222:assumed-role/open/discovery-test');
    // The base account has no clusters in eu-west-1.
    const base = new ECSClient(clientConfig(aws, 'eu-west-1'));
    assert.deepEqual((await base.send(new ListClustersCommand({}))).clusterArns, []);
  });

  test('a role that requires an ExternalId refuses a missing or wrong one', async () => {
    const sts = new STSClient(clientConfig(aws));
    const assume = (ExternalId?: string) => sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/discovery', RoleSessionName: 's1', ...(ExternalId ? { ExternalId } : {}) }));
    assert.equal(await errorName(assume()), 'AccessDenied');
    assert.equal(await errorName(assume('wrong')), 'AccessDenied');
    const ok = await assume('secret-handshake');
    assert.match(ok.Credentials?.AccessKeyId ?? '', /^ASIA[A-Z0-9]{16}$/);
    assert.ok(ok.Credentials?.Expiration instanceof Date);
    assert.equal(ok.AssumedRoleUser?.Arn, 'arn:aws:sts::222222222222:assumed-role/discovery/s1');
    assert.equal(await errorName(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::333333333333:role/none', RoleSessionName: 's1' }))), 'AccessDenied');
    assert.equal(await errorName(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/open', RoleSessionName: 's1', DurationSeconds: 7200 }))), 'ValidationError');
  });

  test('temporary credentials expire: ExpiredTokenException once the clock passes Expiration or expire() is called', async () => {
    const sts = new STSClient(clientConfig(aws));
    const issue = async () => {
      const c = (await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/open', RoleSessionName: 'exp', DurationSeconds: 900 }))).Credentials!;
      return new ECSClient({ ...clientConfig(aws, 'eu-west-1'), credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! } });
    };
    const first = await issue();
    assert.equal((await first.send(new ListClustersCommand({}))).clusterArns?.length, 1);
    aws.clock.advance(901_000);
    assert.equal(await errorName(first.send(new ListClustersCommand({}))), 'ExpiredTokenException');

    const second = await issue();
    assert.equal((await second.send(new ListClustersCommand({}))).clusterArns?.length, 1);
    aws.keys.expire();
    assert.equal(await errorName(second.send(new ListClustersCommand({}))), 'ExpiredTokenException');
  });

  test('unknown keys get each service\'s invalid-credentials error', async () => {
    const stranger = { ...clientConfig(aws), credentials: { accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' } };
    assert.equal(await errorName(new ECSClient(stranger).send(new ListClustersCommand({}))), 'UnrecognizedClientException');
    assert.equal(await errorName(new EC2Client(stranger).send(new DescribeInstancesCommand({}))), 'AuthFailure');
    assert.equal(await errorName(new STSClient(stranger).send(new GetCallerIdentityCommand({}))), 'InvalidClientTokenId');
    assert.equal(await errorName(new S3Client({ ...stranger, forcePathStyle: true }).send(new ListObjectsV2Command({ Bucket: 'any' }))), 'InvalidAccessKeyId');
  });

  test('a wrong secret fails the signature check', async () => {
    const forged = { ...clientConfig(aws), credentials: { accessKeyId: aws.credentials.accessKeyId, secretAccessKey: 'not-the-secret' } };
    assert.equal(await errorName(new ECSClient(forged).send(new ListClustersCommand({}))), 'InvalidSignatureException');
    assert.equal(await errorName(new STSClient(forged).send(new GetCallerIdentityCommand({}))), 'SignatureDoesNotMatch');
    assert.equal(await errorName(new S3Client({ ...forged, forcePathStyle: true }).send(new ListObjectsV2Command({ Bucket: 'any' }))), 'SignatureDoesNotMatch');
  });

  test('an unsigned request is refused', async () => {
    const response = await fetch(aws.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.ListClusters' },
      body: '{}',
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
    assert.equal(aws.calls.count({ service: 'ecs', outcome: 'auth-error' }) > 0, true);
  });
});
