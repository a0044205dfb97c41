/**
 * Writers that turn data into YAML and INI text that reads back as exactly that data. Every value
 * that reaches a rendered file goes through one of these, so no label value, receiver name or
 * password can add a line, a key or a list item.
 */

export class RenderValueError extends Error {
  override name = 'RenderValueError';
}

/** Characters YAML 1.1 parsers (Prometheus, Alertmanager) treat as line breaks or refuse raw; always escaped. */
const UNSAFE_IN_QUOTES = /[\u007f-\u009f\u2028\u2029\ufeff]/g;
/** Go YAML refuses escaped lone surrogates; they become U+FFFD, as any UTF-8 encoder would make them. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Plain words YAML 1.1 reads as booleans or null, so they must be quoted even as keys. */
const YAML11_SPECIAL = /^(?:y|n|yes|no|on|off|true|false|null)$/i;

/** A double-quoted YAML scalar (JSON string syntax, which YAML shares), with YAML 1.1 line breaks escaped. */
export function quoteString(value: string): string {
  return JSON.stringify(value.replace(LONE_SURROGATE, '\ufffd')).replace(UNSAFE_IN_QUOTES, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function key(name: string): string {
  return PLAIN_KEY.test(name) && !YAML11_SPECIAL.test(name) ? name : quoteString(name);
}

function isEmptyCollection(value: unknown): boolean {
  return Array.isArray(value) ? value.length === 0 : isMapping(value) && Object.keys(value).length === 0;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One value on one line: a scalar, or a collection in flow style (`{"a": "b"}`, `["x"]`). */
export function yamlInline(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quoteString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RenderValueError(`cannot write ${value} as a YAML number`);
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (Array.isArray(value)) return `[${value.map(yamlInline).join(', ')}]`;
  if (isMapping(value)) return `{${Object.entries(value).map(([k, v]) => `${quoteString(k)}: ${yamlInline(v)}`).join(', ')}}`;
  throw new RenderValueError(`cannot write a ${typeof value} as YAML`);
}

/** Block-style lines for a non-empty collection, the first line starting at `indent`. */
function blockLines(value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (isEmptyCollection(value) || (!Array.isArray(value) && !isMapping(value))) return [`${pad}${yamlInline(value)}`];
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isEmptyCollection(item) || (!Array.isArray(item) && !isMapping(item))) {
        lines.push(`${pad}- ${yamlInline(item)}`);
        continue;
      }
      // The item's first line shares the line with "- "; the rest keep its indentation.
      const nested = blockLines(item, indent + 2);
      lines.push(`${pad}- ${nested[0]!.slice(indent + 2)}`, ...nested.slice(1));
    }
    return lines;
  }
  for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
    if (isEmptyCollection(item) || (!Array.isArray(item) && !isMapping(item))) lines.push(`${pad}${key(name)}: ${yamlInline(item)}`);
    else lines.push(`${pad}${key(name)}:`, ...blockLines(item, indent + 2));
  }
  return lines;
}

/**
 * The value of a mapping key, written after `key: `: a scalar or empty collection inline, a
 * non-empty collection as indented block lines starting on the next line.
 */
export function yamlValue(value: unknown, indent: number): string {
  if (isEmptyCollection(value) || (!Array.isArray(value) && !isMapping(value))) return yamlInline(value);
  return `\n${blockLines(value, indent).join('\n')}`;
}

/** List items (`- ...` lines at `indent`) to continue a list the template started; empty for no items. */
export function yamlItems(items: unknown, indent: number): string {
  if (!Array.isArray(items)) throw new RenderValueError('expected a list of items');
  return items.length === 0 ? '' : blockLines(items, indent).join('\n');
}

/**
 * An INI value for Grafana's parser (go-ini): wrapped in backticks, which it reads verbatim up to
 * the last backtick on the line, so `#`, `;` and quotes stay data. Line breaks cannot be written.
 */
export function iniValue(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') throw new RenderValueError(`cannot write a ${value === null ? 'null' : typeof value} as an INI value`);
  if (/[\r\n]/.test(value)) throw new RenderValueError('an INI value cannot hold a line break');
  return `\`${value}\``;
}
