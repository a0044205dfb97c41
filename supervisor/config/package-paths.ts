import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json, found by walking up from this module, so the same code finds
 * `templates/` and the default bundle whether it runs from source (tsx) or from `dist/`.
 * The image must ship `templates/` and `supervisor/config/default-bundle/` next to package.json.
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'ecs-appliance') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the ecs-appliance package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot();
export const DEFAULT_BUNDLE_DIR = join(PACKAGE_ROOT, 'supervisor', 'config', 'default-bundle');
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');
