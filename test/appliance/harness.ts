/**
 * Helpers for driving `ecs-appliance run` as a real child process against the fake AWS: a world
 * whose tasks point at exporters on loopback, a task metadata endpoint, a Grafana stand-in laid out
 * like a Grafana home, and small clients for the admin endpoint and Prometheus's HTTP API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorldSpec } from '../fake-aws/index.ts';
export { alive } from '../processes/fixtures.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';
export const OWN_CLUSTER = 'e2e-cluster';

/** Retries `check` until it returns a value other than undefined/false, or fails after `timeoutMs` with the last problem. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = 'never checked';
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = `returned ${String(value)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(200);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (${String(last)})`);
}

/** A tiny Prometheus-format exporter on 127.0.0.1:0 that counts its scrapes. */
export async function startExporter(name: string): Promise<{ port: number; scrapes: () => number; close: () => Promise<void> }> {
  let scrapes = 0;
  const server: Server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    scrapes++;
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(`# TYPE e2e_exporter_scrapes_total counter\ne2e_exporter_scrapes_total{exporter="${name}"} ${scrapes}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    scrapes: () => scrapes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The appliance's own cluster holds an exporter opted in by Docker labels and one that only a
 * central rule makes a target; another cluster holds an opted-in exporter that must stay
 * unwatched, because on ECS the appliance defaults to watching its own cluster.
 */
export function e2eWorld(ports: { labelled: number; ruleOnly: number; otherCluster: number }): WorldSpec {
  const fargate = (id: string, family: string) => ({ id, taskDefinition: `${family}:1`, service: family, lastStatus: 'RUNNING' as const, launchType: 'FARGATE' as const, az: `${REGION}a`, privateIp: '127.0.0.1' });
  const labelled = (port: number) => ({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port) });
  return {
    accounts: [
      {
        id: ACCOUNT,
        regions: [
          {
            name: REGION,
            taskDefinitions: [
              { family: 'labelled', revision: 1, networkMode: 'awsvpc', containers: [{ name: 'labelled', image: 'e2e/labelled:1', portMappings: [{ containerPort: ports.labelled }], dockerLabels: labelled(ports.labelled) }] },
              { family: 'rule-only', revision: 1, networkMode: 'awsvpc', containers: [{ name: 'rule-only', image: 'e2e/rule-only:1', portMappings: [{ containerPort: ports.ruleOnly }] }] },
              { family: 'elsewhere', revision: 1, networkMode: 'awsvpc', containers: [{ name: 'elsewhere', image: 'e2e/elsewhere:1', portMappings: [{ containerPort: ports.otherCluster }], dockerLabels: labelled(ports.otherCluster) }] },
            ],
            clusters: [
              {
                name: OWN_CLUSTER,
                services: [{ name: 'labelled' }, { name: 'rule-only' }],
                tasks: [fargate('0a1b2c3d4e5f40718293a4b5c6d7e8f9', 'labelled'), fargate('1b2c3d4e5f6a41829304b5c6d7e8f901', 'rule-only')],
              },
              { name: 'other-cluster', services: [{ name: 'elsewhere' }], tasks: [fargate('2c3d4e5f6a7b42939415c6d7e8f90a12', 'elsewhere')] },
            ],
          },
        ],
      },
    ],
  };
}

/** An ECS task metadata endpoint v4 saying this task runs in `cluster`. */
export async function startMetadataEndpoint(cluster: string): Promise<{ uri: string; close: () => Promise<void> }> {
  const taskArn = `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${cluster}/9f8e7d6c5b4a43219876fedcba012345`;
  const server = createServer((request, response) => {
    const body =
      request.url === '/v4/task'
        ? { Cluster: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${cluster}`, TaskARN: taskArn, Family: 'ecs-appliance', Revision: '4', AvailabilityZone: `${REGION}b`, LaunchType: 'FARGATE' }
        : { Name: 'ecs-appliance', DockerId: 'abc123', Networks: [{ IPv4Addresses: ['127.0.0.1'] }] };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as { port: number }).port}/v4`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A Grafana home (bin/grafana, conf/defaults.ini) whose binary is the stand-in, so GRAFANA_BIN's home is found the real way. */
export async function grafanaStandInHome(dir: string): Promise<string> {
  const home = join(dir, 'grafana-home');
  await mkdir(join(home, 'bin'), { recursive: true });
  await mkdir(join(home, 'conf'), { recursive: true });
  await writeFile(join(home, 'conf', 'defaults.ini'), '[server]\nhttp_port = 3000\n');
  const tsx = fileURLToPath(import.meta.resolve('tsx'));
  const standIn = fileURLToPath(new URL('../processes/grafana-stand-in.ts', import.meta.url));
  const binary = join(home, 'bin', 'grafana');
  await writeFile(binary, `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${standIn}" "$@"\n`);
  await chmod(binary, 0o755);
  return binary;
}

export interface RunningAppliance {
  child: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Array<Record<string, unknown>>;
  /** Non-JSON output (Node warnings), kept for failure messages. */
  otherOutput: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  admin: string;
}

/** Spawns `node --import tsx supervisor/cli.ts run` with `env` added to a clean environment. */
export function spawnAppliance(env: Record<string, string>, adminPort: number): RunningAppliance {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'supervisor', 'cli.ts'), 'run'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const otherOutput: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        otherOutput.push(line);
      }
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, logs, otherOutput, exited, admin: `http://127.0.0.1:${adminPort}` };
}

export async function getJson<T = Record<string, unknown>>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as T };
}

export async function getText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  return response.text();
}

/** Instant query against Prometheus's HTTP API: the samples' label sets and values. */
export async function promQuery(prometheus: string, expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const { body } = await getJson<{ status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }>(`${prometheus}/api/v1/query?query=${encodeURIComponent(expr)}`);
  if (body.status !== 'success') throw new Error(`query ${expr} failed`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

