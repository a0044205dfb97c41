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
  /** The IAM action AMP authorizes the request by: the task role must grant each one. */
  iamAction: `aps:${string}`;
}

const READ = ['GET', 'POST'] as const;

export const PROXY_ROUTES: readonly ProxyRoute[] = [
  { name: 'remote_write', path: '/api/v1/remote_write', methods: ['POST'], iamAction: 'aps:RemoteWrite' },
  { name: 'query', path: '/api/v1/query', methods: READ, iamAction: 'aps:QueryMetrics' },
  { name: 'query_range', path: '/api/v1/query_range', methods: READ, iamAction: 'aps:QueryMetrics' },
  { name: 'query_exemplars', path: '/api/v1/query_exemplars', methods: READ, iamAction: 'aps:QueryMetrics' },
  { name: 'series', path: '/api/v1/series', methods: READ, iamAction: 'aps:GetSeries' },
  { name: 'labels', path: '/api/v1/labels', methods: READ, iamAction: 'aps:GetLabels' },
  { name: 'label_values', path: '/api/v1/label/:name/values', methods: ['GET'], iamAction: 'aps:GetLabels' },
  { name: 'metadata', path: '/api/v1/metadata', methods: ['GET'], iamAction: 'aps:GetMetricMetadata' },
  // Grafana asks these to tell what it is talking to and to list the workspace's rules and alerts.
  { name: 'buildinfo', path: '/api/v1/status/buildinfo', methods: ['GET'], iamAction: 'aps:QueryMetrics' },
  { name: 'rules', path: '/api/v1/rules', methods: ['GET'], iamAction: 'aps:ListRules' },
  { name: 'alerts', path: '/api/v1/alerts', methods: ['GET'], iamAction: 'aps:ListAlerts' },
];
