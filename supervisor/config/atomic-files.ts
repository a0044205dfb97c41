import { randomBytes } from 'node:crypto';
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Writes files (relative POSIX paths) under `dir`, owner-only: rendered config and cached bundles
 * can hold receiver credentials and the Grafana password.
 */
export async function writeTree(dir: string, files: ReadonlyMap<string, string | Buffer>): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [relative, content] of files) {
    const target = join(dir, ...relative.split('/'));
    try {
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await writeFile(target, content, { mode: 0o600 });
    } catch (error) {
      // fs errors from writing (ENOSPC) do not say which file.
      throw new Error(`cannot write ${target}: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Points `link` at `target` in one step: a new symlink renamed over the old one, so readers see old or new, never nothing. */
export async function replaceSymlink(link: string, target: string): Promise<void> {
  const temporary = `${link}.${randomBytes(4).toString('hex')}.tmp`;
  await symlink(target, temporary);
  try {
    await rename(temporary, link);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The target of a symlink, or undefined when there is none. */
export async function readSymlink(link: string): Promise<string | undefined> {
  try {
    return await readlink(link);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A sortable, unique directory name for a new release or cache entry. */
export function newEntryName(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, '')}-${randomBytes(3).toString('hex')}`;
}
