import { NormalizedSchema } from '@smithy/core/schema';
import type { $SchemaRef } from '@smithy/types';

/**
 * Checks a JSON document against an AWS API input shape, using the model the AWS SDK ships
 * (`RegisterTaskDefinitionRequest$` and friends): unknown members, wrong JSON types and missing
 * required members are reported with their path, as the service itself would reject them.
 */
export function modelIssues(value: unknown, shape: $SchemaRef, options: ModelOptions = {}): string[] {
  const issues: string[] = [];
  walk(value, NormalizedSchema.of(shape), '$', issues, options);
  return issues;
}

export interface ModelOptions {
  /**
   * CloudFormation spells the same members in PascalCase (`ContainerDefinitions`, `FilesystemId`)
   * and allows an intrinsic (`{ Ref: … }`, `{ 'Fn::If': … }`) wherever a value goes.
   */
  cloudFormation?: boolean;
}

/** Where CloudFormation's name is not the API member's with a capital first letter. */
const CLOUDFORMATION_SPELLINGS = new Set(['EFSVolumeConfiguration', 'FilesystemId', 'IAM']);

function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
}

function requiredMembers(schema: NormalizedSchema): string[] {
  // A structure schema is [kind, namespace, name, traits, memberNames, memberSchemas, requiredCount]:
  // the SDK lists required members first and counts them.
  const raw = schema.getSchema() as unknown;
  if (!Array.isArray(raw)) return [];
  const names = raw[4] as string[] | undefined;
  const count = typeof raw[6] === 'number' ? raw[6] : 0;
  return names ? names.slice(0, count) : [];
}

function walk(value: unknown, schema: NormalizedSchema, path: string, issues: string[], options: ModelOptions): void {
  if (options.cloudFormation && isIntrinsic(value)) return;
  if (schema.isStructSchema()) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push(`${path}: expected an object (${schema.getName() ?? 'structure'})`);
      return;
    }
    const members = schema.getMemberSchemas();
    const nameOf = (key: string) =>
      options.cloudFormation
        ? Object.keys(members).find((name) => key === name[0]!.toUpperCase() + name.slice(1) || (CLOUDFORMATION_SPELLINGS.has(key) && name.toLowerCase() === key.toLowerCase()))
        : key in members
          ? key
          : undefined;
    const present = new Set<string>();
    for (const [key, member] of Object.entries(value)) {
      const name = nameOf(key);
      if (name === undefined) {
        issues.push(`${path}.${key}: not a member of ${schema.getName() ?? 'this structure'}`);
        continue;
      }
      present.add(name);
      walk(member, members[name]!, `${path}.${key}`, issues, options);
    }
    for (const name of requiredMembers(schema)) {
      if (!present.has(name)) issues.push(`${path}.${name}: required by ${schema.getName() ?? 'this structure'}`);
    }
  } else if (schema.isListSchema()) {
    if (!Array.isArray(value)) issues.push(`${path}: expected a list`);
    else value.forEach((item, i) => walk(item, schema.getValueSchema(), `${path}[${i}]`, issues, options));
  } else if (schema.isMapSchema()) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) issues.push(`${path}: expected a map`);
    else for (const [key, item] of Object.entries(value)) walk(item, schema.getValueSchema(), `${path}.${key}`, issues, options);
  } else if (schema.isStringSchema()) {
    if (typeof value !== 'string') issues.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
  } else if (schema.isNumericSchema()) {
    if (typeof value !== 'number') issues.push(`${path}: expected a number, got ${JSON.stringify(value)}`);
  } else if (schema.isBooleanSchema()) {
    if (typeof value !== 'boolean') issues.push(`${path}: expected a boolean, got ${JSON.stringify(value)}`);
  }
}
