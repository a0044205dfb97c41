/**
 * Turns one line of a child's output into a structured log record. Prometheus, Alertmanager,
 * node-exporter and Grafana all log logfmt (`ts=… level=info caller=… msg="…"`); anything that does
 * not parse is kept verbatim as the message, so no child line can break the supervisor's JSON stream.
 */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface ChildLogRecord {
  level: LogLevel;
  msg: string;
  fields: Record<string, string>;
}

/** Longest line kept; a runaway child must not blow up one log record. */
export const MAX_LINE_CHARS = 16_384;

const LEVELS: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  dbug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  eror: 'error',
  error: 'error',
  crit: 'fatal',
  fatal: 'fatal',
};

/** Keys that belong to the supervisor's own record; a child's copy is renamed rather than lost. */
const RESERVED = new Set(['component', 'stream', 'time', 'level', 'msg', 'pid']);

/** logfmt pairs, or undefined when the line is not logfmt (then it is logged verbatim). */
export function parseLogfmt(line: string): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  let i = 0;
  let pairs = 0;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    if (i >= line.length) break;
    const keyStart = i;
    while (i < line.length && line[i] !== '=' && line[i] !== ' ' && line[i] !== '"') i++;
    const key = line.slice(keyStart, i);
    if (key === '' || line[i] !== '=') return undefined;
    i++;
    let value = '';
    if (line[i] === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const ch = line[i]!;
        if (ch === '\\' && i + 1 < line.length) {
          const next = line[i + 1]!;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
          continue;
        }
        if (ch === '"') {
          closed = true;
          i++;
          break;
        }
        value += ch;
        i++;
      }
      if (!closed) return undefined;
    } else {
      const valueStart = i;
      while (i < line.length && line[i] !== ' ') i++;
      value = line.slice(valueStart, i);
    }
    fields[key] = value;
    pairs++;
  }
  return pairs > 0 ? fields : undefined;
}

export function parseChildLine(rawLine: string, options: { logfmt: boolean; defaultLevel: LogLevel }): ChildLogRecord {
  const line = rawLine.length > MAX_LINE_CHARS ? `${rawLine.slice(0, MAX_LINE_CHARS)}…[truncated]` : rawLine;
  const parsed = options.logfmt ? parseLogfmt(line) : undefined;
  if (!parsed || (parsed.msg === undefined && parsed.level === undefined)) {
    return { level: options.defaultLevel, msg: line, fields: {} };
  }
  const { msg, level, ts: _ts, t: _t, ...rest } = parsed;
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(rest)) fields[RESERVED.has(key) ? `child_${key}` : key] = value;
  return {
    level: (level !== undefined ? LEVELS[level.toLowerCase()] : undefined) ?? options.defaultLevel,
    msg: msg ?? line,
    fields,
  };
}
