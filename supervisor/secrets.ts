import { escapeHtml } from './html-escape.ts';

/**
 * The one place that knows which strings must never be printed: secret values the appliance
 * learns (its environment's secrets, what the bundle resolved from ${VARS} into secret places,
 * generated passwords), and credential-shaped text. Logs and /status pass everything through
 * redact(), so a secret that a child echoes back in an error line is still not shown.
 */

/** Variable names whose values are secrets. */
export const SECRET_NAME = /pass(word)?|secret|token|key|credential|auth|webhook|dsn/i;

/** Shorter values would redact ordinary words. */
const MIN_SECRET_LENGTH = 6;

const CREDENTIAL_SHAPES: Array<[RegExp, string]> = [
  // AWS access key IDs.
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted]'],
  // key=value and "key": "value" pairs whose key names a secret.
  [/\b((?:aws_)?(?:secret(?:_access)?_key|session_token|api_key|password|token)["']?\s*[=:]\s*["']?)[^\s"',&}]+/gi, '$1[redacted]'],
  // user:password@ in URLs.
  [/(\/\/[^/\s:@]+:)[^/\s@]+@/g, '$1[redacted]@'],
];

const known = new Set<string>();
let ordered: string[] = [];

/** A secret is hidden in the forms answers carry it in too: JSON strings (/status) and HTML (admin pages). */
export function registerSecret(value: string | undefined): void {
  if (value === undefined || value.length < MIN_SECRET_LENGTH || known.has(value)) return;
  known.add(value);
  known.add(JSON.stringify(value).slice(1, -1));
  known.add(escapeHtml(value));
  // Longest first, so a secret that contains another is replaced whole.
  ordered = [...known].sort((a, b) => b.length - a.length);
}

/** Registers the values of the variables whose names say they are secrets. */
export function registerSecretsFromEnvironment(env: NodeJS.ProcessEnv): void {
  for (const [name, value] of Object.entries(env)) if (SECRET_NAME.test(name)) registerSecret(value);
}

export function redact(text: string): string {
  let result = text;
  for (const secret of ordered) if (result.includes(secret)) result = result.replaceAll(secret, '[redacted]');
  for (const [shape, replacement] of CREDENTIAL_SHAPES) result = result.replace(shape, replacement);
  return result;
}
