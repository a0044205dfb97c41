import { isPair, isScalar, isSeq, parse, visit, type Document, type LineCounter, type Node } from 'yaml';
import { SECRET_NAME } from '../secrets.ts';
import { ConfigError, formatPath, type ConfigIssue } from './errors.ts';

/** `${NAME}`, `${NAME:-default}`, or the escape `$${` for a literal `${`. Anything else (`${1}`) is left alone. */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Replaces environment references in the string values of a parsed document, so secrets can come
 * from ECS task secrets instead of the bucket. Substitution happens on parsed values, never on the
 * raw text, so a variable's content cannot add YAML structure. An unquoted value that is exactly
 * one reference (`port: ${PORT}`) is re-read as a YAML scalar, so numbers and booleans work;
 * anything that would not be a plain scalar stays a string. Keys are never substituted.
 */
export function substituteEnvironment(file: string, document: Document, lineCounter: LineCounter, env: Environment): { secrets: string[] } {
  const issues: ConfigIssue[] = [];
  const secrets: string[] = [];
  visit(document, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const source = node.value;
      const missing: string[] = [];
      const secretPlace = SECRET_PLACES.test(pathOf([...ancestors, node]));
      const replaced = source.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
        if (name === undefined) return '${';
        const value = env[name];
        if (value && (secretPlace || SECRET_NAME.test(name))) secrets.push(value);
        if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
        if (value === undefined) {
          missing.push(name);
          return match;
        }
        return value;
      });
      if (missing.length > 0) {
        const position = node.range ? lineCounter.linePos(node.range[0]) : undefined;
        for (const name of missing) {
          const issue: ConfigIssue = { file, path: pathOf([...ancestors, node]), message: `environment variable ${name} is not set` };
          if (position) {
            issue.line = position.line;
            issue.column = position.col;
          }
          issues.push(issue);
        }
        return;
      }
      node.value = node.type === 'PLAIN' && WHOLE_REFERENCE.test(source) ? asPlainScalar(replaced) : replaced;
    },
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return { secrets };
}

/** Bundle paths whose values are secrets whatever the variable is called: receivers hold webhook URLs and API keys. */
const SECRET_PLACES = /^(alertmanager\.(receivers|global)|grafana\.adminPassword)\b/;

function asPlainScalar(text: string): unknown {
  try {
    const value: unknown = parse(text);
    return value === null || typeof value === 'object' ? text : value;
  } catch {
    return text;
  }
}

function pathOf(chain: readonly unknown[]): string {
  const parts: (string | number)[] = [];
  for (let i = 0; i < chain.length; i++) {
    const item = chain[i];
    if (isSeq(item)) parts.push(item.items.indexOf(chain[i + 1] as Node));
    else if (isPair(item)) parts.push(isScalar(item.key) ? String(item.key.value) : String(item.key));
  }
  return formatPath(parts);
}
