import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Bundle } from './bundle.ts';
import { newEntryName, readSymlink, replaceSymlink, writeTree } from './atomic-files.ts';

/**
 * The last bundle that was applied, kept under `<dataDir>/bundle-cache/` so that a restart while
 * S3 or the HTTPS server is unreachable still runs the last good config. Entries live in
 * `entries/<id>/`; `current` is a symlink swapped in one step, so a crash mid-save leaves the
 * previous entry in place.
 */
const metaSchema = z.object({
  location: z.string(),
  version: z.string(),
  kind: z.enum(['file', 'folder']),
  mainFile: z.string(),
  source: z.string(),
  savedAt: z.string(),
});

const FILES = 'files';

/** Saves a bundle that was applied successfully; `location` keys it, so a cache for another location is never used. */
export async function saveBundleToCache(cacheDir: string, location: string, bundle: Bundle): Promise<void> {
  const name = newEntryName();
  const staging = join(cacheDir, 'entries', `${name}.partial`);
  const meta = { location, version: bundle.version, kind: bundle.kind, mainFile: bundle.mainFile, source: bundle.source, savedAt: new Date().toISOString() };
  await writeTree(staging, new Map<string, string | Buffer>([['meta.json', JSON.stringify(meta, null, 2)], ...[...bundle.files].map(([path, content]) => [`${FILES}/${path}`, content] as const)]));
  await rename(staging, join(cacheDir, 'entries', name));
  await replaceSymlink(join(cacheDir, 'current'), join('entries', name));
  for (const entry of await readdir(join(cacheDir, 'entries'))) {
    if (entry !== name) await rm(join(cacheDir, 'entries', entry), { recursive: true, force: true });
  }
}

/** The cached bundle for `location`, or undefined when there is none (or it is for another location). */
export async function loadBundleFromCache(cacheDir: string, location: string): Promise<Bundle | undefined> {
  const target = await readSymlink(join(cacheDir, 'current'));
  if (!target) return undefined;
  const entry = join(cacheDir, target);
  const meta = metaSchema.parse(JSON.parse(await readFile(join(entry, 'meta.json'), 'utf8')));
  if (meta.location !== location) return undefined;
  const files = new Map<string, Buffer>();
  const root = join(entry, FILES);
  for (const item of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!item.isFile()) continue;
    const relative = join(item.parentPath, item.name).slice(root.length + 1).split('\\').join('/');
    files.set(relative, await readFile(join(item.parentPath, item.name)));
  }
  return { kind: meta.kind, mainFile: meta.mainFile, files, version: meta.version, source: `${meta.source} (cached ${meta.savedAt})` };
}
