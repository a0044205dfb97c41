import { arnResourceId, tagsToRecord, type ContainerView } from './world.ts';

/** Prometheus label names allow [a-zA-Z0-9_]; anything else becomes `_`, as Prometheus's own SD does. */
function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

const META = '__meta_ecs_';

/**
 * The `__meta_ecs_*` vocabulary: Prometheus's own ECS discovery names where the meaning is the
 * same, plus what it lacks (account, container, image, port, family/revision, docker labels,
 * task definition tags). Empty values are left out, as Prometheus does.
 */
export function metaLabels(view: ContainerView, ip: string, containerPort: number | undefined, optIn: string): Record<string, string> {
  const { snapshot, task, taskDefinition, definition, runtime } = view;
  const instanceId = task.containerInstanceArn ? snapshot.containerInstances.get(task.containerInstanceArn) : undefined;
  const instance = instanceId ? snapshot.ec2Instances.get(instanceId) : undefined;
  const eni = task.attachments?.find((a) => a.type === 'ElasticNetworkInterface');
  const labels: Record<string, string | undefined> = {
    account_id: snapshot.accountId,
    region: snapshot.region,
    cluster: snapshot.clusterName,
    cluster_arn: snapshot.clusterArn,
    service: view.serviceName,
    task_arn: task.taskArn,
    task_id: task.taskArn ? arnResourceId(task.taskArn) : undefined,
    task_group: task.group,
    task_definition: taskDefinition.taskDefinitionArn,
    task_definition_family: taskDefinition.family,
    task_definition_revision: taskDefinition.revision?.toString(),
    launch_type: task.launchType,
    availability_zone: task.availabilityZone,
    network_mode: view.networkMode,
    ip_address: ip,
    subnet_id: eni?.details?.find((d) => d.name === 'subnetId')?.value,
    container_instance_arn: task.containerInstanceArn,
    ec2_instance_id: instanceId,
    ec2_instance_type: instance?.instanceType,
    ec2_instance_private_ip: instance?.privateIp,
    health_status: task.healthStatus,
    desired_status: task.desiredStatus,
    last_status: task.lastStatus,
    platform_family: task.platformFamily,
    platform_version: task.platformVersion,
    container_name: definition.name,
    container_image: runtime?.image ?? definition.image,
    container_port: containerPort?.toString(),
    container_health_status: runtime?.healthStatus,
    opt_in: optIn,
  };
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) if (value) out[META + name] = value;
  addPrefixed(out, `${META}docker_label_`, view.dockerLabels);
  addPrefixed(out, `${META}tag_cluster_`, snapshot.clusterTags);
  addPrefixed(out, `${META}tag_task_`, tagsToRecord(task.tags));
  addPrefixed(out, `${META}tag_task_definition_`, snapshot.taskDefinitionTags.get(taskDefinition.taskDefinitionArn ?? '') ?? {});
  if (instance) addPrefixed(out, `${META}tag_ec2_`, instance.tags);
  return out;
}

function addPrefixed(out: Record<string, string>, prefix: string, values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) out[prefix + sanitizeLabelName(name)] = value;
}
