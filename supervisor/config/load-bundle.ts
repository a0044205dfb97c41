import { applianceConfigSchema, type ApplianceConfig } from './schema.ts';
import { registerSecret } from '../secrets.ts';
import { applianceErrorMap, toConfigIssues } from './schema-issues.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { substituteEnvironment, type Environment } from './env-substitution.ts';
import { parseYamlDocument, parseYamlFile } from './yaml-file.ts';
import type { Bundle } from './bundle.ts';
import type { Document, LineCounter } from 'yaml';
import { applyDiscoveryOverrides, overrideAt, type DiscoveryOverrides, type OverriddenKeys } from '../discovery/overrides.ts';
import type { DiscoverySettingsInput } from '../discovery/settings.ts';

export interface BundleFile {
  /** File name inside its folder, e.g. `ecs.yml`; also the name it is written under. */
  name: string;
  text: string;
}

/** A bundle that passed every check that does not need promtool/amtool. */
export interface LoadedBundle {
  config: ApplianceConfig;
  /** Prometheus rule files: the bundle's, plus the built-in ones it does not replace (when `prometheus.builtinRules`). */
  rules: BundleFile[];
  alertmanagerTemplates: BundleFile[];
  /** Grafana dashboards (JSON): the bundle's, plus the built-in ones it does not replace (when `grafana.builtinDashboards`). */
  dashboards: BundleFile[];
  /** `templates/<name>.hbs` from the bundle, replacing the built-in template of that name. */
  templateOverrides: ReadonlyMap<string, string>;
  version: string;
  source: string;
}

