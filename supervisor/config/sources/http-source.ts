import { assertFileSize, contentVersion, isSingleFileName } from '../bundle.ts';
import type { BundleSource, FetchResult } from '../source.ts';

const ETAG_PREFIX = 'etag:';

/**
 * A single-file bundle over HTTPS. An HTTP server cannot list a folder, so https:// locations name
 * one YAML file. Polls send If-None-Match with the last ETag; without ETags the content hash
 * decides whether anything changed.
 */
export function httpBundleSource(url: string, options: { allowHttp?: boolean; timeoutMs?: number } = {}): BundleSource {
  const pathName = new URL(url).pathname;
  const lastSegment = decodeURIComponent(pathName.slice(pathName.lastIndexOf('/') + 1));
  if (lastSegment === '') throw new Error(`${url}: an https location must name a single YAML file, not a folder`);
  const mainFile = isSingleFileName(lastSegment) ? lastSegment : 'appliance.yml';
  return {
    description: url,
    async fetch(previousVersion?: string): Promise<FetchResult> {
      const headers: Record<string, string> = { accept: 'application/yaml, text/yaml, text/plain, */*' };
      if (previousVersion?.startsWith(ETAG_PREFIX)) headers['if-none-match'] = previousVersion.slice(ETAG_PREFIX.length);
      const response = await fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(options.timeoutMs ?? 15_000) });
      if (!options.allowHttp && new URL(response.url || url).protocol !== 'https:') {
        await response.body?.cancel();
        throw new Error(`${url}: redirected to plain http (${response.url}); set CONFIG_ALLOW_HTTP=true to allow it`);
      }
      if (response.status === 304 && previousVersion) return { unchanged: true, version: previousVersion };
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
      }
      const declared = Number(response.headers.get('content-length') ?? 0);
      assertFileSize(url, declared);
      const content = Buffer.from(await response.arrayBuffer());
      assertFileSize(url, content.length);
      const files = new Map([[mainFile, content]]);
      const etag = response.headers.get('etag');
      const version = etag ? `${ETAG_PREFIX}${etag}` : contentVersion(files);
      if (version === previousVersion) return { unchanged: true, version };
      return { unchanged: false, bundle: { kind: 'file', mainFile, files, version, source: url } };
    },
  };
}
