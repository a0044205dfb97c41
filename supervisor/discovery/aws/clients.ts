import { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { DiscoveryMetrics } from '../metrics.ts';
import { AccountRegionBuckets } from './token-bucket.ts';

export interface ScopeClients {
  ecs: ECSClient;
  ec2: EC2Client;
}

export interface ClientOptions {
  region: string;
  /** Role to assume for another account; the standard credential chain otherwise. */
  roleArn?: string;
  externalId?: string;
  metrics: DiscoveryMetrics;
  /** Per-request timeout, so a hanging endpoint fails the cluster instead of the whole cycle. */
  requestTimeoutMs: number;
}

const THROTTLE_ERRORS = new Set(['ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'Throttling']);

/**
 * SDK clients for one account and region. Every attempt (retries included, hence placed inside
 * the SDK's retry middleware) first takes a token from the account-region bucket and is counted
 * by operation and outcome; the SDK's adaptive retry handles what throttling still happens.
 */
export function createScopeClients(options: ClientOptions): ScopeClients {
  const credentials = options.roleArn
    ? fromTemporaryCredentials({
        params: {
          RoleArn: options.roleArn,
          RoleSessionName: 'ecs-appliance-discovery',
          ...(options.externalId ? { ExternalId: options.externalId } : {}),
        },
        clientConfig: { region: options.region },
      })
    : undefined;
  const config = {
    region: options.region,
    retryMode: 'adaptive',
    maxAttempts: 4,
    requestHandler: { requestTimeout: options.requestTimeoutMs, throwOnRequestTimeout: true, connectionTimeout: Math.min(options.requestTimeoutMs, 5_000) },
    ...(credentials ? { credentials } : {}),
  };
  const buckets = new AccountRegionBuckets();
  const ecs = new ECSClient(config);
  const ec2 = new EC2Client(config);
  for (const client of [ecs, ec2]) {
    // The two clients are typed apart, but their stacks take the same middleware.
    (client.middlewareStack as ECSClient['middlewareStack']).addRelativeTo(meteredAttempt(buckets, options.metrics) as never, {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: 'ecsApplianceMeteredAttempt',
    });
  }
  return { ecs, ec2 };
}

function meteredAttempt(buckets: AccountRegionBuckets, metrics: DiscoveryMetrics) {
  return (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: unknown) => {
      const commandName = context.commandName ?? 'UnknownCommand';
      const operation = commandName.replace(/Command$/, '');
      await buckets.forCommand(commandName)?.take();
      try {
        const result = await next(args);
        metrics.apiCalls.inc({ operation, outcome: 'ok' });
        return result;
      } catch (error) {
        const name = (error as { name?: string }).name ?? '';
        const throttled = THROTTLE_ERRORS.has(name);
        metrics.apiCalls.inc({ operation, outcome: throttled ? 'throttled' : 'error' });
        if (throttled) metrics.throttles.inc({ operation });
        throw error;
      }
    };
}
