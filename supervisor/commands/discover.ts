import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createLogger } from '../log.ts';
import { explainText } from '../discovery/explain.ts';
import { DiscoveryService, type CycleReport } from '../discovery/service.ts';
import { discoveryOverridesFromEnvironment, discoveryOverridesFromFlags } from '../discovery/overrides.ts';
import { resolveSettings } from '../discovery/resolve-settings.ts';
import type { DiscoverySettings } from '../discovery/settings.ts';
import { cycleSummary } from '../discovery/summary.ts';

const HELP = `usage: ecs-appliance discover [--once] [--out DIR] [options]

Finds every ECS container that opted in to scraping and writes Prometheus file_sd JSON
(one file per cluster, written atomically) into --out.

  --once                 run one cycle, print a summary, exit (non-zero if nothing could be discovered)
  --explain              run one cycle and print, for every task and container, whether it became a
                         target and why not; with --json, as JSON
  --out DIR              where target files go (default: $APPLIANCE_DATA_DIR/targets or ./targets)
  --interval DURATION    time between cycles, e.g. 30s (default 30s; env DISCOVERY_INTERVAL)
  --cluster NAME|ARN     cluster to watch; repeat or comma-separate (default: all; env DISCOVERY_CLUSTERS)
  --region REGION        region to watch; repeat or comma-separate (default: AWS_REGION; env DISCOVERY_REGIONS)
  --role ARN             also watch the account of this IAM role, assumed with STS; repeatable
                         (env DISCOVERY_ROLE_ARNS, comma-separated)
  --external-id ID       external ID for every --role (env DISCOVERY_EXTERNAL_ID)
  --settings FILE        YAML with discovery settings: an appliance.yml (its discovery: section) or the
                         section alone; flags override it
  --max-drop-ratio R     hold a cycle that would drop more than this share of a cluster's targets (0.5)
  --scrape-timeout D     the scrape job's timeout, capped per target by shorter intervals (10s)
  --request-timeout-ms N timeout of each AWS request (10000)
`;

export async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      once: { type: 'boolean', default: false },
      explain: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      interval: { type: 'string' },
      cluster: { type: 'string', multiple: true },
      region: { type: 'string', multiple: true },
      role: { type: 'string', multiple: true },
      'external-id': { type: 'string' },
      settings: { type: 'string' },
      'max-drop-ratio': { type: 'string' },
      'scrape-timeout': { type: 'string', default: '10s' },
      'request-timeout-ms': { type: 'string', default: '10000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }

  let settings: DiscoverySettings;
  try {
    settings = await resolveSettings(values.settings, discoveryOverridesFromEnvironment(process.env), discoveryOverridesFromFlags(values));
  } catch (error) {
    process.stderr.write(`ecs-appliance discover: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }

  const explainOnly = values.explain;
  const scratch = explainOnly && !values.out ? await mkdtemp(path.join(tmpdir(), 'ecs-appliance-explain-')) : undefined;
  const outDir = values.out ?? scratch ?? path.join(process.env.APPLIANCE_DATA_DIR ?? '.', 'targets');
  // Human output goes to stdout; the JSON log to stderr, so `--explain | less` reads well.
  const logger = createLogger({ destination: process.stderr });
  const registry = new Registry();
  let service: DiscoveryService;
  try {
    service = new DiscoveryService({
      settings,
      outDir,
      logger,
      registry,
      fallbackRegion: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
      defaultScrapeTimeout: values['scrape-timeout'],
      requestTimeoutMs: Number(values['request-timeout-ms']),
    });
  } catch (error) {
    process.stderr.write(`ecs-appliance discover: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }

  if (values.once || explainOnly) {
    try {
      const report = await service.runCycle();
      if (explainOnly) {
        process.stdout.write(values.json ? `${JSON.stringify(report.clusters, null, 2)}\n` : explainText(report.clusters));
      } else {
        process.stdout.write(await cycleSummary(report, registry, outDir));
      }
      return exitCodeOf(report);
    } finally {
      if (scratch) await rm(scratch, { recursive: true, force: true });
    }
  }

  service.start();
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await service.stop();
  return 0;
}

function exitCodeOf(report: CycleReport): number {
  if (!report.nothingDiscovered) return 0;
  const errors = report.scopeErrors.map((e) => `  ${e.scope}: ${e.error}`);
  const clusterErrors = report.clusters.filter((c) => c.lastError).map((c) => `  ${c.cluster}: ${c.lastError}`);
  process.stderr.write(`ecs-appliance discover: nothing could be discovered\n${[...errors, ...clusterErrors].join('\n') || '  no cluster found'}\n`);
  return 1;
}
