import process from 'node:process';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AdminServer } from '../admin/admin-server.ts';
import { createLogger } from '../log.ts';
import { registerSecretsFromEnvironment } from '../secrets.ts';
import { stopOnSignals } from '../processes/shutdown.ts';
import { Appliance } from '../appliance/appliance.ts';
import { settingsFromEnvironment } from '../appliance/settings.ts';
import { readCommandLine } from './command-line.ts';

const USAGE = `usage: ecs-appliance run

Runs the appliance: polls the config bundle (CONFIG_LOCATION; unset: the built-in default),
renders and validates it, runs Prometheus, Alertmanager, node-exporter and Grafana, discovers ECS
targets, signs AMP remote_write when configured, and serves /healthz, /readyz, /status and
/metrics on APPLIANCE_ADMIN_ADDR (unset: the bundle's listen.adminHost:listen.admin, by default
127.0.0.1:9901).

  SIGTERM, SIGINT  stop everything in order within APPLIANCE_STOP_BUDGET (default 25s); exit 0 when clean
  SIGHUP           poll the config source now

Environment: CONFIG_LOCATION, CONFIG_POLL_INTERVAL (default 60s), CONFIG_ALLOW_HTTP,
APPLIANCE_DATA_DIR, APPLIANCE_ADMIN_ADDR, APPLIANCE_DISABLE, APPLIANCE_STOP_BUDGET, *_BIN, AWS_*.
`;

/** How long a stopped appliance waits for stray handles (idle sockets) before exiting anyway. */
const EXIT_GRACE_MS = 2_000;

export async function main(argv: string[]): Promise<number> {
  const parsed = readCommandLine('run', USAGE, { args: argv, options: { help: { type: 'boolean', short: 'h' } } });
  if (typeof parsed === 'number') return parsed;

  let settings;
  try {
    settings = settingsFromEnvironment(process.env);
  } catch (error) {
    process.stderr.write(`ecs-appliance run: ${(error as Error).message}\n`);
    return 2;
  }

  registerSecretsFromEnvironment(process.env);
  const logger = createLogger();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const admin = new AdminServer({ registry, logger });
  const appliance = new Appliance({ settings, logger, registry, admin });
  appliance.registerWith(admin);
  const stopped = stopOnSignals({ stoppable: appliance, logger, budgetMs: settings.stopBudgetMs });
  const onHangup = () => appliance.pollNow();
  process.on('SIGHUP', onHangup);
  try {
    await appliance.start();
  } catch (error) {
    logger.fatal({ error: (error as Error).message }, 'the appliance cannot start');
    await appliance.stop(settings.stopBudgetMs);
    return 1;
  }

  const { signal, report } = await stopped;
  process.off('SIGHUP', onHangup);
  const forced = report.steps.filter((step) => step.forced).map((step) => step.name);
  const failed = report.steps.filter((step) => step.error !== undefined).map((step) => ({ part: step.name, error: step.error }));
  logger.info({ signal, durationMs: report.durationMs, forced, ...(failed.length > 0 ? { failed } : {}) }, forced.length === 0 ? 'stopped cleanly' : 'stopped; some components had to be killed');
  setTimeout(() => process.exit(process.exitCode ?? 0), EXIT_GRACE_MS).unref();
  return forced.length === 0 ? 0 : 1;
}
