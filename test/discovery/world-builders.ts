import type { WorldSpec } from '../fake-aws/index.ts';

export const ACCOUNT = '111111111111';
export const REGION = 'us-east-1';

type Region = NonNullable<NonNullable<WorldSpec['accounts'][number]['regions']>[number]>;

/** A one-account, one-region world; tests fill in task definitions and clusters. */
export function world(region: Omit<Region, 'name'>, extraAccounts: WorldSpec['accounts'] = []): WorldSpec {
  return { accounts: [{ id: ACCOUNT, regions: [{ name: REGION, ...region }] }, ...extraAccounts] };
}

export const containerInstance = (id: string, privateIp: string, ec2InstanceId = 'i-0a1b2c3d4e5f60001') => ({
  id,
  ec2InstanceId,
  privateIp,
  instanceType: 'm5.large',
  az: 'us-east-1a',
  tags: { Name: `ecs-${id}` },
});
