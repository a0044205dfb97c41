import { isIP } from 'node:net';
import { describeNetworkError } from '../../net-errors.ts';
import { assertFileSize, contentVersion, isSingleFileName, readWithinLimit } from '../bundle.ts';
import type { BundleSource, FetchResult } from '../source.ts';

const ETAG_PREFIX = 'etag:';
const MAX_REDIRECTS = 5;

/**
 * A single-file bundle over HTTPS. An HTTP server cannot list a folder, so https:// locations name
 * one YAML file. Polls send If-None-Match with the last ETag; without ETags the content hash
 * decides whether anything changed. Redirects are followed by hand, each checked before anything
 * is sent to it; the body is read as it streams, within the bundle file size limit.
 */
export function httpBundleSource(url: string, options: { allowHttp?: boolean } = {}): BundleSource {
  const pathName = new URL(url).pathname;
  const lastSegment = decodeURIComponent(pathName.slice(pathName.lastIndexOf('/') + 1));
  if (lastSegment === '') throw new Error(`${url}: an https location must name a single YAML file, not a folder`);
  const mainFile = isSingleFileName(lastSegment) ? lastSegment : 'appliance.yml';
  return {
    description: url,
    async fetch(previousVersion?: string, signal?: AbortSignal): Promise<FetchResult> {
      const headers: Record<string, string> = { accept: 'application/yaml, text/yaml, text/plain, */*' };
      if (previousVersion?.startsWith(ETAG_PREFIX)) headers['if-none-match'] = previousVersion.slice(ETAG_PREFIX.length);
      let target = url;
      let response: Response;
      for (let redirects = 0; ; redirects++) {
        try {
          response = await fetch(target, { headers, redirect: 'manual', ...(signal ? { signal } : {}) });
        } catch (error) {
          if (signal?.aborted) throw signal.reason;
          throw new Error(`${target}: ${describeNetworkError(error)}`, { cause: error });
        }
        const location = response.status >= 300 && response.status < 400 && response.status !== 304 ? response.headers.get('location') : null;
        if (location === null) break;
        await response.body?.cancel();
        if (redirects === MAX_REDIRECTS) throw new Error(`${url}: more than ${MAX_REDIRECTS} redirects`);
        const next = new URL(location, target);
        const refusal = redirectRefusal(next, options.allowHttp ?? false);
        if (refusal) throw new Error(`${url}: refused the redirect to ${next.href}: ${refusal}`);
        target = next.href;
      }
      if (response.status === 304 && previousVersion) return { unchanged: true, version: previousVersion };
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`);
      }
      assertFileSize(url, Number(response.headers.get('content-length') ?? 0));
      const content = await readWithinLimit(url, response.body);
      const files = new Map([[mainFile, content]]);
      const etag = response.headers.get('etag');
      const version = etag ? `${ETAG_PREFIX}${etag}` : contentVersion(files);
      if (version === previousVersion) return { unchanged: true, version };
      return { unchanged: false, bundle: { kind: 'file', mainFile, files, version, source: url } };
    },
  };
}

/**
 * Why a redirect must not be followed, or undefined: a step down to plain http (unless allowed),
 * or a link-local address, where the instance and task metadata services (and the credentials
 * they hand out) live.
 */
function redirectRefusal(next: URL, allowHttp: boolean): string | undefined {
  if (next.protocol !== 'https:' && next.protocol !== 'http:') return `${next.protocol} is not http(s)`;
  if (next.protocol === 'http:' && !allowHttp) return 'it is plain http; set CONFIG_ALLOW_HTTP=true to allow it';
  const host = next.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isLinkLocal(host)) return 'it is a link-local address (instance and task metadata live there)';
  return undefined;
}

function isLinkLocal(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('169.254.');
  if (isIP(host) === 6) return /^fe[89ab][0-9a-f]?:/.test(host) || host.startsWith('fd00:ec2::');
  return host === 'instance-data' || host === 'instance-data.ec2.internal';
}
