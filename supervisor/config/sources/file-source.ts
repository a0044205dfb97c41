import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { assertFileCount, assertFileSize, contentVersion, folderMainFile, isFolderBundlePath, type Bundle } from '../bundle.ts';
import type { BundleSource, FetchResult } from '../source.ts';

/**
 * A bundle on disk: one YAML file or a folder. The version is a hash of the content, so an edit
 * is seen even when the modification time is not (files restored from an image, coarse clocks).
 */
export function fileBundleSource(path: string, description = `file://${path}`): BundleSource {
  return {
    description,
    async fetch(previousVersion?: string): Promise<FetchResult> {
      const bundle = await readBundleFromDisk(path, description);
      if (bundle.version === previousVersion) return { unchanged: true, version: bundle.version };
      return { unchanged: false, bundle };
    },
  };
}

export async function readBundleFromDisk(path: string, description = `file://${path}`): Promise<Bundle> {
  const info = await stat(path);
  const files = new Map<string, Buffer>();
  if (info.isDirectory()) {
    for (const relative of await listFolder(path)) {
      const content = await readFile(join(path, relative));
      assertFileSize(relative, content.length);
      files.set(relative, content);
    }
    return { kind: 'folder', mainFile: folderMainFile(files, description), files, version: contentVersion(files), source: description };
  }
  const mainFile = basename(path);
  assertFileSize(mainFile, info.size);
  files.set(mainFile, await readFile(path));
  return { kind: 'file', mainFile, files, version: contentVersion(files), source: description };
}

async function listFolder(root: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isFile() && isFolderBundlePath(entry.name)) found.push(entry.name);
    if (!entry.isDirectory()) continue;
    for (const child of await readdir(join(root, entry.name), { withFileTypes: true })) {
      const relative = `${entry.name}/${child.name}`;
      if (child.isFile() && isFolderBundlePath(relative)) found.push(relative);
    }
  }
  assertFileCount(root, found.length);
  return found.sort();
}
