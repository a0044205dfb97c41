// The measured side of bench/discovery-cycle.ts: the compiled discovery code in a plain Node
// process, as the image runs it (no TypeScript loader in the way of its memory figures).
import { Registry } from 'prom-client';
import { DiscoveryService } from '../dist/supervisor/discovery/service.js';
import { discoverySettingsSchema } from '../dist/supervisor/discovery/settings.js';
import { silentLogger } from '../dist/supervisor/log.js';

const startRss = process.memoryUsage().rss;
let peakRss = startRss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

const registry = new Registry();
const service = new DiscoveryService({
  settings: discoverySettingsSchema.parse({}),
  outDir: process.argv[2],
  logger: silentLogger,
  registry,
  fallbackRegion: process.env.AWS_REGION,
});

async function calls() {
  const metric = await registry.getSingleMetric('ecs_appliance_discovery_api_calls_total')?.get();
  return (metric?.values ?? []).map((v) => ({ operation: v.labels.operation, outcome: v.labels.outcome, value: v.value }));
}

const cycles = [];
for (const name of ['cold', 'warm']) {
  const report = await service.runCycle();
  cycles.push({ name, seconds: report.durationSeconds, targets: report.clusters.reduce((n, c) => n + c.targets, 0), calls: await calls() });
}
clearInterval(sampler);
process.stdout.write(`${JSON.stringify({ cycles, startRss, peakRss })}\n`);
