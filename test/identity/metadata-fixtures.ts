/**
 * Task metadata v4 responses shaped like the examples in the ECS developer guide ("Amazon ECS task
 * metadata v4 examples"): a Fargate task (cluster as an ARN, AZ, awsvpc networks) and an EC2 task in
 * a service (cluster as a short name, ServiceName, VPCID, bridge networking).
 */
export const fargateContainer = {
  DockerId: 'cd189a933e5849daa93386466019ab50-2495160603',
  Name: 'ecs-appliance',
  DockerName: 'ecs-appliance',
  Image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/ecs-appliance:1.4.0',
  ImageID: 'sha256:0d8b6c7c9d1f5bd7c1f0ee6b55d4b7e83f4bb4d2a81d0a2d8f2f3f2f0e7c1a11',
  Labels: {
    'com.amazonaws.ecs.cluster': 'arn:aws:ecs:us-west-2:111122223333:cluster/observability',
    'com.amazonaws.ecs.container-name': 'ecs-appliance',
    'com.amazonaws.ecs.task-arn': 'arn:aws:ecs:us-west-2:111122223333:task/observability/cd189a933e5849daa93386466019ab50',
    'com.amazonaws.ecs.task-definition-family': 'ecs-appliance',
    'com.amazonaws.ecs.task-definition-version': '7',
  },
  DesiredStatus: 'RUNNING',
  KnownStatus: 'RUNNING',
  Limits: { CPU: 2, Memory: 0 },
  CreatedAt: '2024-03-11T09:12:43.135529651Z',
  StartedAt: '2024-03-11T09:12:43.135529651Z',
  Type: 'NORMAL',
  LogDriver: 'awslogs',
  LogOptions: {
    'awslogs-create-group': 'true',
    'awslogs-group': '/ecs/ecs-appliance',
    'awslogs-region': 'us-west-2',
    'awslogs-stream': 'ecs/ecs-appliance/cd189a933e5849daa93386466019ab50',
  },
  ContainerARN: 'arn:aws:ecs:us-west-2:111122223333:container/05966557-f16c-49cb-9352-24b3a0dcd0e1',
  Networks: [
    {
      NetworkMode: 'awsvpc',
      IPv4Addresses: ['10.0.2.106'],
      AttachmentIndex: 0,
      MACAddress: '0a:e6:8e:8a:ae:61',
      IPv4SubnetCIDRBlock: '10.0.2.0/24',
      DomainNameServers: ['10.0.0.2'],
      DomainNameSearchList: ['us-west-2.compute.internal'],
      PrivateDNSName: 'ip-10-0-2-106.us-west-2.compute.internal',
      SubnetGatewayIpv4Address: '10.0.2.1/24',
    },
  ],
  Snapshotter: 'overlayfs',
};

export const fargateTask = {
  Cluster: 'arn:aws:ecs:us-west-2:111122223333:cluster/observability',
  TaskARN: 'arn:aws:ecs:us-west-2:111122223333:task/observability/cd189a933e5849daa93386466019ab50',
  Family: 'ecs-appliance',
  Revision: '7',
  DesiredStatus: 'RUNNING',
  KnownStatus: 'RUNNING',
  Limits: { CPU: 1, Memory: 2048 },
  PullStartedAt: '2024-03-11T09:12:35.126012542Z',
  PullStoppedAt: '2024-03-11T09:12:42.974713245Z',
  AvailabilityZone: 'us-west-2b',
  Containers: [fargateContainer],
  LaunchType: 'FARGATE',
  ClockDrift: { ClockErrorBound: 0.446931, ReferenceTimestamp: '2024-03-11T09:12:00Z', ClockSynchronizationStatus: 'SYNCHRONIZED' },
  EphemeralStorageMetrics: { Utilized: 261, Reserved: 20496 },
};

export const ec2Container = {
  DockerId: 'ea32192c8553fbff06c9340478a2ff089b2bb5646fb718b4ee206641c9086d66',
  Name: 'appliance',
  DockerName: 'ecs-appliance-24-appliance-cca48e8dcadd97805600',
  Image: '111122223333.dkr.ecr.us-west-2.amazonaws.com/ecs-appliance:latest',
  ImageID: 'sha256:d691691e9652791a60114e67b365688d20d19940dde7c4736ea30e660d8d3553',
  Labels: { 'com.amazonaws.ecs.cluster': 'default', 'com.amazonaws.ecs.container-name': 'appliance' },
  DesiredStatus: 'RUNNING',
  KnownStatus: 'RUNNING',
  Limits: { CPU: 10, Memory: 128 },
  CreatedAt: '2020-10-02T00:15:07.620912337Z',
  StartedAt: '2020-10-02T00:15:08.062559351Z',
  Type: 'NORMAL',
  ContainerARN: 'arn:aws:ecs:us-west-2:111122223333:container/0206b271-b33f-47ab-86c6-a0ba208a70a9',
  Networks: [{ NetworkMode: 'bridge', IPv4Addresses: ['172.17.0.2'] }],
};

export const ec2Task = {
  Cluster: 'default',
  TaskARN: 'arn:aws:ecs:us-west-2:111122223333:task/default/158d1c8083dd49d6b527399fd6414f5c',
  Family: 'ecs-appliance',
  ServiceName: 'MyService',
  Revision: '24',
  DesiredStatus: 'RUNNING',
  KnownStatus: 'RUNNING',
  PullStartedAt: '2020-10-02T00:43:06.202617438Z',
  PullStoppedAt: '2020-10-02T00:43:06.31288465Z',
  AvailabilityZone: 'us-west-2d',
  VPCID: 'vpc-1234567890abcdef0',
  LaunchType: 'EC2',
  Containers: [ec2Container],
};
