import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, type ConfigIssue } from './errors.ts';

/**
 * Parses one bundle YAML file into a document, keeping node positions so later steps can point
 * at lines. Syntax errors (and duplicate keys, which YAML parsers disagree about) name the file,
 * line and column.
 */
export function parseYamlDocument(file: string, text: string): { document: Document; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true, merge: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error): ConfigIssue => {
        const position = error.linePos?.[0];
        const firstLine = error.message.split('\n')[0] ?? error.message;
        const issue: ConfigIssue = { file, message: `YAML syntax error: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}` };
        if (position) {
          issue.line = position.line;
          issue.column = position.col;
        }
        return issue;
      }),
    );
  }
  return { document, lineCounter };
}

/** Parses a YAML file that needs no substitution (rule files) into plain data. */
export function parseYamlFile(file: string, text: string): unknown {
  return parseYamlDocument(file, text).document.toJS({ maxAliasCount: 100 });
}
