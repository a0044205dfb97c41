import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { REPO_ROOT, environmentVariablesRead } from './source-scan.ts';

const readme = readFileSync(path.join(REPO_ROOT, 'docker/ecs/README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Environment variables'));
const documented = new Set([...section.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!));

/** Variables the shipped artifacts set for the supervisor: image ENV, task definitions, compose. */
function variablesSet(): Map<string, string> {
  const set = new Map<string, string>();
  const dockerfile = readFileSync(path.join(REPO_ROOT, 'docker/Dockerfile'), 'utf8');
  const envBlock = /^ENV ([\s\S]*?)(?:\n\n|\n[A-Z]+ )/m.exec(dockerfile)?.[1] ?? '';
  for (const m of envBlock.matchAll(/([A-Z][A-Z0-9_]+)=/g)) set.set(m[1]!, 'docker/Dockerfile ENV');
  for (const file of ['task-definition.fargate.json', 'task-definition.ec2.json']) {
    const td = JSON.parse(readFileSync(path.join(REPO_ROOT, 'docker/ecs', file), 'utf8'));
    for (const container of td.containerDefinitions) {
      for (const { name } of [...(container.environment ?? []), ...(container.secrets ?? [])]) set.set(name, `docker/ecs/${file}`);
    }
  }
  const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { environment?: Record<string, unknown> }> };
  for (const name of Object.keys(compose.services.appliance?.environment ?? {})) set.set(name, 'docker-compose.yml appliance');
  return set;
}

describe('environment variables', () => {
  const read = environmentVariablesRead();

  it('are found in the supervisor source (the scan is not empty)', () => {
    for (const name of ['LOG_LEVEL', 'APPLIANCE_DATA_DIR', 'PROMETHEUS_BIN']) assert.ok(read.has(name), `${name} not found among ${[...read.keys()].join(', ')}`);
  });

  it('every variable the supervisor reads is documented in docker/ecs/README.md', () => {
    const undocumented = [...read].filter(([name]) => !documented.has(name)).map(([name, files]) => `${name} (read in ${files.join(', ')})`);
    assert.deepEqual(undocumented, []);
  });

  it('every variable the image, task definitions and compose set is documented', () => {
    const undocumented = [...variablesSet()].filter(([name]) => !documented.has(name) && name !== 'NODE_ENV').map(([name, where]) => `${name} (set in ${where})`);
    assert.deepEqual(undocumented, []);
  });
});
