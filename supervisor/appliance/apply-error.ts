import { ConfigError, type ConfigIssue } from '../config/errors.ts';

/** An error as /status and the log show it: the message, plus each bundle problem when it is a ConfigError. */
export interface ApplyError {
  message: string;
  issues: ConfigIssue[];
}

export function describeApplyError(error: unknown): ApplyError {
  if (error instanceof ConfigError) return { message: 'the config bundle was refused', issues: [...error.issues] };
  return { message: error instanceof Error ? error.message : String(error), issues: [] };
}
