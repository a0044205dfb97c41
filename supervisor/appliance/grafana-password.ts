import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from '../log.ts';

/**
 * The Grafana admin password used when the bundle sets none. Grafana applies it only when it
 * creates its database, so it is generated once and kept (owner-only) next to that database.
 * The one time it is created, the log says where to read it, never the password itself.
 */
export async function loadOrCreateGrafanaPassword(file: string, logger: Logger): Promise<string> {
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept !== '') return kept;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const password = randomBytes(18).toString('base64url');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${password}\n`, { mode: 0o600, flag: 'w' });
  logger.warn({ file }, 'grafana.adminPassword is not set: generated a Grafana admin password; read it from this file (user admin unless grafana.adminUser says otherwise)');
  return password;
}
