import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { registerSecret } from '../secrets.ts';

/**
 * A random secret generated once and kept (owner-only) in `file`, for Grafana settings that must
 * stay the same across restarts: the admin password Grafana applies only when it creates its
 * database, and the secret_key it encrypts datasource secrets with. `created` runs only the one
 * time the secret is made, so the log can say where it is (never what it is).
 */
export async function loadOrCreateSecret(file: string, created: () => void = () => {}): Promise<string> {
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    registerSecret(kept);
    if (kept !== '') return kept;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(24).toString('base64url');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'w' });
  registerSecret(secret);
  created();
  return secret;
}