export interface LoadOptions {
  /** What `${VAR}` references resolve to. */
  env: Environment;
  /** DISCOVERY_* from the environment, set over the `discovery:` section before it is validated. */
  discoveryOverrides?: DiscoveryOverrides;
  /** The default bundle, whose rules and dashboards are the built-in ones. */
  builtin?: Bundle;
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Parses and validates a bundle: `${ENV}` substitution and the schema for the main file, YAML and
 * shape for rule files, JSON for dashboards. Every problem in every file is reported at once.
 */
export function loadBundle(bundle: Bundle, options: LoadOptions): LoadedBundle {
  const issues: ConfigIssue[] = [];
  const collect = <T>(work: () => T): T | undefined => {
    try {
      return work();
    } catch (error) {
      if (error instanceof ConfigError) issues.push(...error.issues);
      else throw error;
      return undefined;
    }
  };

  const config = collect(() => parseApplianceConfig(bundle.mainFile, text(bundle, bundle.mainFile), options.env, options.discoveryOverrides));
  const own = splitFolders(bundle, issues);
  for (const rule of own.rules) collect(() => checkRuleFile(`rules/${rule.name}`, rule.text));
  for (const dashboard of own.dashboards) collect(() => checkDashboard(`dashboards/${dashboard.name}`, dashboard.text));

  if (issues.length > 0 || !config) throw new ConfigError(issues);

  const builtin = options.builtin && options.builtin.source !== bundle.source ? splitFolders(options.builtin, []) : undefined;
  return {
    config,
    rules: withBuiltins(own.rules, config.prometheus.builtinRules ? builtin?.rules : undefined),
    alertmanagerTemplates: own.alertmanagerTemplates,
    dashboards: withBuiltins(own.dashboards, config.grafana.builtinDashboards ? builtin?.dashboards : undefined),
    templateOverrides: new Map(own.templates.map((t) => [t.name, t.text])),
    version: bundle.version,
    source: bundle.source,
  };
}

/** Parses `appliance.yml` text: YAML, then `${ENV}` substitution and the DISCOVERY_* overrides, then the schema. */
export function parseApplianceConfig(file: string, source: string, env: Environment, discoveryOverrides: DiscoveryOverrides = {}): ApplianceConfig {
  const { document, lineCounter } = parseYamlDocument(file, source);
  // Secrets resolved into the bundle are known to the redactor before anything can print them.
  for (const secret of substituteEnvironment(file, document, lineCounter, env).secrets) registerSecret(secret);
  const data: unknown = document.toJS({ maxAliasCount: 100 }) ?? {};
  const { overridden } = overrideDiscovery(data, discoveryOverrides);
  const result = applianceConfigSchema.safeParse(data, { error: applianceErrorMap });
  if (!result.success) {
    const issues = toConfigIssues(file, result.error, (path) => positionOf(document, lineCounter, path));
    // A value a variable set is told against the variable: the file does not hold it.
    throw new ConfigError(issues.map((issue) => {
      const from = issue.path?.startsWith('discovery.') ? overrideAt(overridden, issue.path.slice('discovery.'.length)) : undefined;
      return from ? { file: `${from} (environment)`, path: issue.path!, message: issue.message } : issue;
    }));
  }
  registerSecret(result.data.grafana.adminPassword);
  return result.data;
}

/** Sets the overrides over the document's `discovery:` section in place (when it is a mapping, or absent). */
function overrideDiscovery(data: unknown, overrides: DiscoveryOverrides): { overridden: OverriddenKeys } {
  if (Object.keys(overrides).length === 0 || typeof data !== 'object' || data === null || Array.isArray(data)) return { overridden: new Map() };
  const document = data as { discovery?: unknown };
  const current = document.discovery ?? {};
  if (typeof current !== 'object' || current === null || Array.isArray(current)) return { overridden: new Map() };
  // Discovery turned off stays off, and what would have tuned it is not judged.
  if ((current as { enabled?: unknown }).enabled === false) return { overridden: new Map() };
  const { section, overridden } = applyDiscoveryOverrides(current as DiscoverySettingsInput, overrides);
  document.discovery = section;
  return { overridden };
}

interface Folders {
  rules: BundleFile[];
  alertmanagerTemplates: BundleFile[];
  dashboards: BundleFile[];
  templates: BundleFile[];
}

function splitFolders(bundle: Bundle, issues: ConfigIssue[]): Folders {
  const folders: Folders = { rules: [], alertmanagerTemplates: [], dashboards: [], templates: [] };
  const byFolder: Record<string, BundleFile[]> = {
    rules: folders.rules,
    alertmanager: folders.alertmanagerTemplates,
    dashboards: folders.dashboards,
    templates: folders.templates,
  };
  if (bundle.kind !== 'folder') return folders;
  for (const path of [...bundle.files.keys()].sort()) {
    const slash = path.indexOf('/');
    if (slash < 0) continue;
    const name = path.slice(slash + 1);
    if (!FILE_NAME.test(name)) {
      issues.push({ file: path, message: 'expected a file name of letters, digits, ".", "_" and "-"' });
      continue;
    }
    byFolder[path.slice(0, slash)]?.push({ name, text: text(bundle, path) });
  }
  return folders;
}

function text(bundle: Bundle, path: string): string {
  const content = bundle.files.get(path);
  if (!content) throw new ConfigError([{ file: path, message: 'missing from the bundle' }]);
  return content.toString('utf8');
}

function withBuiltins(own: BundleFile[], builtins: BundleFile[] | undefined): BundleFile[] {
  if (!builtins) return own;
  const names = new Set(own.map((f) => f.name));
  return [...own, ...builtins.filter((f) => !names.has(f.name))].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A rule file must be YAML holding `groups:`; promtool checks the rules themselves after rendering. */
function checkRuleFile(file: string, source: string): void {
  const data = parseYamlFile(file, source);
  if (data === null || data === undefined) return;
  const groups = typeof data === 'object' && !Array.isArray(data) ? (data as { groups?: unknown }).groups : undefined;
  if (!Array.isArray(groups)) throw new ConfigError([{ file, path: 'groups', message: 'expected a list of rule groups (a Prometheus rule file)' }]);
}

function checkDashboard(file: string, source: string): void {
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = Number(/position (\d+)/.exec(message)?.[1]);
    const issue: ConfigIssue = { file, message: `JSON syntax error: ${message}` };
    if (Number.isFinite(offset)) {
      const before = source.slice(0, offset).split('\n');
      issue.line = before.length;
      issue.column = before[before.length - 1]!.length + 1;
    }
    throw new ConfigError([issue]);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || typeof (data as { title?: unknown }).title !== 'string') {
    throw new ConfigError([{ file, path: 'title', message: 'expected a Grafana dashboard: a JSON object with a title' }]);
  }
}

/** The line and column of the node at `path`, or of its nearest ancestor the file has (a missing key). */
function positionOf(document: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): { line: number; column: number } | undefined {
  for (let length = path.length; length > 0; length--) {
    const node = document.getIn(path.slice(0, length) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    if (node?.range) {
      const { line, col } = lineCounter.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return undefined;
}
