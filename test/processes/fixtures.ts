import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../supervisor/log.ts';
import type { ProcessTimings } from '../../supervisor/processes/component-process.ts';
import type { ComponentSettings } from '../../supervisor/processes/specs.ts';
import { PROGRAMS } from '../programs.ts';
import { freePort } from './free-port.ts';

/** Fast clocks so restarts and crash loops happen within a test's time. */
export const fastTimings: Partial<ProcessTimings> = {
  probeIntervalMs: 200,
  startupProbeIntervalMs: 100,
  probeTimeoutMs: 1_000,
  livenessFailureThreshold: 3,
  startupGraceMs: 10_000,
  livenessKillGraceMs: 2_000,
  backoff: { initialMs: 100, maxMs: 1_000 },
  stablePeriodMs: 5_000,
  crashLoopThreshold: 3,
  reload: { timeoutMs: 10_000, pollMs: 100, settleMs: 1_500 },
};

/** A logger whose JSON lines are kept for assertions (and checked to be one JSON object per line). */
export function capturingLogger(): { logger: Logger; records: () => Array<Record<string, unknown>> } {
  const lines: string[] = [];
  let pending = '';
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts);
      callback();
    },
  });
  return {
    logger: createLogger({ level: 'debug', destination }),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export const prometheusConfig = (port: number) =>
  `global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`;
export const brokenPrometheusConfig = 'scrape_configs:\n  - job_name: broken\n    no_such_field: true\n';
export const alertmanagerConfig = 'route:\n  receiver: default\nreceivers:\n  - name: default\n';
export const brokenAlertmanagerConfig = 'route:\n  receiver: missing\nreceivers:\n  - name: default\n';

export interface Workspace {
  dir: string;
  settings: ComponentSettings;
  remove(): Promise<void>;
}

/**
 * A temp directory with minimal configs for the real Prometheus and Alertmanager, a Grafana home for
 * the stand-in, free ports, and settings pointing at all of it.
 */
export async function makeWorkspace(enabled: Partial<ComponentSettings['enabled']>): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'appliance-processes-'));
  const ports = { prometheus: await freePort(), alertmanager: await freePort(), grafana: await freePort(), 'node-exporter': await freePort() };
  const grafanaHome = join(dir, 'grafana-home');
  await mkdir(join(grafanaHome, 'conf'), { recursive: true });
  await writeFile(join(grafanaHome, 'conf', 'defaults.ini'), '[server]\nhttp_port = 3000\n');
  await writeFile(join(dir, 'prometheus.yml'), prometheusConfig(ports.prometheus));
  await writeFile(join(dir, 'alertmanager.yml'), alertmanagerConfig);
  const grafanaBin = join(dir, 'grafana');
  const tsx = fileURLToPath(import.meta.resolve('tsx'));
  const standIn = fileURLToPath(new URL('./grafana-stand-in.ts', import.meta.url));
  await writeFile(grafanaBin, `#!/bin/sh\nexec "${process.execPath}" --import "${tsx}" "${standIn}" "$@"\n`);
  await chmod(grafanaBin, 0o755);
  return {
    dir,
    settings: {
      dataDir: join(dir, 'data'),
      listenHost: '127.0.0.1',
      ports,
      binaries: { ...PROGRAMS, grafana: grafanaBin },
      enabled: { prometheus: false, alertmanager: false, grafana: false, 'node-exporter': false, ...enabled },
      prometheus: { configFile: join(dir, 'prometheus.yml'), retention: '1d' },
      alertmanager: { configFile: join(dir, 'alertmanager.yml') },
      nodeExporter: {},
      grafana: { homePath: grafanaHome },
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Whether a process with this pid exists (a zombie counts as gone once reaped by its parent). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it is true or `timeoutMs` passes; returns the last answer. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}
