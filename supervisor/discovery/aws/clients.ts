import type { EC2Client } from '@aws-sdk/client-ec2';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { DiscoveryMetrics } from '../metrics.ts';
import { AccountRegionBuckets } from './token-bucket.ts';

export interface ScopeClients {
  ecs: ECSClient;
  /**
   * Created on first use: only bridge and host tasks need EC2 lookups, and the EC2 client costs
   * ~85 MB of memory to load, which Fargate-only appliances never pay.
   */
  ec2(): Promise<EC2Client>;
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
export async function createScopeClients(options: ClientOptions): Promise<ScopeClients> {
  // Loaded only for cross-account roles: most appliances never assume one, and it weighs ~10 MB.
  const credentials = options.roleArn
    ? (await import('@aws-sdk/credential-providers')).fromTemporaryCredentials({
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
  const metered = <T extends ECSClient | EC2Client>(client: T): T => {
    // The two clients are typed apart, but their stacks take the same middleware.
    (client.middlewareStack as ECSClient['middlewareStack']).addRelativeTo(meteredAttempt(buckets, options.metrics) as never, {
      relation: 'after',
      toMiddleware: 'retryMiddleware',
      name: 'ecsApplianceMeteredAttempt',
    });
    return client;
  };
  let ec2: Promise<EC2Client> | undefined;
  return {
    ecs: metered(new ECSClient(config)),
    ec2: () => (ec2 ??= import('@aws-sdk/client-ec2').then(({ EC2Client }) => metered(new EC2Client(config)))),
  };
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
