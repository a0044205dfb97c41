import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What the deploy artifacts are checked against: facts read from the supervisor's own source. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

export function supervisorSources(root = path.join(REPO_ROOT, 'supervisor')): { file: string; text: string }[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return { file: path.relative(REPO_ROOT, file), text: readFileSync(file, 'utf8') };
    });
}

const ENV_READER = /process\.env|ProcessEnv|\benv:\s*Environment\b/;
const ENV_ACCESS = /\b(?:process\.)?env\s*(?:\.\s*|\[\s*['"])([A-Z][A-Z0-9_]*)/g;
// Variable names kept in tables (`prometheus: 'PROMETHEUS_BIN'`) and looked up as env[name].
const ENV_NAME_LITERAL = /['"]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"]/g;

/**
 * Environment variables the supervisor reads: `process.env.X`, and `env.X` / `env['X']` or
 * variable-name literals in files that take the process environment (`NodeJS.ProcessEnv`, or the
 * config's `Environment`). Files that only look at task definitions' `environment` are not
 * readers, so a discovered container's PROMETHEUS_PORT is not mistaken for the appliance's own.
 */
export function environmentVariablesRead(sources = supervisorSources()): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (name: string, file: string) => found.set(name, [...new Set([...(found.get(name) ?? []), file])]);
  for (const { file, text } of sources) {
    if (!ENV_READER.test(text)) continue;
    for (const match of text.matchAll(ENV_ACCESS)) add(match[1]!, file);
    for (const match of text.matchAll(ENV_NAME_LITERAL)) add(match[1]!, file);
  }
  return found;
}

const SERVICE_PREFIX: Record<string, string> = { ecs: 'ecs', ec2: 'ec2', s3: 's3', sts: 'sts' };
/** SDK operations whose IAM action has another name. */
const ACTION_OF_OPERATION: Record<string, string> = {
  's3:ListObjectsV2': 's3:ListBucket',
  's3:ListObjects': 's3:ListBucket',
  's3:HeadObject': 's3:GetObject',
};
/** Calls that need no permission. */
const UNPERMISSIONED = new Set(['sts:GetCallerIdentity']);

const SDK_PACKAGE = String.raw`'@aws-sdk\/(client-[a-z0-9-]+|credential-providers)'`;
/** `import { A, type B } from '@aws-sdk/…'`, and the lazy `const { A } = await import('@aws-sdk/…')`. */
const SDK_IMPORTS = [
  new RegExp(String.raw`import\s+(type\s+)?\{([^}]*)\}\s+from\s+${SDK_PACKAGE}`, 'g'),
  new RegExp(String.raw`()\{([^}]*)\}\s*=\s*await\s+import\(\s*${SDK_PACKAGE}\s*\)`, 'g'),
];

/** IAM actions behind every AWS SDK call in the supervisor, with the files that make them. */
export function awsActionsCalled(sources = supervisorSources()): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (action: string, file: string) => {
    const iam = ACTION_OF_OPERATION[action] ?? action;
    if (!UNPERMISSIONED.has(iam)) found.set(iam, [...new Set([...(found.get(iam) ?? []), file])]);
  };
  for (const { file, text } of sources) {
    for (const match of SDK_IMPORTS.flatMap((pattern) => [...text.matchAll(pattern)])) {
      if (match[1]) continue;
      const names = match[2]!.split(',').map((n) => n.trim()).filter((n) => n && !n.startsWith('type '));
      const pkg = match[3]!;
      for (const name of names) {
        if (pkg === 'credential-providers') {
          if (name === 'fromTemporaryCredentials') add('sts:AssumeRole', file);
          continue;
        }
        const service = SERVICE_PREFIX[pkg.slice('client-'.length)];
        if (!service) throw new Error(`${file}: imports ${pkg}, which source-scan.ts has no IAM prefix for`);
        const command = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
        if (command) add(`${service}:${command}`, file);
      }
    }
  }
  return found;
}
