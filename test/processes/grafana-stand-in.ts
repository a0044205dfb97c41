/**
 * A stand-in for `grafana server` (Grafana is not installed in CI). It accepts the same command
 * line the supervisor builds, refuses what real Grafana would refuse (no `server` subcommand,
 * unknown flags, a home path without conf/defaults.ini), and serves /api/health plus the admin
 * provisioning reload API behind basic auth (GF_SECURITY_ADMIN_USER/PASSWORD, default admin/admin).
 * It logs logfmt lines like Grafana and exits 0 on SIGTERM.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

function fail(message: string): never {
  process.stderr.write(`logger=cli level=error msg="${message}"\n`);
  process.exit(1);
}

const [subcommand, ...rest] = process.argv.slice(2);
if (subcommand !== 'server') fail(`unknown command '${subcommand ?? ''}'`);

const options: Record<string, string> = {};
const overrides: Record<string, string> = {};
for (const arg of rest) {
  const flag = /^--?(homepath|config|pidfile|packaging)=(.*)$/.exec(arg);
  if (flag) {
    options[flag[1]!] = flag[2]!;
    continue;
  }
  const cfg = /^cfg:([\w.]+)=(.*)$/.exec(arg);
  if (cfg) {
    overrides[cfg[1]!] = cfg[2]!;
    continue;
  }
  fail(`flag provided but not defined: ${arg}`);
}
const home = options.homepath ?? process.cwd();
if (!existsSync(join(home, 'conf', 'defaults.ini'))) fail(`Grafana-server Init Failed: Could not find config defaults, make sure homepath command line parameter is set or working directory is homepath`);
if (options.config && !existsSync(options.config)) fail(`failed to parse "${options.config}": open ${options.config}: no such file or directory`);

const port = Number(overrides['server.http_port'] ?? 3000);
const host = overrides['server.http_addr'] || '0.0.0.0';
const expectedAuth = `Basic ${Buffer.from(`${process.env.GF_SECURITY_ADMIN_USER ?? 'admin'}:${process.env.GF_SECURITY_ADMIN_PASSWORD ?? 'admin'}`).toString('base64')}`;
let reloads = 0;

const server = createServer((request, response) => {
  const url = request.url ?? '/';
  if (request.method === 'GET' && url === '/api/health') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ database: 'ok', version: 'stand-in' }));
    return;
  }
  if (request.method === 'GET' && url === '/stand-in/reloads') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ reloads, pid: process.pid }));
    return;
  }
  if (request.method === 'POST' && /^\/api\/admin\/provisioning\/(datasources|dashboards|alerting)\/reload$/.test(url)) {
    if (request.headers.authorization !== expectedAuth) {
      response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Unauthorized' }));
      return;
    }
    reloads++;
    process.stdout.write(`logger=provisioning level=info msg="reloaded" path=${url}\n`);
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'reloaded' }));
    return;
  }
  response.writeHead(404).end();
});
server.listen(port, host, () => {
  process.stdout.write(`logger=http.server level=info msg="HTTP Server Listen" address=${host}:${port} protocol=http\n`);
});
process.on('SIGTERM', () => {
  process.stdout.write('logger=server level=info msg="Shutdown started" reason="System signal: terminated"\n');
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
