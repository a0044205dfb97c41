import http, { type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';

export interface Upstream {
  /** Sends one signed request; resolves with the response once its headers arrive. */
  send(request: UpstreamRequest): UpstreamCall;
  close(): void;
}

export interface UpstreamRequest {
  method: string;
  path: string;
  headers: OutgoingHttpHeaders;
  body: Buffer | undefined;
}

export interface UpstreamCall {
  response: Promise<IncomingMessage>;
  /** Gives up on the request, e.g. because the client went away. */
  abort(): void;
}

export class UpstreamTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`upstream did not answer within ${timeoutMs} ms`);
    this.name = 'UpstreamTimeoutError';
  }
}

/** Errors that mean a kept-alive socket was closed by the far end before it saw our request. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * A kept-alive connection pool to one upstream origin. A request that fails on a reused socket the
 * upstream had already closed is sent once more on a new one: that is the one failure a proxy can
 * safely retry itself, because the upstream never saw the request. Everything else goes back to
 * the client to retry, which Prometheus does from its WAL.
 */
export function createUpstream(origin: URL, options: { timeoutMs: number; maxSockets: number }): Upstream {
  const transport = origin.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets, scheduling: 'lifo' });
  const port = origin.port ? Number(origin.port) : undefined;

  return {
    send(request) {
      let current: http.ClientRequest | undefined;
      let aborted = false;
      const attempt = (retriesLeft: number): Promise<IncomingMessage> =>
        new Promise((resolve, reject) => {
          const req = transport.request({ agent, hostname: origin.hostname, port, method: request.method, path: request.path, headers: request.headers });
          current = req;
          req.setTimeout(options.timeoutMs, () => req.destroy(new UpstreamTimeoutError(options.timeoutMs)));
          // The socket timeout also covers a response that stalls mid-stream.
          req.once('response', resolve);
          req.once('error', (error: NodeJS.ErrnoException) => {
            if (!aborted && retriesLeft > 0 && req.reusedSocket && STALE_SOCKET_CODES.has(error.code ?? '')) {
              attempt(retriesLeft - 1).then(resolve, reject);
            } else {
              reject(error);
            }
          });
          req.end(request.body);
        });
      return {
        response: attempt(1),
        abort() {
          aborted = true;
          current?.destroy();
        },
      };
    },
    close() {
      agent.destroy();
    },
  };
}
