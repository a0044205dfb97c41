// A sample application for the compose demo: serves Prometheus metrics on every port at which the
// demo world says its ECS tasks can be reached on 127.0.0.1, so the appliance, discovering those
// tasks through the fake ECS, finds something real to scrape. The ports come from the world file
// (one source of truth for the compose and the native demo), never from this program.
//
//   node sample-app.mjs --world demo.json --family checkout,orders
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { world: { type: 'string' }, family: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } } });
if (!values.world || !values.family) {
  process.stderr.write('usage: sample-app.mjs --world FILE --family FAMILY[,FAMILY...] [--host 127.0.0.1]\n');
  process.exit(2);
}

/** Host ports of the families' running tasks that sit on `host`, as discovery would compute them. */
function portsOf(world, families, host) {
  const ports = new Map();
  for (const account of world.accounts ?? []) {
    for (const region of account.regions ?? []) {
      const definitions = new Map((region.taskDefinitions ?? []).map((d) => [`${d.family}:${d.revision}`, d]));
      for (const cluster of region.clusters ?? []) {
        const instances = new Map((cluster.containerInstances ?? []).map((i) => [i.id, i]));
        for (const task of cluster.tasks ?? []) {
          const definition = definitions.get(task.taskDefinition);
          if (!definition || !families.includes(definition.family) || task.lastStatus !== 'RUNNING') continue;
          const address = definition.networkMode === 'awsvpc' ? task.privateIp : instances.get(task.containerInstance)?.privateIp;
          if (address !== host) continue;
          for (const container of definition.containers) {
            for (const mapping of container.portMappings ?? []) {
              const port =
                definition.networkMode === 'bridge'
                  ? (task.hostPorts?.[container.name]?.[String(mapping.containerPort)] ?? mapping.hostPort)
                  : (mapping.hostPort ?? mapping.containerPort);
              if (port) ports.set(port, definition.family);
            }
          }
        }
      }
    }
  }
  return ports;
}

const world = JSON.parse(readFileSync(values.world, 'utf8'));
const families = values.family.split(',').map((f) => f.trim()).filter(Boolean);
const ports = portsOf(world, families, values.host);
const missing = families.filter((family) => ![...ports.values()].includes(family));
if (missing.length > 0) {
  process.stderr.write(`sample-app: no running task of family ${missing.join(', ')} at ${values.host} in ${values.world}\n`);
  process.exit(1);
}

const started = Date.now();
let requests = 0;
function metrics(port, family) {
  const seconds = (Date.now() - started) / 1000;
  const queue = Math.round(20 + 15 * Math.sin(seconds / 30));
  return [
    '# HELP demo_app_info The sample application and how it opted in to scraping.',
    '# TYPE demo_app_info gauge',
    `demo_app_info{family="${family}",port="${port}"} 1`,
    '# HELP demo_requests_total Requests served, including scrapes.',
    '# TYPE demo_requests_total counter',
    `demo_requests_total ${requests}`,
    '# HELP demo_queue_depth Items waiting, a slow wave so graphs move.',
    '# TYPE demo_queue_depth gauge',
    `demo_queue_depth ${queue}`,
    '',
  ].join('\n');
}

for (const [port, family] of ports) {
  const server = createServer((req, res) => {
    requests += 1;
    // Any path ending in "metrics": the world may name another one (/internal/metrics).
    if (/metrics$/.test(new URL(req.url ?? '/', 'http://x').pathname)) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(metrics(port, family));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`${family}: metrics at /metrics\n`);
    }
  });
  server.listen(port, values.host, () => process.stdout.write(`sample-app ${family}: serving metrics on http://${values.host}:${port}/metrics\n`));
}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
