/** One sample: its labels (client_golang writes them sorted by name, so do we) and value. */
export type Sample = [labels: Record<string, string>, value: number];

/** One metric family in the Prometheus text format; a family with no samples writes nothing, as exporters do. */
export function family(name: string, type: 'counter' | 'gauge', help: string, samples: Sample[]): string {
  if (samples.length === 0) return '';
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`];
  for (const [labels, value] of samples) lines.push(`${name}${labelText(labels)} ${formatValue(value)}`);
  return `${lines.join('\n')}\n`;
}

function labelText(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '';
  return `{${names.map((n) => `${n}="${labels[n]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(12).replace(/\.?0+$/, '');
}
