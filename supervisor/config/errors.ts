/** One problem found in a bundle: which file, where inside it, and what was expected. */
export interface ConfigIssue {
  file: string;
  /** Dotted path inside the file, e.g. `discovery.rules[2].endpoints[0].port`. */
  path?: string;
  line?: number;
  column?: number;
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const position = issue.line !== undefined ? `:${issue.line}${issue.column !== undefined ? `:${issue.column}` : ''}` : '';
  const path = issue.path ? ` ${issue.path}:` : '';
  return `${issue.file}${position}:${path} ${issue.message}`;
}

/** A bundle that cannot be used; `issues` lists every problem found, not just the first. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** `["discovery", "rules", 2, "port"]` → `discovery.rules[2].port`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
