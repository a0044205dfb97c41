import { parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from '../config/errors.ts';
import type { RenderContext } from './context.ts';
import { RENDERED_PATHS } from './data-dir.ts';
import { renderBounded } from './bounded-render.ts';
import { loadTemplates, type TemplateName } from './templates.ts';
import { buildTemplateView } from './view.ts';

/** A release: file contents by path relative to the release directory (see RENDERED_PATHS). */
export type RenderedFiles = ReadonlyMap<string, string>;

interface Output {
  template: TemplateName;
  path: string;
  yaml: boolean;
}

/**
 * Renders everything the enabled components read. Template output is parsed back as YAML before
 * it is accepted, so a broken override is reported against its template, not discovered by
 * Prometheus at reload.
 */
export async function renderAppliance(context: RenderContext, options: { templatesDir?: string } = {}): Promise<RenderedFiles> {
  const { components } = context.bundle.config;
  const templates = await loadTemplates(context.bundle.templateOverrides, options.templatesDir);
  const view = buildTemplateView(context);
  const outputs: Output[] = [];
  if (components.prometheus) outputs.push({ template: 'prometheus.yml.hbs', path: RENDERED_PATHS.prometheusConfig, yaml: true });
  if (components.alertmanager) outputs.push({ template: 'alertmanager.yml.hbs', path: RENDERED_PATHS.alertmanagerConfig, yaml: true });
  if (components.grafana) {
    outputs.push(
      { template: 'grafana.ini.hbs', path: RENDERED_PATHS.grafanaIni, yaml: false },
      { template: 'grafana-datasources.yml.hbs', path: RENDERED_PATHS.grafanaDatasources, yaml: true },
      { template: 'grafana-dashboards.yml.hbs', path: RENDERED_PATHS.grafanaDashboardProviders, yaml: true },
    );
  }

  const rendered = await renderBounded(templates, view, outputs.map((output) => output.template));
  const files = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  for (const output of outputs) {
    const text = rendered.get(output.template)!;
    if (output.yaml) issues.push(...yamlProblems(output.path, output.template, text));
    files.set(output.path, text);
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const bundle = context.bundle;
  if (components.prometheus) for (const rule of bundle.rules) files.set(`${RENDERED_PATHS.prometheusRules}/${rule.name}`, rule.text);
  if (components.alertmanager) for (const template of bundle.alertmanagerTemplates) files.set(`${RENDERED_PATHS.alertmanagerTemplates}/${template.name}`, template.text);
  if (components.grafana) for (const dashboard of bundle.dashboards) files.set(`${RENDERED_PATHS.grafanaDashboards}/${dashboard.name}`, dashboard.text);
  return files;
}

function yamlProblems(path: string, template: TemplateName, text: string): ConfigIssue[] {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  return document.errors.map((error) => ({
    file: `${path} (from templates/${template})`,
    ...(error.linePos?.[0] ? { line: error.linePos[0].line, column: error.linePos[0].col } : {}),
    message: `rendered YAML does not parse: ${error.message.split('\n')[0]}`,
  }));
}
