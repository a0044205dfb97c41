import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** ARN and identifier formats as the real services print them. */

export interface Scope {
  region: string;
  account: string;
}

const ecsArn = (s: Scope, resource: string): string => `arn:aws:ecs:${s.region}:${s.account}:${resource}`;

export const arns = {
  cluster: (s: Scope, cluster: string) => ecsArn(s, `cluster/${cluster}`),
  service: (s: Scope, cluster: string, service: string) => ecsArn(s, `service/${cluster}/${service}`),
  task: (s: Scope, cluster: string, taskId: string) => ecsArn(s, `task/${cluster}/${taskId}`),
  containerInstance: (s: Scope, cluster: string, id: string) => ecsArn(s, `container-instance/${cluster}/${id}`),
  container: (s: Scope, cluster: string, taskId: string, containerId: string) => ecsArn(s, `container/${cluster}/${taskId}/${containerId}`),
  taskDefinition: (s: Scope, family: string, revision: number) => ecsArn(s, `task-definition/${family}:${revision}`),
};

/**
 * The last path part of an ECS ARN ("arn:...:task/cluster/ID" → "ID"), or the input itself when
 * it is a bare name or id, as the ECS API accepts both.
 */
export function ecsResourceId(nameOrArn: string): string {
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const resource = nameOrArn.split(':').slice(5).join(':');
  return resource.slice(resource.lastIndexOf('/') + 1);
}

const digests = new Map<string, string>();

/**
 * A stable hex string derived from a seed: the same task always gets the same container ids.
 * Memoised because every Describe call re-derives them for every task it returns.
 */
export function stableHex(seed: string, length: number): string {
  let digest = digests.get(seed);
  if (digest === undefined) {
    digest = createHash('sha256').update(seed).digest('hex');
    digests.set(seed, digest);
  }
  return digest.slice(0, length);
}

/** A stable UUID-shaped id derived from a seed. */
export function stableUuid(seed: string): string {
  const h = stableHex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const requestId = (): string => randomUUID();

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Random upper-case alphanumerics, the alphabet of access key ids. */
export function randomAlnum(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

export const randomSecret = (bytes: number): string => randomBytes(bytes).toString('base64');
