import { createServer, type Server } from 'node:http';
import type { DemoEndpoint } from './estate.ts';
import { cadvisorMetrics } from './series/cadvisor.ts';
import { ecsExporterMetrics } from './series/ecs-exporter.ts';
import { nodeExporterMetrics } from './series/node-exporter.ts';

/** One scrape's worth of made-up application metrics, moving a little every time. */
export function demoMetricsText(port: number, scrape: number, now = Date.now()): string {
  const wave = Math.sin(now / 60_000 + port);
  return [
    '# HELP demo_requests_total Requests the demo service pretended to handle.',
    '# TYPE demo_requests_total counter',
    `demo_requests_total{code="200"} ${scrape * 17 + (port % 13)}`,
    `demo_requests_total{code="500"} ${Math.floor(scrape / 9)}`,
    '# HELP demo_in_flight_requests Requests in progress.',
    '# TYPE demo_in_flight_requests gauge',
    `demo_in_flight_requests ${(5 + 4 * wave).toFixed(2)}`,
    '# HELP demo_exporter_port The port this demo exporter listens on.',
    '# TYPE demo_exporter_port gauge',
    `demo_exporter_port ${port}`,
    '',
  ].join('\n');
}

/** What the exporter on one demo port serves at one scrape: the series of the kind of exporter the world runs there. */
export function endpointMetrics(endpoint: DemoEndpoint, scrape: number, now = Date.now()): string {
  const seconds = now / 1000;
  switch (endpoint.kind) {
    case 'cadvisor':
      return endpoint.instance ? cadvisorMetrics(endpoint.instance, seconds) : '';
    case 'node-exporter':
      return endpoint.instance ? nodeExporterMetrics(endpoint.instance, seconds) : '';
    case 'ecs-exporter':
      return ecsExporterMetrics(endpoint.task, seconds);
    case 'app':
      return demoMetricsText(endpoint.port, scrape, now);
  }
}

/** Starts a tiny exporter on 127.0.0.1 at each endpoint's port (any path answers, as the world's tasks use several). */
export async function startDemoExporters(endpoints: DemoEndpoint[]): Promise<{ close(): Promise<void> }> {
  const servers: Server[] = [];
  try {
    for (const endpoint of endpoints) {
      let scrapes = 0;
      const server = createServer((_request, response) => {
        scrapes++;
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(endpointMetrics(endpoint, scrapes));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', (error) => reject(new Error(`demo exporter cannot listen on 127.0.0.1:${endpoint.port}: ${error.message}`)));
        server.listen(endpoint.port, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
  } catch (error) {
    await closeAll(servers);
    throw error;
  }
  return { close: () => closeAll(servers) };
}

/** Closes every server and drops its open (kept-alive) connections. */
export async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
}
