/** Key names that must never reach /status, whatever a provider returns by mistake. */
const SECRET_KEY = /pass(word)?|secret|token|authorization|credential|private.?key|api.?key/i;

/**
 * A deep copy with the value of every secret-looking key replaced. Status providers should not put
 * secrets in their snapshots in the first place; this is the backstop.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
      copy[key] = SECRET_KEY.test(key) && inner !== null && inner !== undefined && typeof inner !== 'boolean' ? '[redacted]' : redactSecrets(inner);
    }
    return copy;
  }
  return value;
}
