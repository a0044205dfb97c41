import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import { after, describe, it } from 'node:test';
import { settingsFromEnvironment } from '../../supervisor/appliance/settings.ts';
import { identityExternalLabels, identityLabels, readTaskIdentity } from '../../supervisor/identity/task-metadata.ts';
import { capturingLogger } from '../processes/fixtures.ts';
import { ec2Container, ec2Task, fargateContainer, fargateTask } from './metadata-fixtures.ts';

const servers: Server[] = [];

/** A loopback metadata endpoint; returns the URI as ECS would put it in ECS_CONTAINER_METADATA_URI_V4. */
async function metadataEndpoint(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}/v4/cd189a933e5849daa93386466019ab50-2495160603`;
}

function serving(task: unknown, container: unknown): RequestListener {
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const body = path.endsWith('/task') ? task : path.startsWith('/v4/') ? container : undefined;
    if (body === undefined) return void response.writeHead(404).end('404 page not found');
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
}

describe('reading the ECS task metadata endpoint v4', () => {
  after(() => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  });

  it('reads a Fargate task: cluster ARN, task, AZ, launch type and the container address', async () => {
    const uri = await metadataEndpoint(serving(fargateTask, fargateContainer));
    assert.deepEqual(await readTaskIdentity({ uri }), {
      cluster: 'arn:aws:ecs:us-west-2:111122223333:cluster/observability',
      clusterName: 'observability',
      clusterArn: 'arn:aws:ecs:us-west-2:111122223333:cluster/observability',
      taskArn: 'arn:aws:ecs:us-west-2:111122223333:task/observability/cd189a933e5849daa93386466019ab50',
      taskId: 'cd189a933e5849daa93386466019ab50',
      family: 'ecs-appliance',
      revision: '7',
      region: 'us-west-2',
      accountId: '111122223333',
      availabilityZone: 'us-west-2b',
      launchType: 'FARGATE',
      serviceName: undefined,
      container: {
        name: 'ecs-appliance',
        dockerId: 'cd189a933e5849daa93386466019ab50-2495160603',
        containerArn: 'arn:aws:ecs:us-west-2:111122223333:container/05966557-f16c-49cb-9352-24b3a0dcd0e1',
        image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/ecs-appliance:1.4.0',
        ipv4Addresses: ['10.0.2.106'],
      },
    });
  });

  it('reads an EC2 task whose cluster is a short name, deriving the cluster ARN, and builds labels', async () => {
    const uri = await metadataEndpoint(serving(ec2Task, ec2Container));
    const identity = (await readTaskIdentity({ uri: `${uri}/` }))!;
    assert.equal(identity.clusterName, 'default');
    assert.equal(identity.clusterArn, 'arn:aws:ecs:us-west-2:111122223333:cluster/default');
    assert.equal(identity.serviceName, 'MyService');
    assert.equal(identity.launchType, 'EC2');
    assert.deepEqual(identity.container?.ipv4Addresses, ['172.17.0.2']);
    assert.deepEqual(identityLabels(identity), {
      ecs_cluster: 'default',
      ecs_task_family: 'ecs-appliance',
      ecs_task_revision: '24',
      ecs_task_id: '158d1c8083dd49d6b527399fd6414f5c',
      ecs_service: 'MyService',
      ecs_launch_type: 'EC2',
      availability_zone: 'us-west-2d',
      aws_region: 'us-west-2',
    });
    assert.deepEqual(identityExternalLabels(identity), { ecs_cluster: 'default', aws_region: 'us-west-2', aws_account_id: '111122223333' });
  });

  it('reads ECS_CONTAINER_METADATA_URI_V4 through the settings, and is undefined without it', async () => {
    const uri = await metadataEndpoint(serving(fargateTask, fargateContainer));
    const { taskMetadataUri } = settingsFromEnvironment({ ECS_CONTAINER_METADATA_URI_V4: uri });
    assert.equal((await readTaskIdentity({ uri: taskMetadataUri }))?.taskId, 'cd189a933e5849daa93386466019ab50');
    assert.equal(await readTaskIdentity({ uri: settingsFromEnvironment({}).taskMetadataUri }), undefined);
  });

  it('gives up within the timeout on an endpoint that never answers, logging why', async () => {
    const uri = await metadataEndpoint(() => {});
    const { logger, records } = capturingLogger();
    const began = Date.now();
    assert.equal(await readTaskIdentity({ uri, timeoutMs: 300, logger }), undefined);
    assert.ok(Date.now() - began < 2_000);
    assert.match(String(records().find((r) => r.level === 'warn')?.error), /timed out after 300 ms/);
  });

  it('is undefined on an error status, non-JSON or a foreign shape, and keeps the task without container data', async () => {
    const failing = await metadataEndpoint((_request, response) => void response.writeHead(500).end('internal error'));
    assert.equal(await readTaskIdentity({ uri: failing }), undefined);
    const garbage = await metadataEndpoint((_request, response) => void response.writeHead(200).end('<html>'));
    assert.equal(await readTaskIdentity({ uri: garbage }), undefined);
    const { logger, records } = capturingLogger();
    const foreign = await metadataEndpoint(serving({ ...fargateTask, TaskARN: 'not-an-arn' }, fargateContainer));
    assert.equal(await readTaskIdentity({ uri: foreign, logger }), undefined);
    assert.match(String(records()[0]?.error), /TaskARN/);
    const taskOnly = await metadataEndpoint(serving(fargateTask, undefined));
    const identity = await readTaskIdentity({ uri: taskOnly });
    assert.equal(identity?.clusterName, 'observability');
    assert.equal(identity?.container, undefined);
  });
});
