import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { ConfigError, type ConfigIssue } from '../config/errors.ts';
import { TEMPLATES_DIR } from '../config/package-paths.ts';
import { iniValue, yamlInline, yamlItems, yamlValue } from './quoting.ts';

/** The built-in templates, by the name a bundle uses to override one (`templates/<name>`). */
export const TEMPLATE_NAMES = ['prometheus.yml.hbs', 'alertmanager.yml.hbs', 'grafana.ini.hbs', 'grafana-datasources.yml.hbs', 'grafana-dashboards.yml.hbs'] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

/** Template sources by name, each checked by checkTemplate. */
export type TemplateSources = Record<TemplateName, string>;

/** The only ways a template may print a value; each quotes for the target format. */
const OUTPUT_HELPERS = {
  q: (value: unknown) => yamlInline(value),
  yaml: (value: unknown, indent: number) => yamlValue(value, indent),
  yamlItems: (value: unknown, indent: number) => yamlItems(value, indent),
  ini: (value: unknown) => iniValue(value),
} as const;

/** Block helpers a template may use: they lay values out and print nothing of their own. */
const BLOCK_HELPERS = new Set(['if', 'unless', 'each', 'with']);

/**
 * A Handlebars environment with the quoting helpers and nothing that reaches outside the output:
 * the built-in `log` (which writes raw lines to the supervisor's console) and `lookup` are removed.
 */
export function createEnvironment(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.unregisterHelper('log');
  hbs.unregisterHelper('lookup');
  for (const [name, write] of Object.entries(OUTPUT_HELPERS)) {
    hbs.registerHelper(name, (value: unknown, options: Handlebars.HelperOptions) => {
      const indent = Number((options.hash as { indent?: unknown }).indent ?? 0);
      return new hbs.SafeString(write(value, indent));
    });
  }
  return hbs;
}

/** Reads the built-in templates, with the bundle's overrides in their place, and checks each one. */
export async function loadTemplates(overrides: ReadonlyMap<string, string>, templatesDir = TEMPLATES_DIR): Promise<TemplateSources> {
  const issues: ConfigIssue[] = [];
  for (const name of overrides.keys()) {
    if (!(TEMPLATE_NAMES as readonly string[]).includes(name)) {
      issues.push({ file: `templates/${name}`, message: `not a template the appliance renders; expected one of ${TEMPLATE_NAMES.join(', ')}` });
    }
  }
  const sources: Partial<TemplateSources> = {};
  for (const name of TEMPLATE_NAMES) {
    const override = overrides.get(name);
    const file = override === undefined ? join(templatesDir, name) : `templates/${name}`;
    const source = override ?? (await readFile(file, 'utf8'));
    issues.push(...checkTemplate(file, source));
    sources[name] = source;
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return sources as TemplateSources;
}

/**
 * Refuses templates that could print a value unquoted: every `{{…}}` must call a quoting helper
 * with an argument, and partials are not supported. Block helpers (`#if`, `#each`) print nothing
 * themselves, so their bodies are checked instead.
 */
export function checkTemplate(file: string, source: string): ConfigIssue[] {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const line = Number(/line (\d+)/.exec(message)?.[1]);
    const issue: ConfigIssue = { file, message: `template syntax error: ${message.split('\n')[0]}` };
    if (Number.isFinite(line)) issue.line = line;
    return [issue];
  }
  const issues: ConfigIssue[] = [];
  const visit = (node: hbs.AST.Node | null | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case 'Program':
        for (const statement of (node as hbs.AST.Program).body) visit(statement);
        return;
      case 'BlockStatement': {
        const block = node as hbs.AST.BlockStatement;
        const helper = block.path.type === 'PathExpression' ? (block.path as hbs.AST.PathExpression).original : '';
        if (!BLOCK_HELPERS.has(helper)) {
          issues.push({ file, line: block.loc.start.line, column: block.loc.start.column + 1, message: `{{#${helper || '…'}}} is not a block the appliance's templates may use; use #if, #unless, #each or #with` });
        }
        visit(block.program);
        visit(block.inverse);
        return;
      }
      case 'MustacheStatement': {
        const mustache = node as hbs.AST.MustacheStatement;
        const helper = mustache.path.type === 'PathExpression' ? (mustache.path as hbs.AST.PathExpression).original : '';
        // Own properties only: `constructor` or `toString` are on every object, and no helper.
        if (!Object.hasOwn(OUTPUT_HELPERS, helper) || mustache.params.length === 0) {
          issues.push({
            file,
            line: mustache.loc.start.line,
            column: mustache.loc.start.column + 1,
            message: `{{${helper || '…'}}} prints a value without quoting it; write {{q value}}, {{yaml value indent=N}}, {{yamlItems list indent=N}} or {{ini value}}`,
          });
        }
        return;
      }
      case 'PartialStatement':
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
      case 'Decorator':
        issues.push({ file, line: node.loc.start.line, column: node.loc.start.column + 1, message: 'partials and decorators are not supported in appliance templates' });
        return;
      default:
        return;
    }
  };
  visit(program);
  return issues;
}
