/**
 * The only requests the proxy will sign: remote_write, and the read-only Prometheus query API that
 * Grafana's AMP datasource uses. Anything else (AMP's alertmanager and rule-group admin APIs, say)
 * is refused, so the proxy cannot be used to change the workspace.
 */
export interface ProxyRoute {
  /** Metric label and log field. */
  name: string;
  /** Express path, relative to the upstream workspace URL. */
  path: string;
  methods: readonly ('GET' | 'POST')[];
}

const READ = ['GET', 'POST'] as const;

export const PROXY_ROUTES: readonly ProxyRoute[] = [
  { name: 'remote_write', path: '/api/v1/remote_write', methods: ['POST'] },
  { name: 'query', path: '/api/v1/query', methods: READ },
  { name: 'query_range', path: '/api/v1/query_range', methods: READ },
  { name: 'query_exemplars', path: '/api/v1/query_exemplars', methods: READ },
  { name: 'series', path: '/api/v1/series', methods: READ },
  { name: 'labels', path: '/api/v1/labels', methods: READ },
  { name: 'label_values', path: '/api/v1/label/:name/values', methods: ['GET'] },
  { name: 'metadata', path: '/api/v1/metadata', methods: ['GET'] },
  // Grafana asks these to tell what it is talking to and to list the workspace's rules and alerts.
  { name: 'buildinfo', path: '/api/v1/status/buildinfo', methods: ['GET'] },
  { name: 'rules', path: '/api/v1/rules', methods: ['GET'] },
  { name: 'alerts', path: '/api/v1/alerts', methods: ['GET'] },
];
