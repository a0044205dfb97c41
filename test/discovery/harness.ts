import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { silentLogger } from '../../supervisor/log.ts';
import { DiscoveryService } from '../../supervisor/discovery/service.ts';
import { discoverySettingsSchema, type DiscoverySettingsInput } from '../../supervisor/discovery/settings.ts';
import { startFakeAws, type FakeAws } from '../fake-aws/index.ts';

export interface Harness {
  aws: FakeAws;
  outDir: string;
  registry: Registry;
  service: DiscoveryService;
  /** The file_sd groups of every target file, keyed by file name. */
  readTargets(): Promise<Map<string, FileSdGroup[]>>;
  close(): Promise<void>;
}

export interface FileSdGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * A fake AWS on loopback and a discovery service pointed at it through the standard environment
 * variables, as a user would point it at LocalStack: the real SDK clients do the talking.
 */
export async function startHarness(world: unknown, settings: DiscoverySettingsInput = {}, fakeOptions: { latencyMs?: number; outDir?: string } = {}): Promise<Harness> {
  const aws = await startFakeAws({ world, ...(fakeOptions.latencyMs !== undefined ? { latencyMs: fakeOptions.latencyMs } : {}) });
  Object.assign(process.env, aws.env);
  const outDir = fakeOptions.outDir ?? (await mkdtemp(path.join(tmpdir(), 'discovery-test-')));
  const registry = new Registry();
  const service = new DiscoveryService({
    settings: discoverySettingsSchema.parse(settings),
    outDir,
    logger: silentLogger,
    registry,
    fallbackRegion: aws.env.AWS_REGION,
    requestTimeoutMs: 1_000,
  });
  return {
    aws,
    outDir,
    registry,
    service,
    readTargets: () => readTargetFiles(outDir),
    async close() {
      await service.stop();
      await aws.stop();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

export async function readTargetFiles(dir: string): Promise<Map<string, FileSdGroup[]>> {
  const files = new Map<string, FileSdGroup[]>();
  for (const name of (await readdir(dir)).sort()) {
    if (name.endsWith('.json')) files.set(name, JSON.parse(await readFile(path.join(dir, name), 'utf8')) as FileSdGroup[]);
  }
  return files;
}

/** Every group of every file, flattened: for assertions that do not care which file. */
export function allGroups(files: Map<string, FileSdGroup[]>): FileSdGroup[] {
  return [...files.values()].flat();
}

export function targetsOf(files: Map<string, FileSdGroup[]>): string[] {
  return allGroups(files)
    .map((g) => `${g.targets[0]}${g.labels.__metrics_path__}`)
    .sort();
}

export async function apiCalls(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('ecs_appliance_discovery_api_calls_total')!.get();
  const calls: Record<string, number> = {};
  for (const v of metric.values) {
    const key = `${v.labels.operation}:${v.labels.outcome}`;
    calls[key] = (calls[key] ?? 0) + v.value;
  }
  return calls;
}
