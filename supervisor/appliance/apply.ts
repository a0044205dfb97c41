import { readSymlink, replaceSymlink } from '../config/atomic-files.ts';
import { ConfigError, type ConfigIssue } from '../config/errors.ts';
import type { DataDirLayout } from '../render/data-dir.ts';

/**
 * Points `config/current` back at the release before it, after a component refused the new one
 * at reload (a check promtool/amtool cannot make). Returns false when there is no earlier release.
 */
export async function rollBackRelease(layout: DataDirLayout): Promise<boolean> {
  const previous = await readSymlink(layout.configPrevious);
  if (!previous) return false;
  await replaceSymlink(layout.configCurrent, previous);
  return true;
}

/** An error as /status and the log show it: the message, plus each bundle problem when it is a ConfigError. */
export interface ApplyError {
  message: string;
  issues: ConfigIssue[];
}

export function describeApplyError(error: unknown): ApplyError {
  if (error instanceof ConfigError) return { message: 'the config bundle was refused', issues: [...error.issues] };
  return { message: error instanceof Error ? error.message : String(error), issues: [] };
}
