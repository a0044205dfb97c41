import http, { type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import aws4 from 'aws4';
import express, { type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../log.ts';
import { normalizeUpstream } from './amp-target.ts';
import { cacheCredentials, errorSummary, type AwsCredentials, type CredentialProvider } from './credentials.ts';
import { assertListenAllowed, isLoopbackHost, parseListenAddress, type ListenAddress } from './listen-address.ts';
import { createProxyMetrics, type ProxyMetrics } from './metrics.ts';
import { BodyTooLargeError, readBoundedBody } from './request-body.ts';
import { PROXY_ROUTES, type ProxyRoute } from './routes.ts';
import { createUpstream, UpstreamTimeoutError, type Upstream } from './upstream.ts';

export interface SigV4ProxyOptions {
  /** `HOST:PORT` or parsed; port 0 picks a free port. Loopback only unless allowNonLoopback. */
  listen: string | ListenAddress;
  /** Workspace base URL, e.g. https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-…; routes are appended to its path. */
  upstream: string;
  /** Defaults to the region in the upstream host. */
  region?: string;
  service?: string;
  credentials: CredentialProvider;
  /** Refresh credentials this long before they expire (default 5 minutes). */
  refreshMarginMs?: number;
  /** Largest request body the proxy will hold to hash; larger ones get 413 (default 16 MiB). */
  maxBodyBytes?: number;
  /** Longest wait for upstream activity before answering 504 (default 25 s, under Prometheus's 30 s remote_timeout). */
  upstreamTimeoutMs?: number;
  /** How long stop() lets in-flight requests finish before cutting them (default 30 s). */
  drainTimeoutMs?: number;
  maxUpstreamSockets?: number;
  allowNonLoopback?: boolean;
  logger: Logger;
  registry: Registry;
}

export interface SigV4Proxy {
  /** Base URL to give Prometheus (`${url}/api/v1/remote_write`) and Grafana (`url`). */
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish (up to drainTimeoutMs), then closes. */
  stop(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Client headers worth signing and forwarding; everything else (cookies, auth, hop-by-hop) stays here. */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'content-encoding', 'accept', 'accept-encoding', 'user-agent', 'x-prometheus-remote-write-version', 'retry-attempt'];
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** Prometheus label names, including Prometheus 3's escaped UTF-8 form; anything else could steer the path. */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function startSigV4Proxy(options: SigV4ProxyOptions): Promise<SigV4Proxy> {
  const listen = typeof options.listen === 'string' ? parseListenAddress(options.listen) : options.listen;
  const allowNonLoopback = options.allowNonLoopback ?? false;
  assertListenAllowed(listen, allowNonLoopback);
  const target = normalizeUpstream(options.upstream, options.region);
  const origin = new URL(target.upstream);
  const basePath = origin.pathname.replace(/\/$/, '');
  const service = options.service ?? 'aps';
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const logger = options.logger.child({ component: 'sigv4-proxy' });

  const credentials = cacheCredentials(options.credentials, { logger, ...(options.refreshMarginMs !== undefined ? { refreshMarginMs: options.refreshMarginMs } : {}) });
  const metrics = createProxyMetrics(options.registry, () => credentials.secondsUntilExpiry());
  const upstream = createUpstream(origin, { timeoutMs: options.upstreamTimeoutMs ?? 25_000, maxSockets: options.maxUpstreamSockets ?? 128 });
  const signer: Signer = { host: origin.host, basePath, service, region: target.region };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // An absolute-form target (`GET http://host/path`) would be signed with a path Express derived
  // from it; only the origin form a client sends to a server it talks to directly is accepted.
  app.use((req, res, next) => (req.url.startsWith('/') ? next() : reply(res, 400, 'sigv4 proxy: only origin-form request targets (/path?query) are accepted')));
  app.get('/healthz', (_req, res) => void answerHealth(res, credentials.get()));
  app.get('/metrics', (_req, res) => void answerMetrics(res, options.registry));
  for (const route of PROXY_ROUTES) {
    const handler = (req: Request, res: Response) => void forward({ route, req, res, upstream, signer, credentials, metrics, maxBodyBytes, logger });
    const chain = app.route(route.path);
    for (const method of route.methods) chain[method === 'GET' ? 'get' : 'post'](handler);
    chain.all((req, res) => {
      res.setHeader('Allow', route.methods.join(', '));
      reply(res, 405, `sigv4 proxy: ${req.method} is not allowed on ${route.path}`);
    });
  }
  app.use((req, res) => reply(res, 404, `sigv4 proxy: no route for ${req.method} ${req.path}; proxied paths are ${PROXY_ROUTES.map((r) => r.path).join(', ')}`));

  const server = http.createServer(app);
  // Longer than the idle timeouts of Prometheus's and Grafana's HTTP clients, so we are not the side that closes a reused connection under them.
  server.keepAliveTimeout = 95_000;
  server.headersTimeout = 100_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const url = `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  logger.info({ url, upstream: target.upstream, region: target.region, service, loopbackOnly: isLoopbackHost(bound.address), maxBodyBytes }, 'SigV4 proxy listening');
  // Warm the cache so the first remote_write does not wait and the expiry metric means something at once.
  credentials.get().catch(() => {});

  let stopping: Promise<void> | undefined;
  return {
    url,
    port: bound.port,
    stop() {
      stopping ??= drainAndClose(server, upstream, options.drainTimeoutMs ?? 30_000).then(() => logger.info({ url }, 'SigV4 proxy stopped'));
      return stopping;
    },
  };
}

interface Signer {
  host: string;
  basePath: string;
  service: string;
  region: string;
}

interface ForwardContext {
  route: ProxyRoute;
  req: Request;
  res: Response;
  upstream: Upstream;
  signer: Signer;
  credentials: { get(): Promise<AwsCredentials> };
  metrics: ProxyMetrics;
  maxBodyBytes: number;
  logger: Logger;
}

/**
 * One request: read and bound the body, sign, send, stream the answer back. The status the client
 * sees is the upstream's own, or a 5xx when the upstream never answered, so a 2xx always means
 * the upstream took the data.
 */
async function forward(ctx: ForwardContext): Promise<void> {
  const { route, req, res, metrics } = ctx;
  let requestBytes = 0;
  let responseBytes = 0;
  res.once('close', () => {
    const labels = { route: route.name, code: String(res.statusCode) };
    metrics.requests.inc(labels);
    metrics.requestBytes.inc(labels, requestBytes);
    metrics.responseBytes.inc(labels, responseBytes);
  });

  const name = req.params.name;
  if (name !== undefined && (typeof name !== 'string' || !LABEL_NAME.test(name))) return reply(res, 400, `sigv4 proxy: '${String(name)}' is not a label name`);

  let body: Buffer | undefined;
  if (req.method === 'POST') {
    try {
      body = await readBoundedBody(req, ctx.maxBodyBytes);
      requestBytes = body.length;
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        ctx.logger.warn({ route: route.name, limit: error.limit, contentLength: req.headers['content-length'] }, 'refused an oversized request body');
        res.setHeader('Connection', 'close');
        return reply(res, 413, `sigv4 proxy: ${error.message}; lower queue_config.max_samples_per_send or raise the proxy's maxBodyBytes`);
      }
      return; // The client went away mid-body: nobody to answer.
    }
  }

  let headers: OutgoingHttpHeaders;
  let path: string;
  try {
    ({ headers, path } = sign(ctx.signer, req, body, await ctx.credentials.get()));
  } catch (error) {
    metrics.signingErrors.inc();
    ctx.logger.error({ route: route.name, err: errorSummary(error) }, 'could not sign request');
    return reply(res, 503, `sigv4 proxy: cannot sign the request: ${errorSummary(error).message}`);
  }

  const stopTimer = metrics.upstreamSeconds.startTimer({ route: route.name });
  const call = ctx.upstream.send({ method: req.method, path, headers, body });
  res.once('close', () => {
    if (!res.writableFinished) call.abort();
  });
  let upstreamRes: IncomingMessage;
  try {
    upstreamRes = await call.response;
  } catch (error) {
    stopTimer();
    if (res.destroyed) return;
    const status = error instanceof UpstreamTimeoutError ? 504 : 502;
    ctx.logger.warn({ route: route.name, status, err: errorSummary(error) }, 'upstream request failed');
    return reply(res, status, `sigv4 proxy: upstream ${ctx.signer.host} failed: ${errorSummary(error).message}`);
  }
  stopTimer();
  if (upstreamRes.statusCode !== undefined && upstreamRes.statusCode >= 400) {
    ctx.logger.debug({ route: route.name, status: upstreamRes.statusCode }, 'upstream answered with an error');
  }
  res.writeHead(upstreamRes.statusCode ?? 502, responseHeaders(upstreamRes.headers));
  upstreamRes.on('data', (chunk: Buffer) => {
    responseBytes += chunk.length;
  });
  // pipe rather than stream.pipeline: pipeline's per-call AbortController is measurable on this hot path.
  upstreamRes.once('error', () => res.destroy());
  upstreamRes.pipe(res);
}

