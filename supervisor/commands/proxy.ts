import process from 'node:process';
import { Registry } from 'prom-client';
import { parseDuration } from '../duration.ts';
import { createLogger } from '../log.ts';
import { normalizeUpstream } from '../proxy/amp-target.ts';
import { awsCredentialChain } from '../proxy/credentials.ts';
import { startSigV4Proxy } from '../proxy/sigv4-proxy.ts';
import { readCommandLine } from './command-line.ts';

const USAGE = `usage: ecs-appliance proxy --upstream URL [options]

Runs the SigV4 signing proxy on its own: Prometheus remote_write and the Prometheus query API,
signed with the SDK credential chain and forwarded to an Amazon Managed Service for Prometheus
workspace.

  --upstream URL          workspace URL, e.g. https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-…
  --listen HOST:PORT      where to listen (default 127.0.0.1:8005); loopback only unless forced
  --region REGION         signing region (default: read from the upstream host)
  --service NAME          signing service (default aps)
  --role-arn ARN          IAM role to assume for signing
  --external-id ID        external ID for --role-arn
  --max-body-bytes N      largest request body accepted (default 16777216)
  --upstream-timeout DUR  how long to wait for the upstream, e.g. 25s (default 25s)
  --allow-non-loopback    listen on a non-loopback address: anyone who reaches it acts as this AWS identity
  --log-level LEVEL       pino level (default info, or LOG_LEVEL)
`;

export async function main(argv: string[]): Promise<number> {
  const parsed = readCommandLine('proxy', USAGE, {
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      upstream: { type: 'string' },
      listen: { type: 'string', default: '127.0.0.1:8005' },
      region: { type: 'string' },
      service: { type: 'string', default: 'aps' },
      'role-arn': { type: 'string' },
      'external-id': { type: 'string' },
      'max-body-bytes': { type: 'string' },
      'upstream-timeout': { type: 'string' },
      'allow-non-loopback': { type: 'boolean', default: false },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (typeof parsed === 'number') return parsed;
  const { values } = parsed;

  let settings;
  try {
    settings = checkFlags(values);
  } catch (error) {
    process.stderr.write(`ecs-appliance proxy: ${(error as Error).message}\n`);
    return 2;
  }

  const logger = createLogger(values['log-level'] ? { level: values['log-level'] } : {});
  let proxy;
  try {
    proxy = await startSigV4Proxy({
      listen: values.listen,
      upstream: settings.upstream,
      region: settings.region,
      service: values.service,
      credentials: awsCredentialChain({ region: settings.region, ...(values['role-arn'] ? { roleArn: values['role-arn'] } : {}), ...(values['external-id'] ? { externalId: values['external-id'] } : {}) }),
      ...(settings.maxBodyBytes !== undefined ? { maxBodyBytes: settings.maxBodyBytes } : {}),
      ...(settings.upstreamTimeoutMs !== undefined ? { upstreamTimeoutMs: settings.upstreamTimeoutMs } : {}),
      allowNonLoopback: values['allow-non-loopback'],
      logger,
      registry: new Registry(),
    });
  } catch (error) {
    logger.error({ err: { message: (error as Error).message } }, 'SigV4 proxy could not start');
    process.stderr.write(`ecs-appliance proxy: ${(error as Error).message}\n`);
    return 1;
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  logger.info({ signal }, 'stopping SigV4 proxy, letting in-flight requests finish');
  await proxy.stop();
  return 0;
}

function checkFlags(values: { upstream?: string; region?: string; 'max-body-bytes'?: string; 'upstream-timeout'?: string }) {
  if (!values.upstream) throw new Error('--upstream is required');
  const target = normalizeUpstream(values.upstream, values.region);
  let maxBodyBytes: number | undefined;
  if (values['max-body-bytes'] !== undefined) {
    maxBodyBytes = Number(values['max-body-bytes']);
    if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) throw new Error(`--max-body-bytes '${values['max-body-bytes']}' is not a positive whole number`);
  }
  let upstreamTimeoutMs: number | undefined;
  if (values['upstream-timeout'] !== undefined) {
    upstreamTimeoutMs = parseDuration(values['upstream-timeout']);
    if (!upstreamTimeoutMs) throw new Error(`--upstream-timeout '${values['upstream-timeout']}' is not a duration such as 25s`);
  }
  return { upstream: target.upstream, region: target.region, maxBodyBytes, upstreamTimeoutMs };
}
