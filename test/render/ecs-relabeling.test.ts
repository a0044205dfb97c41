import assert from 'node:assert/strict';
import { execa, type ResultPromise } from 'execa';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readDefaultBundle } from '../../supervisor/config/default-bundle.ts';
import { eventually } from '../appliance/harness.ts';
import { startHarness, type Harness } from '../discovery/harness.ts';
import { containerInstance, world } from '../discovery/world-builders.ts';
import { freePort } from '../processes/free-port.ts';
import { PROGRAMS } from '../programs.ts';
import { APPLIANCE_IDENTITY, folderBundle, resolveRelease, tempDir } from './fixtures.ts';

const CLUSTER_ARN = 'arn:aws:ecs:us-east-1:111111111111:cluster/prod';
const taskArn = (id: string) => `arn:aws:ecs:us-east-1:111111111111:task/prod/${id}`;
const API_TASK = taskArn('0a1b2c3d4e5f');
const WORKER_TASK = taskArn('9f8e7d6c5b4a');

/** cAdvisor as run on a container instance with the whitelisted ECS docker labels: two task containers, the host and the ECS agent. */
const CADVISOR_TEXT = [
  '# TYPE container_cpu_usage_seconds_total counter',
  `container_cpu_usage_seconds_total{container_label_com_amazonaws_ecs_cluster="${CLUSTER_ARN}",container_label_com_amazonaws_ecs_container_name="api",container_label_com_amazonaws_ecs_task_arn="${API_TASK}",container_label_com_amazonaws_ecs_task_definition_family="api",container_label_com_amazonaws_ecs_task_definition_version="12",cpu="total",id="/ecs/0a1b2c3d4e5f/77aa",image="example/api:12",name="ecs-api-12-api-d8f0"} 12.5`,
  'container_cpu_usage_seconds_total{container_label_com_amazonaws_ecs_cluster="prod",container_label_com_amazonaws_ecs_container_name="worker",' +
    `container_label_com_amazonaws_ecs_task_arn="${WORKER_TASK}",container_label_com_amazonaws_ecs_task_definition_family="worker",container_label_com_amazonaws_ecs_task_definition_version="3",cpu="total",id="/ecs/9f8e7d6c5b4a/88bb",image="example/worker:3",name="ecs-worker-3-worker-aa01"} 3`,
  'container_cpu_usage_seconds_total{cpu="total",id="/"} 900',
  'container_cpu_usage_seconds_total{cpu="total",id="/docker/ecs-agent",image="amazon/amazon-ecs-agent:latest",name="ecs-agent"} 40',
  '# TYPE container_memory_working_set_bytes gauge',
  `container_memory_working_set_bytes{container_label_com_amazonaws_ecs_cluster="${CLUSTER_ARN}",container_label_com_amazonaws_ecs_container_name="api",container_label_com_amazonaws_ecs_task_arn="${API_TASK}",container_label_com_amazonaws_ecs_task_definition_family="api",container_label_com_amazonaws_ecs_task_definition_version="12",id="/ecs/0a1b2c3d4e5f/77aa",image="example/api:12",name="ecs-api-12-api-d8f0"} 2.5e+08`,
  '# TYPE machine_cpu_cores gauge',
  'machine_cpu_cores{boot_id="b-1",machine_id="m-1",system_uuid="u-1"} 2',
  '',
].join('\n');

/** ecs_exporter v0.4.0's own exposition (its Fargate test snapshot), for the task the fake runs. */
const ECS_EXPORTER_TEXT = (task: string) =>
  [
    '# TYPE ecs_container_cpu_usage_seconds_total counter',
    'ecs_container_cpu_usage_seconds_total{container_name="ecs-exporter"} 0.322633383',
    'ecs_container_cpu_usage_seconds_total{container_name="web"} 0.9324394920000001',
    '# TYPE ecs_container_memory_usage_bytes gauge',
    'ecs_container_memory_usage_bytes{container_name="web"} 1.27934464e+08',
    '# TYPE ecs_network_receive_bytes_total counter',
    'ecs_network_receive_bytes_total{interface="eth1"} 1.29046293e+08',
    '# TYPE ecs_task_cpu_limit_vcpus gauge',
    'ecs_task_cpu_limit_vcpus 0.25',
    '# TYPE ecs_task_metadata_info gauge',
    `ecs_task_metadata_info{availability_zone="us-east-1b",cluster="${CLUSTER_ARN}",desired_status="RUNNING",family="web",known_status="RUNNING",launch_type="FARGATE",revision="3",task_arn="${task}"} 1`,
    '',
  ].join('\n');

/** An application whose own labels share names with what the cAdvisor and ecs_exporter rules remove. */
const APP_TEXT = '# TYPE app_requests_total counter\napp_requests_total{container_name="c",exported_cluster="e",id="7",image="i",name="checkout"} 5\n';
const NODE_TEXT = '# TYPE node_load1 gauge\nnode_load1 0.5\n';

type Series = Record<string, string>;

