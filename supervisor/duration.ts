/** Prometheus duration syntax: one or more number+unit pairs, largest unit first ("1h30m", "15s"). */
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1_000, 1];

/** Milliseconds for a Prometheus duration string, or undefined when it is not one. */
export function parseDuration(value: string): number | undefined {
  if (value === '' || value === '0') return value === '0' ? 0 : undefined;
  const match = DURATION.exec(value);
  if (!match) return undefined;
  let total = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = match[i + 1];
    if (part !== undefined) total += Number(part) * UNIT_MS[i]!;
  }
  return total;
}
