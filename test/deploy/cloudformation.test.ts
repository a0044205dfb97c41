import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, it } from 'node:test';
import { CreateServiceRequest$, RegisterTaskDefinitionRequest$ } from '@aws-sdk/client-ecs';
import { modelIssues } from './api-model.ts';
import { parseCloudFormation } from './cfn-yaml.ts';
import { REPO_ROOT } from './source-scan.ts';

type Node = unknown;
type Template = {
  AWSTemplateFormatVersion: string;
  Parameters: Record<string, { Type: string; Default?: unknown; AllowedValues?: unknown[] }>;
  Conditions?: Record<string, Node>;
  Resources: Record<string, { Type: string; Condition?: string; DependsOn?: string | string[]; Properties?: Record<string, Node> }>;
  Outputs?: Record<string, { Value: Node }>;
};

const template = parseCloudFormation(readFileSync(path.join(REPO_ROOT, 'docker/ecs/cloudformation.yaml'), 'utf8')) as Template;
const fargate = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docker/ecs/task-definition.fargate.json'), 'utf8'));
const rolePolicy = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docker/ecs/task-role-policy.json'), 'utf8'));
const PSEUDO = new Set(['AWS::AccountId', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackName', 'AWS::StackId', 'AWS::URLSuffix', 'AWS::NotificationARNs']);

/** Every intrinsic in a subtree, with what it points at. */
function references(node: Node, out: { kind: string; target: string }[] = []): { kind: string; target: string }[] {
  if (Array.isArray(node)) node.forEach((n) => references(n, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref' && typeof value === 'string') out.push({ kind: 'Ref', target: value });
      else if (key === 'Fn::GetAtt') out.push({ kind: 'GetAtt', target: (value as string[])[0]! });
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(value) ? (value[0] as string) : (value as string);
        const locals = Array.isArray(value) ? Object.keys(value[1] as object) : [];
        for (const m of text.matchAll(/\$\{([^}!]+)\}/g)) {
          const name = m[1]!.split('.')[0]!;
          if (!locals.includes(name)) out.push({ kind: 'Sub', target: name });
        }
        if (Array.isArray(value)) references(value[1], out);
      } else if ((key === 'Fn::If' || key === 'Condition') && Array.isArray(value)) {
        out.push({ kind: 'Condition', target: value[0] as string });
        references(value.slice(1), out);
      } else if (key === 'Condition' && typeof value === 'string') out.push({ kind: 'Condition', target: value });
      else references(value, out);
    }
  }
  return out;
}

/** A condition's value for the given parameter values (the functions the template's resource conditions use). */
function evaluate(node: Node, parameters: Record<string, unknown>): unknown {
  if (!node || typeof node !== 'object') return node;
  const [[fn, arg]] = Object.entries(node) as [[string, any]];
  if (fn === 'Ref') {
    assert.ok(arg in parameters, `no value for parameter ${arg}`);
    return parameters[arg];
  }
  if (fn === 'Fn::Equals') return evaluate(arg[0], parameters) === evaluate(arg[1], parameters);
  throw new Error(`cannot evaluate ${fn}`);
}

/** CloudFormation's PascalCase members in the API's camelCase; map keys (log driver options) stay. */
function apiCase(node: Node): Node {
  if (Array.isArray(node)) return node.map(apiCase);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key[0]!.toLowerCase() + key.slice(1), key === 'Options' ? value : apiCase(value)]));
}

/** cfn-lint from PyPI, in the virtualenv test/ensure-tools.sh keeps outside the repo. */
const CFN_LINT = path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'ecs-appliance', 'cfn-lint-venv', 'bin', 'cfn-lint');

