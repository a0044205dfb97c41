import type { z } from 'zod';
import { formatPath, type ConfigIssue } from './errors.ts';

type RawIssue = z.core.$ZodRawIssue;

/**
 * Error messages in the appliance's own words: "expected X, got Y", naming allowed keys and
 * ranges, so a message read in CloudWatch is enough to fix the file. Passed to `safeParse` as the
 * per-parse error map; messages written on the schema itself still win.
 */
export function applianceErrorMap(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? `required: expected ${describeType(issue.expected)}` : `expected ${describeType(issue.expected)}, got ${describeValue(issue.input)}`;
    case 'too_small':
    case 'too_big':
      return describeRange(issue);
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}`;
    case 'unrecognized_keys': {
      const shape = (issue.inst as { shape?: Record<string, unknown> } | undefined)?.shape;
      return shape ? `expected one of ${Object.keys(shape).join(', ')}` : 'not part of this section';
    }
    case 'invalid_key':
      return `invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    case 'invalid_union':
      return `expected ${[...new Set(issue.errors.flat().map((e) => (e.code === 'invalid_type' ? describeType(e.expected) : e.message)))].join(' or ')}, got ${describeValue(issue.input)}`;
    default:
      return undefined;
  }
}

/** Turns zod's issues into ConfigIssues for `file`, one per unknown key. */
/** Where in the file a key path is: its line and column, when the file has it. */
export type Locate = (path: readonly PropertyKey[]) => { line: number; column: number } | undefined;

export function toConfigIssues(file: string, error: z.ZodError, locate: Locate = () => undefined): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (path: readonly PropertyKey[], message: string) => issues.push({ file, ...locate(path), path: formatPath(path), message });
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key], `unknown key; ${issue.message}`);
    } else {
      add(issue.path, issue.message);
    }
  }
  return issues;
}

function describeType(expected: string): string {
  const names: Record<string, string> = {
    number: 'a number',
    int: 'a whole number',
    string: 'a string',
    boolean: 'true or false',
    object: 'a mapping',
    record: 'a mapping',
    array: 'a list',
  };
  return names[expected] ?? expected;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return String(value);
}

function describeRange(issue: RawIssue & { code: 'too_small' | 'too_big' }): string {
  const origin = issue.origin;
  if (origin === 'number' || origin === 'int') {
    const schema = (issue as { inst?: unknown; schema?: { minValue?: number | null; maxValue?: number | null } }).schema;
    const min = schema?.minValue;
    const max = schema?.maxValue;
    if (typeof min === 'number' && typeof max === 'number' && Number.isFinite(min) && Number.isFinite(max) && Math.abs(max) < Number.MAX_SAFE_INTEGER) {
      return `expected a number from ${min} to ${max}, got ${describeValue(issue.input)}`;
    }
    const bound = issue.code === 'too_small' ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
    return `expected a number ${bound}, got ${describeValue(issue.input)}`;
  }
  const limit = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const unit = origin === 'string' ? 'characters' : 'items';
  return `expected ${issue.code === 'too_small' ? 'at least' : 'at most'} ${limit} ${unit}`;
}
