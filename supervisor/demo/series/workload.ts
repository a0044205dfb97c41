import type { DemoContainer, DemoTask } from '../estate.ts';

/**
 * How each demo container behaves over time, the one model cAdvisor's and ecs_exporter's series
 * are both drawn from, so the two agree where they see the same container. Pure: the same
 * container at the same second gives the same figures; counters only grow, except where a
 * container restarts.
 */
export interface ContainerUsage {
  /** Since the container's (re)start: a restarted container's cgroup starts from zero. */
  cpuSeconds: number;
  workingSetBytes: number;
  /** Working set plus inactive page cache: what "usage" means to cgroups. */
  usageBytes: number;
  cacheBytes: number;
  rssBytes: number;
  /** The limit the model grows towards: the container's, else its task's, else a nominal size. */
  limitBytes: number;
  restarts: number;
  oomEvents: number;
}

export interface NetworkCounters {
  receiveBytes: number;
  transmitBytes: number;
  receivePackets: number;
  transmitPackets: number;
  receiveErrors: number;
  transmitErrors: number;
  receiveDropped: number;
  transmitDropped: number;
}

/** The demo's two troubled containers, so the bundled alerts have something to show. */
const NEAR_MEMORY_LIMIT = new Set(['inventory']);
/** OOM-killed when its memory reaches the limit, and restarted in place (a restart policy): every 4 minutes. */
const OOM_RESTARTING = new Map([['orders', 240]]);

const MIB = 1024 * 1024;
/** What a container without any memory limit is sized against. */
const NOMINAL_BYTES = 256 * MIB;

/** A stable number in [0, 1) per name, so each container has its own level and phase. */
export function spread(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 16777619);
  return (hash >>> 0) / 2 ** 32;
}

/** A stable hex string of `length` digits from a name: docker ids, ECS's container name suffixes. */
export function hex(name: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += Math.floor(spread(`${name}#${i}`) * 2 ** 32).toString(16).padStart(8, '0');
  return out.slice(0, length);
}

/** ∫ base·(1 + 0.4·sin(2πt/period + phase)) dt from `from` to `to`: a rate that never drops below 0.6·base. */
function waveIntegral(base: number, from: number, to: number, phase: number, period = 600): number {
  const w = (2 * Math.PI) / period;
  return base * (to - from) - ((base * 0.4) / w) * (Math.cos(w * to + phase) - Math.cos(w * from + phase));
}

export function isRestartPolicied(container: DemoContainer): boolean {
  return OOM_RESTARTING.has(container.name);
}

/** The cores a container uses on average; its usage waves around it. */
export function averageCpuCores(task: DemoTask, container: DemoContainer): number {
  return 0.01 + 0.15 * spread(`${task.taskArn}/${container.name}`);
}

export function containerUsage(task: DemoTask, container: DemoContainer, now: number): ContainerUsage {
  const h = spread(`${task.taskArn}/${container.name}`);
  const limitBytes = container.memoryBytes ?? task.memoryBytes ?? NOMINAL_BYTES;
  const cpuBase = averageCpuCores(task, container);
  const restartEvery = OOM_RESTARTING.get(container.name);
  const elapsed = Math.max(0, now - task.startedAt);
  let since = task.startedAt;
  let fraction = 0.2 + 0.3 * h + 0.04 * Math.sin(now / 900 + h * 6);
  let restarts = 0;
  if (restartEvery !== undefined) {
    restarts = Math.floor(elapsed / restartEvery);
    since = task.startedAt + restarts * restartEvery;
    fraction = 0.5 + 0.49 * ((now - since) / restartEvery);
  } else if (NEAR_MEMORY_LIMIT.has(container.name)) {
    fraction = 0.94 + 0.02 * Math.sin(now / 300);
  }
  const workingSetBytes = Math.round(limitBytes * fraction);
  const cacheBytes = Math.round(8 * MIB + 0.08 * workingSetBytes);
  return {
    cpuSeconds: waveIntegral(cpuBase, since, Math.max(since, now), h * 6),
    workingSetBytes,
    usageBytes: workingSetBytes + cacheBytes,
    cacheBytes,
    rssBytes: Math.round(workingSetBytes * 0.85),
    limitBytes,
    restarts,
    oomEvents: restarts,
  };
}

/** The counters of one network namespace (an awsvpc task, a bridge container, a host) since `since`. */
export function networkCounters(namespace: string, since: number, now: number): NetworkCounters {
  const h = spread(namespace);
  const receiveBytes = Math.round(waveIntegral(20_000 + 180_000 * h, since, now, h * 6, 900));
  const transmitBytes = Math.round(waveIntegral(15_000 + 120_000 * h, since, now, h * 6 + 1, 900));
  const receivePackets = Math.round(receiveBytes / 800);
  const transmitPackets = Math.round(transmitBytes / 700);
  return {
    receiveBytes,
    transmitBytes,
    receivePackets,
    transmitPackets,
    receiveErrors: Math.floor(receivePackets / 2_000_000),
    transmitErrors: 0,
    receiveDropped: Math.floor(receivePackets / 500_000),
    transmitDropped: 0,
  };
}
