import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import Handlebars from 'handlebars';
import { ConfigError } from '../config/errors.ts';
import type { RenderReply, RenderRequest } from './render-worker.ts';
import type { TemplateName, TemplateSources } from './templates.ts';

export interface RenderLimits {
  /** Wall time for all templates together. */
  timeoutMs: number;
  /** Bytes of output for all templates together. */
  maxOutputBytes: number;
  /** Heap the rendering may use before it is stopped. */
  maxHeapMb: number;
}

export const defaultRenderLimits: RenderLimits = { timeoutMs: 10_000, maxOutputBytes: 16 * 1024 * 1024, maxHeapMb: 256 };

/** Same extension as this module: .ts from source (tsx), .js from dist/. */
const WORKER = new URL(`./render-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

/**
 * From dist/ the worker is plain JavaScript. From source, Node 20 does not carry tsx's loader
 * (`--import tsx`) into worker threads, so the worker registers it before loading the module.
 */
function startWorker(request: RenderRequest, limits: RenderLimits): Worker {
  const options = { workerData: request, resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb }, stdout: true, stderr: true };
  if (WORKER.pathname.endsWith('.js')) return new Worker(WORKER, options);
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(WORKER.href)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/**
 * Renders `templates` with `view` in a worker thread bounded in time, output and memory, so a
 * runaway template override (deeply nested #each) fails the bundle with a message naming the
 * template instead of stalling health checks, discovery and the admin endpoint.
 */
export async function renderBounded(sources: TemplateSources, view: unknown, templates: TemplateName[], limits: RenderLimits = defaultRenderLimits): Promise<Map<TemplateName, string>> {
  const request: RenderRequest = { sources, view, templates, maxOutputBytes: limits.maxOutputBytes };
  const worker = startWorker(request, limits);
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await new Promise<RenderReply>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`rendering did not finish within ${limits.timeoutMs / 1000} s`)), limits.timeoutMs);
      worker.once('message', resolve);
      worker.once('error', (error: Error & { code?: string }) =>
        reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`rendering used more than ${limits.maxHeapMb} MB`) : error),
      );
      worker.once('exit', (code) => reject(new Error(`the render worker exited (${code}) without an answer`)));
    }).catch((error: Error) => {
      throw new ConfigError([{ file: `templates (${templates.join(', ')})`, message: `rendering failed: ${error.message}` }]);
    });
    if (!reply.ok) throw new ConfigError([{ file: `templates/${reply.template}`, ...locateFailure(sources[reply.template], reply.message), message: `rendering failed: ${reply.message}` }]);
    return new Map(reply.outputs);
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

/**
 * Where in the template a rendering error happened: Handlebars ends its own errors with
 * " - LINE:COLUMN"; a JavaScript TypeError ("Cannot read properties of undefined (reading 'x')")
 * has no position, so the first path that reads `x` below something else stands for it.
 */
function locateFailure(source: string, message: string): { line?: number; column?: number } {
  const position = / - (\d+):(\d+)$/.exec(message);
  if (position) return { line: Number(position[1]), column: Number(position[2]) + 1 };
  const property = /\(reading '([^']+)'\)/.exec(message)?.[1];
  if (!property) return {};
  let found: hbs.AST.SourceLocation | undefined;
  const visitor = new Handlebars.Visitor();
  visitor.PathExpression = (path: hbs.AST.PathExpression) => {
    if (!found && path.parts.indexOf(property) > 0) found = path.loc;
  };
  visitor.accept(Handlebars.parse(source));
  return found ? { line: found.start.line, column: found.start.column + 1 } : {};
}
