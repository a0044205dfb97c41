/**
 * What the benchmarks that run the whole appliance share: the compiled `ecs-appliance run`, started
 * as the image starts it, and reading a process's memory from /proc (Linux only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { REPO_ROOT } from '../test/appliance/harness.ts';
import { freePort } from '../test/processes/free-port.ts';
import type { PrometheusFamily } from '../supervisor/demo/shipped-programs.ts';

/** docker/Dockerfile's settings for the supervisor: its ENTRYPOINT's Node flags and its MALLOC_ARENA_MAX. */
export const IMAGE_NODE_FLAGS = '--optimize-for-size';
export const IMAGE_MALLOC_ARENA_MAX = '2';

/** parseArgs options of every benchmark that runs the compiled appliance. */
export const APPLIANCE_OPTIONS = {
  'skip-build': { type: 'boolean', default: false },
  /** glibc malloc arenas for the supervisor; the default is docker/Dockerfile's ENV ('' for glibc's own). */
  'malloc-arena-max': { type: 'string', default: IMAGE_MALLOC_ARENA_MAX },
  /** Node flags for the supervisor; the default is what docker/Dockerfile's ENTRYPOINT uses. */
  'node-flags': { type: 'string', default: IMAGE_NODE_FLAGS },
} as const;

export type AppliancePorts = Record<'prometheus' | 'alertmanager' | 'nodeExporter' | 'admin', number>;

export async function appliancePorts(): Promise<AppliancePorts> {
  return { prometheus: await freePort(), alertmanager: await freePort(), nodeExporter: await freePort(), admin: await freePort() };
}

/** The bundle's `listen` section: every component on 127.0.0.1 at `ports`. */
export function listenSection(ports: AppliancePorts): string {
  return `listen:
  host: 127.0.0.1
  prometheus: ${ports.prometheus}
  alertmanager: ${ports.alertmanager}
  nodeExporter: ${ports.nodeExporter}
  admin: ${ports.admin}
`;
}

export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Polls `check` until it gives a value; a check that throws counts as "not yet". */
export async function until<T>(what: string, timeoutMs: number, intervalMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch {
      // not up yet
    }
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

/** `npm run build`, so the compiled supervisor is measured, as the image runs it. */
export async function buildDist(): Promise<void> {
  await execa('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'ignore' });
}

export interface ApplianceLaunch {
  binaries: PrometheusFamily;
  /** The AWS SDK's environment for the fake AWS (FakeAws.env). */
  awsEnv: Record<string, string>;
  configLocation: string;
  adminPort: number;
  dataDir: string;
  /** Space-separated Node flags for the supervisor. */
  nodeFlags: string;
  /** glibc malloc arenas for the supervisor; '' for glibc's own default. */
  mallocArenaMax: string;
  extraEnv?: Record<string, string>;
}

/** `node dist/supervisor/cli.js run` (Grafana off) with the given Prometheus family; build first. */
export function spawnAppliance(launch: ApplianceLaunch): ChildProcess {
  const { binaries } = launch;
  return spawn(process.execPath, [...launch.nodeFlags.split(' ').filter(Boolean), join(REPO_ROOT, 'dist/supervisor/cli.js'), 'run'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      ...launch.awsEnv,
      CONFIG_LOCATION: launch.configLocation,
      APPLIANCE_DATA_DIR: launch.dataDir,
      APPLIANCE_ADMIN_ADDR: `127.0.0.1:${launch.adminPort}`,
      APPLIANCE_DISABLE: 'grafana',
      PROMETHEUS_BIN: binaries.prometheus,
      PROMTOOL_BIN: binaries.promtool,
      ALERTMANAGER_BIN: binaries.alertmanager,
      AMTOOL_BIN: binaries.amtool,
      NODE_EXPORTER_BIN: binaries.nodeExporter,
      NODE_ENV: 'production',
      ...launch.extraEnv,
      // glibc's malloc arenas, one per thread by default, hold on to freed memory; the image caps them.
      ...(launch.mallocArenaMax ? { MALLOC_ARENA_MAX: launch.mallocArenaMax } : {}),
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
}
