import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Replaces a file so readers see the old content or the new, never a mix: write a temp file in the
 * same directory, flush it to disk, then rename over the target (atomic on POSIX filesystems).
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const handle = await open(temp, 'w', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    // fs errors from a file handle (ENOSPC on write) do not say which file.
    throw new Error(`cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}
