import { createHash } from 'node:crypto';

/**
 * A config bundle as fetched: file contents by bundle-relative POSIX path. A single-file bundle
 * holds one entry named after the file; a folder bundle holds `appliance.yml` and the files of the
 * known sub-folders. `version` identifies the content (an ETag or a content hash) for polling.
 */
export interface Bundle {
  kind: 'file' | 'folder';
  /** The appliance config file's key in `files` (`appliance.yml`, or the single file's name). */
  mainFile: string;
  files: ReadonlyMap<string, Buffer>;
  version: string;
  /** Where it came from, for logs and messages (`s3://bucket/prefix/`, `file:///…`). */
  source: string;
}

/** The files a folder bundle may hold; anything else in the folder or prefix is not read. */
const FOLDER_BUNDLE_PATH = /^(?:appliance\.ya?ml|rules\/[^/]+\.ya?ml|alertmanager\/[^/]+\.tmpl|dashboards\/[^/]+\.json|templates\/[^/]+\.hbs)$/;

export function isFolderBundlePath(relativePath: string): boolean {
  return FOLDER_BUNDLE_PATH.test(relativePath);
}

export const MAIN_FILE_NAMES = ['appliance.yml', 'appliance.yaml'] as const;

/** A single config file's location names it as YAML; anything else is a folder / prefix. */
export function isSingleFileName(name: string): boolean {
  return /\.ya?ml$/i.test(name);
}

/** Size limits, so a wrong prefix (a bucket of logs) fails fast instead of filling memory. */
export const BUNDLE_LIMITS = { maxFiles: 500, maxFileBytes: 5 * 1024 * 1024 } as const;

export function assertFileSize(name: string, bytes: number): void {
  if (bytes > BUNDLE_LIMITS.maxFileBytes) throw new Error(`${name}: ${bytes} bytes is more than the ${BUNDLE_LIMITS.maxFileBytes} a bundle file may have`);
}

/**
 * Reads a body as it streams in, failing as soon as it passes the file size limit, so an endless
 * or huge response costs at most the limit in memory.
 */
export async function readWithinLimit(name: string, body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.byteLength;
    if (bytes > BUNDLE_LIMITS.maxFileBytes) throw new Error(`${name}: more than the ${BUNDLE_LIMITS.maxFileBytes} bytes a bundle file may have`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function assertFileCount(source: string, count: number): void {
  if (count > BUNDLE_LIMITS.maxFiles) throw new Error(`${source}: ${count} bundle files is more than the ${BUNDLE_LIMITS.maxFiles} allowed`);
}

/** A version for content without an ETag: a hash over paths and contents, independent of order. */
export function contentVersion(files: ReadonlyMap<string, Buffer>): string {
  const hash = createHash('sha256');
  for (const name of [...files.keys()].sort()) {
    hash.update(name).update('\0');
    hash.update(createHash('sha256').update(files.get(name)!).digest()).update('\0');
  }
  return `sha256:${hash.digest('hex')}`;
}

/** Picks the main file of a folder bundle, or says it is missing. */
export function folderMainFile(files: ReadonlyMap<string, Buffer>, source: string): string {
  const present = MAIN_FILE_NAMES.filter((name) => files.has(name));
  if (files.size === 0) throw new Error(`${source}: the bundle is empty (no bundle files there: appliance.yml, rules/, dashboards/, …)`);
  if (present.length === 0) throw new Error(`${source}: no appliance.yml in the bundle folder (it has ${[...files.keys()].slice(0, 5).join(', ')}${files.size > 5 ? ', …' : ''})`);
  if (present.length > 1) throw new Error(`${source}: both appliance.yml and appliance.yaml; keep one`);
  return present[0]!;
}
