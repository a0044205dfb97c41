/**
 * The SigV4 proxy under benchmark, in a process of its own so its memory can be read apart from the
 * load generator's. One proxy per upstream URL given in argv (static credentials); prints
 * {"urls"} when ready; drains and exits on SIGTERM.
 */
import { Registry } from 'prom-client';
import { silentLogger } from '../supervisor/log.ts';
import { startSigV4Proxy } from '../supervisor/proxy/sigv4-proxy.ts';

const upstreams = process.argv.slice(2);
if (upstreams.length === 0) throw new Error('usage: proxy-sigv4-process.ts UPSTREAM_URL...');
const credentials = async () => ({ accessKeyId: 'AKIDBENCHMARK', secretAccessKey: 'benchmark-secret-key', sessionToken: 'benchmark-session-token', expiration: new Date(Date.now() + 3_600_000) });
const proxies = await Promise.all(
  upstreams.map((upstream) => startSigV4Proxy({ listen: '127.0.0.1:0', upstream, region: 'eu-west-1', credentials, logger: silentLogger, registry: new Registry() })),
);
process.stdout.write(`${JSON.stringify({ urls: proxies.map((p) => p.url) })}\n`);
process.once('SIGTERM', () => {
  Promise.all(proxies.map((p) => p.stop())).then(() => process.exit(0));
});
