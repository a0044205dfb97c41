import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ProxyMetrics {
  requests: Counter<'route' | 'code'>;
  requestBytes: Counter<'route' | 'code'>;
  responseBytes: Counter<'route' | 'code'>;
  upstreamSeconds: Histogram<'route'>;
  signingErrors: Counter;
  credentialsExpirySeconds: Gauge;
}

/**
 * Registers the proxy's metrics on the caller's registry. `secondsUntilExpiry` is read at scrape
 * time: +Inf for credentials that never expire, NaN before any were obtained.
 */
export function createProxyMetrics(registry: Registry, secondsUntilExpiry: () => number): ProxyMetrics {
  const registers = [registry];
  return {
    requests: new Counter({ name: 'sigv4_proxy_requests_total', help: 'Requests answered by the SigV4 proxy, by route and HTTP status code.', labelNames: ['route', 'code'], registers }),
    requestBytes: new Counter({ name: 'sigv4_proxy_request_bytes_total', help: 'Request body bytes received by the SigV4 proxy, by route and HTTP status code.', labelNames: ['route', 'code'], registers }),
    responseBytes: new Counter({ name: 'sigv4_proxy_response_bytes_total', help: 'Response body bytes relayed from upstream by the SigV4 proxy, by route and HTTP status code.', labelNames: ['route', 'code'], registers }),
    upstreamSeconds: new Histogram({
      name: 'sigv4_proxy_upstream_duration_seconds',
      help: 'Time from sending a signed request upstream to its response headers (or failure), by route.',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    signingErrors: new Counter({ name: 'sigv4_proxy_signing_errors_total', help: 'Requests the SigV4 proxy could not sign, mostly for want of credentials.', registers }),
    credentialsExpirySeconds: new Gauge({
      name: 'sigv4_proxy_credentials_expiry_seconds',
      help: 'Seconds until the signing credentials expire (+Inf if they never do, NaN before any were obtained).',
      registers,
      collect() {
        this.set(secondsUntilExpiry());
      },
    }),
  };
}
