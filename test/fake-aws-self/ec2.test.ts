import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DescribeInstancesCommand, EC2Client, paginateDescribeInstances, type DescribeInstancesCommandInput } from '@aws-sdk/client-ec2';
import { generateWorld } from '../fake-aws/generate-world.ts';
import { startFakeAws, type FakeAws } from '../fake-aws/index.ts';
import { clientConfig } from './fixtures.ts';

describe('fake EC2 DescribeInstances against the real SDK client', () => {
  let aws: FakeAws;
  let ec2: EC2Client;
  before(async () => {
    aws = await startFakeAws({ world: generateWorld({ clusters: 2, tasksPerCluster: 10, taskDefinitions: 3, containerInstances: 12 }), throttling: false });
    ec2 = new EC2Client(clientConfig(aws));
  });
  after(async () => {
    ec2.destroy();
    await aws.stop();
    assert.deepEqual(aws.internalErrors, []);
  });

  test('describes the container instances by id with IP, type, zone and tags', async () => {
    const instance = aws.world.cluster({ cluster: 'cluster-1' })!.containerInstances![3]!;
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance.ec2InstanceId] }));
    assert.equal(out.Reservations?.length, 1);
    const i = out.Reservations?.[0]?.Instances?.[0];
    assert.equal(i?.InstanceId, instance.ec2InstanceId);
    assert.equal(i?.PrivateIpAddress, instance.privateIp);
    assert.equal(i?.InstanceType, instance.instanceType);
    assert.equal(i?.Placement?.AvailabilityZone, instance.az);
    assert.equal(i?.State?.Name, 'running');
    assert.deepEqual(i?.Tags, [{ Key: 'Name', Value: 'cluster-1-node-3' }]);
    assert.equal(out.Reservations?.[0]?.OwnerId, '111111111111');
  });

  test('pages with MaxResults / NextToken and filters by tag', async () => {
    const seen: string[] = [];
    for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 5 }, {})) {
      assert.ok((page.Reservations?.length ?? 0) <= 5);
      for (const r of page.Reservations ?? []) seen.push(r.Instances![0]!.InstanceId!);
    }
    assert.equal(new Set(seen).size, 24);
    const tagged = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['cluster-0-node-1', 'cluster-1-node-2'] }] }));
    assert.equal(tagged.Reservations?.length, 2);
  });

  test('unknown or malformed ids and bad parameter combinations fail like EC2', async () => {
    const fail = async (input: DescribeInstancesCommandInput) => {
      try {
        await ec2.send(new DescribeInstancesCommand(input));
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    assert.equal(await fail({ InstanceIds: ['i-0123456789abcdef9'] }), "InvalidInstanceID.NotFound: The instance ID 'i-0123456789abcdef9' does not exist");
    assert.match(await fail({ InstanceIds: ['bogus'] }), /^InvalidInstanceID\.Malformed/);
    assert.match(await fail({ InstanceIds: ['i-0123456789abcdef9'], MaxResults: 5 }), /^InvalidParameterCombination/);
    assert.match(await fail({ MaxResults: 2 }), /^InvalidParameterValue/);
  });
});
