/**
 * Renders templates off the supervisor's main thread (see bounded-render.ts), so a template that
 * loops for long holds up nothing else and can be stopped. Receives the sources, the view and the
 * templates to render; answers with each output, or with the first failure naming its template.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEnvironment, type TemplateName, type TemplateSources } from './templates.ts';

export interface RenderRequest {
  sources: TemplateSources;
  view: unknown;
  templates: TemplateName[];
  maxOutputBytes: number;
}

export type RenderReply = { ok: true; outputs: Array<[TemplateName, string]> } | { ok: false; template: TemplateName; message: string };

function render({ sources, view, templates, maxOutputBytes }: RenderRequest): RenderReply {
  const hbs = createEnvironment();
  const outputs: Array<[TemplateName, string]> = [];
  let total = 0;
  for (const template of templates) {
    let text: string;
    try {
      text = hbs.compile(sources[template], { strict: true, noEscape: false })(view);
    } catch (error) {
      return { ok: false, template, message: error instanceof Error ? error.message : String(error) };
    }
    total += Buffer.byteLength(text);
    if (total > maxOutputBytes) return { ok: false, template, message: `output passed ${maxOutputBytes} bytes` };
    outputs.push([template, text]);
  }
  return { ok: true, outputs };
}

parentPort!.postMessage(render(workerData as RenderRequest));
