import { readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type ConfigIssue } from '../config/errors.ts';
import { newEntryName, readSymlink, replaceSymlink, writeTree } from '../config/atomic-files.ts';
import type { DataDirLayout } from './data-dir.ts';
import type { RenderedFiles } from './render.ts';

export interface PublishResult {
  /** False when the rendered files equal the current release: nothing to swap or reload. */
  changed: boolean;
  /** The release directory `current` points at now. */
  release: string;
}

/** Validates a staged release directory; any issue keeps it from becoming current. */
export type ReleaseCheck = (stagingDir: string, files: RenderedFiles) => Promise<ConfigIssue[]>;

/**
 * Stage → validate → swap. The files are written to `config/staging`, checked there, moved to
 * `config/releases/<id>`, and only then is the `config/current` symlink replaced (one rename), with
 * `config/previous` pointing at the release before. A release that fails its check never becomes
 * current; it stays in `staging` for inspection until the next attempt. Older releases are removed.
 * Callers must not publish concurrently.
 */
export async function publishRelease(paths: DataDirLayout, files: RenderedFiles, check: ReleaseCheck): Promise<PublishResult> {
  const currentTarget = await readSymlink(paths.configCurrent);
  if (currentTarget && (await sameFiles(join(paths.configRoot, currentTarget), files))) {
    return { changed: false, release: join(paths.configRoot, currentTarget) };
  }

  await rm(paths.configStaging, { recursive: true, force: true });
  await writeTree(paths.configStaging, files);
  const issues = await check(paths.configStaging, files);
  if (issues.length > 0) throw new ConfigError(issues);

  const name = newEntryName();
  const release = join(paths.configReleases, name);
  await writeTree(paths.configReleases, new Map());
  await rename(paths.configStaging, release);
  await replaceSymlink(paths.configCurrent, join('releases', name));
  if (currentTarget) await replaceSymlink(paths.configPrevious, currentTarget);

  const keep = new Set([name, currentTarget?.split('/').pop()]);
  for (const entry of await readdir(paths.configReleases)) {
    if (!keep.has(entry)) await rm(join(paths.configReleases, entry), { recursive: true, force: true });
  }
  return { changed: true, release };
}

async function sameFiles(dir: string, files: RenderedFiles): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    return false;
  }
  const present = entries.filter((entry) => entry.isFile());
  if (present.length !== files.size) return false;
  for (const entry of present) {
    const relative = join(entry.parentPath, entry.name).slice(dir.length + 1);
    const expected = files.get(relative);
    if (expected === undefined || (await readFile(join(dir, relative), 'utf8')) !== expected) return false;
  }
  return true;
}

/**
 * Points `config/current` back at the release before it, after a component refused the new one
 * at reload (a check promtool/amtool cannot make). Returns false when there is no earlier release.
 */
export async function rollBackRelease(paths: DataDirLayout): Promise<boolean> {
  const previous = await readSymlink(paths.configPrevious);
  if (!previous) return false;
  await replaceSymlink(paths.configCurrent, previous);
  return true;
}
