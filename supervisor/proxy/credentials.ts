import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { Logger } from '../log.ts';

/** Structurally the SDK's AwsCredentialIdentity, so any SDK credential provider fits. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

export type CredentialProvider = () => Promise<AwsCredentials>;

export interface CachedCredentials {
  /** Credentials valid right now; refreshes ahead of expiry without making callers wait. */
  get(): Promise<AwsCredentials>;
  /** Seconds until the cached credentials expire: +Inf if they never do, NaN if there are none. */
  secondsUntilExpiry(): number;
}

export interface CacheOptions {
  /** Start refreshing this long before expiry. */
  refreshMarginMs?: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Caches a provider's credentials. Inside the refresh margin one background refresh runs while the
 * old, still valid credentials keep signing; a failed refresh is logged and retried on the next
 * request. Callers only wait when there is nothing valid to hand out.
 */
export function cacheCredentials(provider: CredentialProvider, options: CacheOptions): CachedCredentials {
  const margin = options.refreshMarginMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let current: AwsCredentials | undefined;
  let refreshing: Promise<AwsCredentials> | undefined;

  const isValid = (c: AwsCredentials | undefined): c is AwsCredentials => c !== undefined && (!c.expiration || c.expiration.getTime() > now());
  const isFresh = (c: AwsCredentials) => !c.expiration || c.expiration.getTime() - now() > margin;

  function refresh(): Promise<AwsCredentials> {
    refreshing ??= provider()
      .then((fresh) => {
        current = fresh;
        options.logger.info({ accessKeyId: maskKeyId(fresh.accessKeyId), expiration: fresh.expiration?.toISOString() }, 'obtained AWS credentials for signing');
        return fresh;
      })
      .catch((error: unknown) => {
        options.logger.warn({ err: errorSummary(error), stillValid: isValid(current) }, 'could not obtain AWS credentials for signing');
        throw error;
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  }

  return {
    async get() {
      if (current && isFresh(current)) return current;
      const pending = refresh();
      if (isValid(current)) {
        pending.catch(() => {});
        return current;
      }
      return pending;
    },
    secondsUntilExpiry() {
      if (!current) return Number.NaN;
      if (!current.expiration) return Number.POSITIVE_INFINITY;
      return (current.expiration.getTime() - now()) / 1000;
    },
  };
}

/** Enough of the key ID to tell rotations apart in logs, not enough to be worth anything. */
function maskKeyId(accessKeyId: string): string {
  return `…${accessKeyId.slice(-4)}`;
}

/** Just the message: SDK errors can carry request and response objects that nobody wants in logs. */
export function errorSummary(error: unknown): { name: string; message: string } {
  return error instanceof Error ? { name: error.name, message: error.message } : { name: 'Error', message: String(error) };
}

export interface ChainOptions {
  /** Region of the STS endpoint used to assume roleArn. */
  region: string;
  roleArn?: string;
  externalId?: string;
}

/**
 * The SDK's default chain (env, ECS container credentials, web identity, profile, instance
 * metadata), optionally assuming a role with those credentials.
 */
export function awsCredentialChain(options: ChainOptions): CredentialProvider {
  const base = fromNodeProviderChain();
  if (!options.roleArn) return base;
  return fromTemporaryCredentials({
    masterCredentials: base,
    params: { RoleArn: options.roleArn, RoleSessionName: 'ecs-appliance-sigv4-proxy', ...(options.externalId ? { ExternalId: options.externalId } : {}) },
    clientConfig: { region: options.region },
  });
}
