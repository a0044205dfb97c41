/**
 * The value of an unlabelled sample in Prometheus text exposition, or undefined when absent.
 * Enough to read a component's own reload gauges without a full parser.
 */
export function readSample(exposition: string, name: string): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!rest.startsWith(' ') && !rest.startsWith('{}')) continue;
    const value = rest.replace(/^\{\}/, '').trim().split(/\s+/)[0];
    if (value === undefined) continue;
    const number = Number(value);
    if (!Number.isNaN(number) || value === 'NaN') return number;
  }
  return undefined;
}