function sign(signer: Signer, req: Request, body: Buffer | undefined, credentials: AwsCredentials): { headers: OutgoingHttpHeaders; path: string } {
  const headers: OutgoingHttpHeaders = { Host: signer.host };
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const signed = aws4.sign(
    { method: req.method, path: signer.basePath + req.originalUrl, headers, service: signer.service, region: signer.region, ...(body ? { body } : {}) },
    { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}) },
  );
  return { headers: signed.headers ?? headers, path: signed.path ?? signer.basePath + req.originalUrl };
}

function responseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function reply(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${message}\n`);
}

async function answerHealth(res: Response, credentials: Promise<AwsCredentials>): Promise<void> {
  try {
    const c = await credentials;
    res.status(200).json({ status: 'ok', credentialsExpireAt: c.expiration?.toISOString() ?? null });
  } catch (error) {
    res.status(503).json({ status: 'unavailable', reason: `no AWS credentials to sign with: ${errorSummary(error).message}` });
  }
}

async function answerMetrics(res: Response, registry: Registry): Promise<void> {
  res.setHeader('Content-Type', registry.contentType);
  res.end(await registry.metrics());
}

async function drainAndClose(server: http.Server, upstream: Upstream, drainTimeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A kept-alive connection goes idle the moment its in-flight response ends; close it then.
  const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, drainTimeoutMs);
  });
  await Promise.race([closed, deadline]);
  clearTimeout(timer);
  await closed;
  clearInterval(idleSweep);
  upstream.close();
}
