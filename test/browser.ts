import { execa } from 'execa';

/**
 * The page at `url` as a person sees it: headless Chromium loads it, runs its scripts and their
 * API calls (up to `budgetMs` of page time), and this returns the rendered DOM.
 */
export async function renderedPage(url: string, budgetMs = 8_000): Promise<string> {
  const result = await execa('chromium', ['--headless', '--no-sandbox', '--disable-gpu', `--virtual-time-budget=${budgetMs}`, '--dump-dom', url], {
    timeout: 60_000,
    reject: false,
    stdin: 'ignore',
  });
  if (result.exitCode !== 0) throw new Error(`chromium could not render ${url}: ${String(result.stderr).split('\n').slice(-5).join('\n')}`);
  return String(result.stdout);
}