describe('cloudformation.yaml', () => {
  const resources = template.Resources;

  it('passes cfn-lint with no errors or warnings', async () => {
    const result = await execa(CFN_LINT, ['--format', 'parseable', path.join(REPO_ROOT, 'docker/ecs/cloudformation.yaml')], { reject: false, all: true });
    assert.equal(result.exitCode, 0, `cfn-lint (${CFN_LINT}) found:\n${result.all}`);
  });

  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

  it('is a template with parameters for an existing VPC and cluster', () => {
    assert.equal(template.AWSTemplateFormatVersion, '2010-09-09');
    assert.equal(template.Parameters.VpcId?.Type, 'AWS::EC2::VPC::Id');
    assert.equal(template.Parameters.SubnetIds?.Type, 'List<AWS::EC2::Subnet::Id>');
    assert.ok(template.Parameters.ClusterName);
    assert.equal(ofType('AWS::ECS::Cluster').length, 0, 'uses the existing cluster');
    assert.equal(ofType('AWS::EC2::VPC').length, 0, 'uses the existing VPC');
  });

  it('resolves every Ref, GetAtt, Sub variable and condition', () => {
    const known = new Set([...Object.keys(template.Parameters), ...Object.keys(resources), ...PSEUDO]);
    const conditions = new Set(Object.keys(template.Conditions ?? {}));
    const dangling = references(template).filter((r) =>
      r.kind === 'Condition' ? !conditions.has(r.target) : r.kind === 'GetAtt' ? !(r.target in resources) : !known.has(r.target),
    );
    assert.deepEqual(dangling, []);
    for (const [name, resource] of Object.entries(resources)) {
      if (resource.Condition) assert.ok(conditions.has(resource.Condition), `${name}.Condition`);
      for (const dependency of [resource.DependsOn ?? []].flat()) assert.ok(dependency in resources, `${name}.DependsOn ${dependency}`);
    }
  });

  it('has task definitions and services that are valid by the ECS API model', () => {
    const taskDefinitions = ofType('AWS::ECS::TaskDefinition');
    const services = ofType('AWS::ECS::Service');
    assert.deepEqual([taskDefinitions.length, services.length], [3, 3]);
    for (const [name, { Properties }] of taskDefinitions) assert.deepEqual(modelIssues(Properties, RegisterTaskDefinitionRequest$, { cloudFormation: true }), [], name);
    for (const [name, { Properties }] of services) assert.deepEqual(modelIssues(Properties, CreateServiceRequest$, { cloudFormation: true }), [], name);
  });

  it('would notice a misspelt property (CloudFormation names are case-sensitive)', () => {
    const [[, taskDefinition] = []] = ofType('AWS::ECS::TaskDefinition');
    const properties = structuredClone(taskDefinition!.Properties!) as Record<string, any>;
    const container = properties.ContainerDefinitions[0];
    container.StopTimeOut = container.StopTimeout;
    delete container.StopTimeout;
    const issues = modelIssues(properties, RegisterTaskDefinitionRequest$, { cloudFormation: true });
    assert.deepEqual(issues, ['$.ContainerDefinitions[0].StopTimeOut: not a member of ContainerDefinition']);
  });

  it('runs the same container as task-definition.fargate.json', () => {
    const [[, taskDefinition] = []] = ofType('AWS::ECS::TaskDefinition');
    const container = (taskDefinition!.Properties!.ContainerDefinitions as Record<string, any>[])[0]!;
    const expected = fargate.containerDefinitions[0];
    const names = (list: { name?: string; Name?: string }[]) => list.map((e) => e.name ?? e.Name).sort();
    assert.deepEqual(names(container.Environment), names(expected.environment));
    assert.deepEqual(names(container.Secrets), names(expected.secrets));
    assert.deepEqual(container.PortMappings.map((p: any) => p.ContainerPort), expected.portMappings.map((p: any) => p.containerPort));
    assert.deepEqual(container.HealthCheck.Command, expected.healthCheck.command);
    assert.equal(container.User, expected.user);
    assert.equal(container.MountPoints[0].ContainerPath, '/data');
    assert.equal(container.LogConfiguration.LogDriver, 'awslogs');
  });

  it('grants the task role what task-role-policy.json grants', () => {
    const role = resources.TaskRole?.Properties as { Policies: { PolicyDocument: { Statement: Node[] } }[] };
    const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement).map((s: any) => (s['Fn::If'] ? s['Fn::If'][1] : s));
    const bySid = new Map(statements.map((s: any) => [s.Sid, [s.Action].flat().sort()]));
    for (const statement of rolePolicy.Statement) {
      assert.deepEqual(bySid.get(statement.Sid), [statement.Action].flat().sort(), statement.Sid);
    }
  });

  it('persists on encrypted EFS owned by the image user and never runs two writers', () => {
    const fs = ofType('AWS::EFS::FileSystem')[0]?.[1];
    assert.equal(fs?.Properties?.Encrypted, true);
    const accessPoint = ofType('AWS::EFS::AccessPoint')[0]?.[1]?.Properties as { PosixUser: { Uid: string } };
    assert.equal(`${accessPoint.PosixUser.Uid}:${accessPoint.PosixUser.Uid}`, fargate.containerDefinitions[0].user);
    const service = ofType('AWS::ECS::Service')[0]?.[1]?.Properties as Record<string, any>;
    assert.equal(service.DesiredCount, 1);
    assert.equal(service.DeploymentConfiguration.MaximumPercent, 100);
    assert.equal(service.DeploymentConfiguration.MinimumHealthyPercent, 0);
  });

  const hostExporters = [
    { service: 'CadvisorService', taskDefinition: 'CadvisorTaskDefinition', file: 'task-definition.cadvisor.json' },
    { service: 'NodeExporterService', taskDefinition: 'NodeExporterTaskDefinition', file: 'task-definition.node-exporter.json' },
  ];

  for (const exporter of hostExporters) {
    it(`runs ${exporter.service} on every EC2 container instance of the cluster`, () => {
      const service = resources[exporter.service]?.Properties as Record<string, any>;
      assert.equal(service.SchedulingStrategy, 'DAEMON');
      assert.equal(service.LaunchType, 'EC2');
      assert.equal(service.DesiredCount, undefined, 'a DAEMON service has one task per instance');
      assert.deepEqual(service.Cluster, { Ref: 'ClusterName' });
      assert.deepEqual(service.TaskDefinition, { Ref: exporter.taskDefinition });
    });

    it(`runs in ${exporter.taskDefinition} what ${exporter.file} runs`, () => {
      const fromTemplate = apiCase(resources[exporter.taskDefinition]!.Properties) as Record<string, any>;
      const fromFile = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docker/ecs', exporter.file), 'utf8'));
      // What differs by design: the stack names the family and the log group, the file gives examples.
      const comparable = (td: Record<string, any>) => {
        const { family: _family, tags: _tags, ...rest } = structuredClone(td);
        for (const container of rest.containerDefinitions) {
          const { 'awslogs-group': _group, 'awslogs-region': _region, 'awslogs-create-group': _create, ...options } = container.logConfiguration.options;
          container.logConfiguration.options = options;
        }
        return rest;
      };
      assert.deepEqual(comparable(fromTemplate), comparable(fromFile));
      assert.deepEqual(fromTemplate.containerDefinitions[0].logConfiguration.options['awslogs-group'], { Ref: 'LogGroup' });
    });
  }

  it('creates the host exporters by default and none of them with HostExporters=disabled', () => {
    const parameter = template.Parameters.HostExporters;
    assert.deepEqual(parameter?.AllowedValues, ['enabled', 'disabled']);
    assert.equal(parameter?.Default, 'enabled');
    const exporterResources = hostExporters.flatMap((e) => [e.service, e.taskDefinition]).sort();
    const created = (value: string) => {
      const parameters = { ...Object.fromEntries(Object.entries(template.Parameters).map(([name, p]) => [name, p.Default ?? ''])), HostExporters: value };
      return Object.entries(resources)
        .filter(([, r]) => !r.Condition || evaluate(template.Conditions![r.Condition], parameters))
        .map(([name]) => name);
    };
    const enabled = created('enabled');
    const disabled = created('disabled');
    assert.deepEqual(enabled.filter((name) => !disabled.includes(name)).sort(), exporterResources);
    assert.deepEqual(disabled.filter((name) => !enabled.includes(name)), []);
  });
});
