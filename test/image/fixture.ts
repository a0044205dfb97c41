import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import process from 'node:process';
import { startFakeAws } from '../fake-aws/index.ts';
import { freePorts } from './process-helpers.ts';

/**
 * The host side of docker/test-image.sh: two metrics endpoints on loopback, and the fake AWS
 * (ECS, EC2, STS, S3) with a world whose tasks point at them and a bucket holding the config
 * bundle. The container runs with `--network host`, so 127.0.0.1 is the same for both sides and
 * no traffic leaves the machine. Prints one JSON line with what the script needs, then serves
 * until SIGTERM.
 */

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const BUCKET = 'ci-appliance-config';
const PREFIX = 'image-test/';

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function metricsTarget(app: string): Server {
  let scrapes = 0;
  return createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    scrapes += 1;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE ci_target_scrapes_total counter\nci_target_scrapes_total{app="${app}"} ${scrapes}\n`);
  });
}

const labelsTarget = metricsTarget('labels-app');
const envTarget = metricsTarget('env-app');
const [labelsPort, envPort] = [await listen(labelsTarget), await listen(envTarget)];
// Free loopback ports for the appliance's listeners, so the run never collides with the host.
const [prometheusPort, alertmanagerPort, grafanaPort, nodeExporterPort, adminPort] = await freePorts(5);

const bundle = `# Config bundle of the CI image test (served from the fake S3).
discovery:
  interval: 5s
  regions: [${REGION}]
prometheus:
  scrapeInterval: 5s
  scrapeTimeout: 4s
  evaluationInterval: 5s
listen:
  host: 127.0.0.1
  prometheus: ${prometheusPort}
  alertmanager: ${alertmanagerPort}
  grafana: ${grafanaPort}
  nodeExporter: ${nodeExporterPort}
  admin: ${adminPort}
`;

const world = {
  accounts: [
    {
      id: ACCOUNT,
      regions: [
        {
          name: REGION,
          taskDefinitions: [
            {
              family: 'labels-app',
              revision: 1,
              networkMode: 'awsvpc',
              containers: [{ name: 'web', image: 'example/labels-app:1', portMappings: [{ containerPort: labelsPort }], dockerLabels: { PROMETHEUS_EXPORTER_PORT: String(labelsPort), PROMETHEUS_EXPORTER_JOB_NAME: 'labels-app' } }],
            },
            {
              family: 'env-app',
              revision: 3,
              networkMode: 'bridge',
              containers: [{ name: 'api', image: 'example/env-app:3', portMappings: [{ containerPort: 8080, hostPort: 0 }], environment: { PROMETHEUS: 'true', PROMETHEUS_CONTAINER_PORT: '8080' } }],
            },
          ],
          clusters: [
            {
              name: 'ci',
              containerInstances: [{ id: 'ci-instance-1', ec2InstanceId: 'i-0c1a55e5', privateIp: '127.0.0.1', instanceType: 'm6i.large', az: `${REGION}a` }],
              services: [{ name: 'labels-app', taskDefinition: 'labels-app:1', launchType: 'FARGATE' }, { name: 'env-app', taskDefinition: 'env-app:3', launchType: 'EC2' }],
              tasks: [
                { id: 'labels0000000000000000000000001', taskDefinition: 'labels-app:1', service: 'labels-app', lastStatus: 'RUNNING', launchType: 'FARGATE', az: `${REGION}a`, privateIp: '127.0.0.1' },
                { id: 'envapp0000000000000000000000001', taskDefinition: 'env-app:3', service: 'env-app', lastStatus: 'RUNNING', launchType: 'EC2', az: `${REGION}a`, containerInstance: 'ci-instance-1', hostPorts: { api: { '8080': envPort } } },
              ],
            },
          ],
        },
      ],
    },
  ],
  buckets: [{ name: BUCKET, objects: { [`${PREFIX}appliance.yml`]: bundle } }],
};

const aws = await startFakeAws({ world, host: '127.0.0.1', throttling: false });

process.stdout.write(
  `${JSON.stringify({
    endpoint: aws.url,
    accessKeyId: aws.credentials.accessKeyId,
    secretAccessKey: aws.credentials.secretAccessKey,
    region: REGION,
    configLocation: `s3://${BUCKET}/${PREFIX}`,
    ports: { prometheus: prometheusPort, alertmanager: alertmanagerPort, grafana: grafanaPort, nodeExporter: nodeExporterPort, admin: adminPort },
    targets: [`127.0.0.1:${labelsPort}`, `127.0.0.1:${envPort}`],
  })}\n`,
);

async function shutdown(): Promise<void> {
  await aws.stop();
  for (const server of [labelsTarget, envTarget]) server.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