async function serve(body: () => Promise<string> | string): Promise<{ server: Server; port: number }> {
  const server = createServer((_req, res) => {
    void Promise.resolve(body()).then((text) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe("the appliance's Prometheus config reshapes the built-in exporters' series, and only theirs", () => {
  let h: Harness;
  let servers: Server[];
  let prometheus: ResultPromise;
  let promUrl: string;
  let dataDir: string;
  let ports: Record<'cadvisor' | 'ecsExporter' | 'node' | 'app' | 'admin', number>;
  const webTask = taskArn('w1');
  const cadvisorTask = taskArn('cadv1');

  before(async () => {
    dataDir = await tempDir('ecs-relabeling-');
    const started = {
      cadvisor: await serve(() => CADVISOR_TEXT),
      ecsExporter: await serve(() => ECS_EXPORTER_TEXT(webTask)),
      node: await serve(() => NODE_TEXT),
      app: await serve(() => APP_TEXT),
      // The admin endpoint's /metrics: the task series discovery makes of the fake ECS below.
      admin: await serve(() => h.registry.metrics()),
    };
    servers = Object.values(started).map((s) => s.server);
    ports = Object.fromEntries(Object.entries(started).map(([name, s]) => [name, s.port])) as typeof ports;

    // Exporters on 127.0.0.1 listen on free ports, not their own: central rules move them there,
    // keeping each built-in's job.
    const moved = (name: string, image: string, port: number) => ({ name, image, endpoints: [{ port }] });
    h = await startHarness(
      world({
        taskDefinitions: [
          { family: 'cadvisor', revision: 1, networkMode: 'host', containers: [{ name: 'cadvisor', image: 'gcr.io/cadvisor/cadvisor:v0.52.1' }] },
          { family: 'node-exporter', revision: 1, networkMode: 'host', containers: [{ name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.12.1' }] },
          {
            family: 'web',
            revision: 3,
            networkMode: 'awsvpc',
            containers: [
              { name: 'web', image: 'example/web:3', dockerLabels: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(ports.app), 'prometheus.io/job': 'app' } },
              { name: 'ecs-exporter', image: 'quay.io/prometheuscommunity/ecs-exporter:v0.4.0' },
            ],
          },
        ],
        clusters: [
          {
            name: 'prod',
            containerInstances: [containerInstance('ci-1', '127.0.0.1', 'i-0feedfacecafe0001')],
            services: [{ name: 'cadvisor', schedulingStrategy: 'DAEMON' }, { name: 'node-exporter', schedulingStrategy: 'DAEMON' }, { name: 'web' }],
            tasks: [
              { id: 'cadv1', taskDefinition: 'cadvisor:1', service: 'cadvisor', lastStatus: 'RUNNING', launchType: 'EC2', containerInstance: 'ci-1', az: 'us-east-1a' },
              { id: 'node1', taskDefinition: 'node-exporter:1', service: 'node-exporter', lastStatus: 'RUNNING', launchType: 'EC2', containerInstance: 'ci-1', az: 'us-east-1a' },
              { id: 'w1', taskDefinition: 'web:3', service: 'web', lastStatus: 'RUNNING', launchType: 'FARGATE', az: 'us-east-1b', privateIp: '127.0.0.1' },
            ],
          },
        ],
      }),
      {
        rules: [
          moved('cadvisor-here', 'cadvisor/cadvisor', ports.cadvisor),
          moved('node-here', 'prometheus/node-exporter', ports.node),
          moved('ecs-exporter-here', 'prometheuscommunity/ecs-exporter', ports.ecsExporter),
        ],
      },
      { outDir: path.join(dataDir, 'targets') },
    );
    await h.service.runCycle();

    const bundle = folderBundle({ 'appliance.yml': `listen:\n  admin: ${ports.admin}\nprometheus:\n  scrapeInterval: 1s\n  scrapeTimeout: 1s\n` });
    const { files } = await resolveRelease(bundle, await readDefaultBundle(), { dataDir, identity: APPLIANCE_IDENTITY });
    const configDir = path.join(dataDir, 'config');
    await mkdir(configDir, { recursive: true });
    // The rendered prometheus.yml alone: the rule files are other tests' business.
    await writeFile(path.join(configDir, 'prometheus.yml'), files.get('prometheus/prometheus.yml')!);
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prometheus = execa(
      PROGRAMS.prometheus,
      [`--config.file=${path.join(configDir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dataDir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`],
      { reject: false, stdio: 'ignore' },
    );
  });

  after(async () => {
    prometheus?.kill('SIGTERM');
    await prometheus;
    await h?.close();
    for (const server of servers ?? []) await new Promise((resolve) => server.close(resolve));
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Every series matching `selector` once Prometheus has `count` of them, labels sorted by name. */
  async function series(selector: string, count: number): Promise<Series[]> {
    const found = await eventually(`${count} series for ${selector}`, 30_000, async () => {
      const answer = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(selector)}`).catch(() => undefined);
      if (!answer?.ok) return undefined;
      const body = (await answer.json()) as { data: { result: { metric: Series }[] } };
      return body.data.result.length >= count ? body.data.result.map((r) => r.metric) : undefined;
    });
    return found.map((metric) => Object.fromEntries(Object.entries(metric).sort(([a], [b]) => a.localeCompare(b)))).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }

  const target = (port: number, more: Series): Series => ({
    account: '111111111111',
    instance: `127.0.0.1:${port}`,
    region: 'us-east-1',
    ...more,
  });

  it("cAdvisor: task containers only, keyed by their own cluster name, task and container, without the daemon's service or cAdvisor's ids", async () => {
    const daemon = { availability_zone: 'us-east-1a', job: 'cadvisor', launch_type: 'EC2' };
    assert.deepEqual(await series('container_cpu_usage_seconds_total', 2), [
      { __name__: 'container_cpu_usage_seconds_total', ...target(ports.cadvisor, daemon), cluster: 'prod', container: 'api', cpu: 'total', task_arn: API_TASK, task_family: 'api' },
      { __name__: 'container_cpu_usage_seconds_total', ...target(ports.cadvisor, daemon), cluster: 'prod', container: 'worker', cpu: 'total', task_arn: WORKER_TASK, task_family: 'worker' },
    ].map(sorted));
    const [memory] = await series('container_memory_working_set_bytes', 1);
    assert.deepEqual(memory, sorted({ __name__: 'container_memory_working_set_bytes', ...target(ports.cadvisor, daemon), cluster: 'prod', container: 'api', task_arn: API_TASK, task_family: 'api' }));
    const [machine] = await series('machine_cpu_cores', 1);
    assert.deepEqual(
      machine,
      sorted({
        __name__: 'machine_cpu_cores',
        ...target(ports.cadvisor, daemon),
        boot_id: 'b-1',
        machine_id: 'm-1',
        system_uuid: 'u-1',
        cluster: 'prod',
        service: 'cadvisor',
        container: 'cadvisor',
        task_arn: cadvisorTask,
        task_family: 'cadvisor',
      }),
      "other cAdvisor series keep the daemon's labels",
    );
  });

  it("ecs_exporter: container from container_name, none on task series, and the target's cluster and task over the exporter's", async () => {
    const sidecar = target(ports.ecsExporter, { availability_zone: 'us-east-1b', cluster: 'prod', job: 'ecs-exporter', launch_type: 'FARGATE', service: 'web', task_arn: webTask, task_family: 'web' });
    assert.deepEqual(await series('ecs_container_cpu_usage_seconds_total', 2), [
      sorted({ __name__: 'ecs_container_cpu_usage_seconds_total', ...sidecar, container: 'ecs-exporter' }),
      sorted({ __name__: 'ecs_container_cpu_usage_seconds_total', ...sidecar, container: 'web' }),
    ]);
    assert.deepEqual(await series('ecs_task_cpu_limit_vcpus', 1), [sorted({ __name__: 'ecs_task_cpu_limit_vcpus', ...sidecar })]);
    assert.deepEqual(await series('ecs_network_receive_bytes_total', 1), [sorted({ __name__: 'ecs_network_receive_bytes_total', ...sidecar, interface: 'eth1' })]);
    assert.deepEqual(await series('ecs_task_metadata_info', 1), [
      sorted({ __name__: 'ecs_task_metadata_info', ...sidecar, desired_status: 'RUNNING', family: 'web', known_status: 'RUNNING', revision: '3' }),
    ]);
  });

  it('node-exporter: the daemon target with the EC2 instance id', async () => {
    const [load] = await series('node_load1', 1);
    assert.equal(load!.job, 'ecs-node');
    assert.equal(load!.instance_id, 'i-0feedfacecafe0001');
    assert.equal(load!.cluster, 'prod');
  });

  it("leaves every other target's series as they were, same-named labels included", async () => {
    const [app] = await series('app_requests_total', 1);
    assert.deepEqual(
      app,
      sorted({
        __name__: 'app_requests_total',
        ...target(ports.app, { availability_zone: 'us-east-1b', cluster: 'prod', job: 'app', launch_type: 'FARGATE', service: 'web', task_arn: webTask, task_family: 'web' }),
        container: 'web',
        container_name: 'c',
        exported_cluster: 'e',
        id: '7',
        image: 'i',
        name: 'checkout',
      }),
    );
  });

  it("the appliance's own task series keep their cluster and availability zone over the appliance's identity labels", async () => {
    const info = await series('ecs_appliance_task_info{service="web"}', 1);
    assert.equal(info.length, 1);
    assert.equal(info[0]!.job, 'ecs-appliance');
    assert.equal(info[0]!.availability_zone, 'us-east-1b', "the task's zone, not the appliance's eu-west-1a");
    assert.equal(info[0]!.cluster, 'prod');
    assert.equal(info[0]!.task_arn, webTask);
    assert.equal(info[0]!.ecs_cluster, 'monitoring', "the appliance's identity labels stay beside them");
    assert.deepEqual(Object.keys(info[0]!).filter((name) => name.startsWith('exported_')), []);
  });
});

function sorted(series: Series): Series {
  return Object.fromEntries(Object.entries(series).sort(([a], [b]) => a.localeCompare(b)));
}
