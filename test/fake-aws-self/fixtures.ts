import type { FakeAws } from '../fake-aws/index.ts';
import type { WorldSpec } from '../fake-aws/world.ts';

/** A small two-account world covering the three network modes; tests copy and extend it. */
export function smallWorld(): WorldSpec {
  return {
    accounts: [
      {
        id: '111111111111',
        roles: [{ arn: 'arn:aws:iam::111111111111:role/local-reader' }],
        regions: [
          {
            name: 'us-east-1',
            taskDefinitions: [
              { family: 'web', revision: 1, networkMode: 'bridge', containers: [{ name: 'app', image: 'nginx:1', portMappings: [{ containerPort: 80 }, { containerPort: 9113, hostPort: 9113 }], dockerLabels: { 'prometheus.io/scrape': 'true' } }], tags: { team: 'web' } },
              { family: 'api', revision: 4, networkMode: 'awsvpc', containers: [{ name: 'api', image: 'api:4', portMappings: [{ containerPort: 8080 }], environment: { PROMETHEUS: 'true' } }] },
              { family: 'node', revision: 2, networkMode: 'host', containers: [{ name: 'exporter', image: 'node-exporter', portMappings: [{ containerPort: 9100 }] }] },
            ],
            clusters: [
              {
                name: 'prod',
                tags: { env: 'prod' },
                containerInstances: [{ id: 'ci-1', ec2InstanceId: 'i-0aaaaaaaaaaaaaaa1', privateIp: '10.0.0.11', instanceType: 'm5.large', az: 'us-east-1a', tags: { Name: 'node-1' } }],
                services: [{ name: 'web', tags: { tier: 'front' } }, { name: 'api' }],
                tasks: [
                  { id: 'web1', taskDefinition: 'web:1', service: 'web', lastStatus: 'RUNNING', launchType: 'EC2', containerInstance: 'ci-1', az: 'us-east-1a', hostPorts: { app: { '80': 32768 } }, healthStatus: 'HEALTHY', tags: { version: '1' } },
                  { id: 'web2', taskDefinition: 'web:1', service: 'web', lastStatus: 'PENDING', launchType: 'EC2', containerInstance: 'ci-1', az: 'us-east-1a' },
                  { id: 'api1', taskDefinition: 'api:4', service: 'api', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1b', privateIp: '10.0.1.5' },
                  { id: 'api2', taskDefinition: 'api:4', service: 'api', lastStatus: 'PROVISIONING', launchType: 'FARGATE', az: 'us-east-1b' },
                  { id: 'node1', taskDefinition: 'node:2', lastStatus: 'RUNNING', launchType: 'EC2', containerInstance: 'ci-1', az: 'us-east-1a' },
                  { id: 'old1', taskDefinition: 'web:1', service: 'web', lastStatus: 'STOPPED', launchType: 'EC2', containerInstance: 'ci-1', az: 'us-east-1a' },
                ],
              },
            ],
          },
        ],
      },
      {
        id: '222222222222',
        roles: [
          { arn: 'arn:aws:iam::222222222222:role/discovery', externalId: 'secret-handshake' },
          { arn: 'arn:aws:iam::222222222222:role/open' },
        ],
        regions: [
          {
            name: 'eu-west-1',
            taskDefinitions: [{ family: 'batch', revision: 1, networkMode: 'awsvpc', containers: [{ name: 'job', image: 'job:1' }] }],
            clusters: [{ name: 'analytics', tasks: [{ id: 'b1', taskDefinition: 'batch:1', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'eu-west-1a', privateIp: '10.9.0.1' }] }],
          },
        ],
      },
    ],
  };
}

/** Client options for a real SDK client pointed at the fake, as the first account. */
export function clientConfig(aws: FakeAws, region = 'us-east-1') {
  return { endpoint: aws.url, region, credentials: aws.credentials, maxAttempts: 1 };
}
