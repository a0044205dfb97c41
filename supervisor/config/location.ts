import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the config bundle lives, from `CONFIG_LOCATION` (unset: the default bundle shipped in the image). */
export type ConfigLocation =
  | { kind: 'default'; path: string }
  | { kind: 'file'; path: string }
  | { kind: 's3'; bucket: string; key: string }
  | { kind: 'http'; url: string };

export interface LocationOptions {
  /** Plain http:// is refused unless allowed (`CONFIG_ALLOW_HTTP=true`): a bundle can hold secrets and alert routes. */
  allowHttp?: boolean;
  /** The default bundle folder, used when the location is unset. */
  defaultBundlePath: string;
}

export function parseConfigLocation(value: string | undefined, options: LocationOptions): ConfigLocation {
  const text = value?.trim() ?? '';
  if (text === '') return { kind: 'default', path: options.defaultBundlePath };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'file', path: resolve(text) };
  if (scheme === 'file') return { kind: 'file', path: fileURLToPath(text) };
  if (scheme === 's3') {
    const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(text);
    if (!match) throw new Error(`CONFIG_LOCATION ${JSON.stringify(text)}: expected s3://bucket/key.yml or s3://bucket/prefix/`);
    return { kind: 's3', bucket: match[1]!, key: match[2] ?? '' };
  }
  if (scheme === 'https' || scheme === 'http') {
    if (scheme === 'http' && !options.allowHttp) {
      throw new Error(`CONFIG_LOCATION ${JSON.stringify(text)}: plain http is refused; use https, or set CONFIG_ALLOW_HTTP=true`);
    }
    return { kind: 'http', url: new URL(text).toString() };
  }
  throw new Error(`CONFIG_LOCATION ${JSON.stringify(text)}: expected an s3://, https:// or file:// location`);
}

export function describeLocation(location: ConfigLocation): string {
  switch (location.kind) {
    case 'default':
      return `default bundle (${location.path})`;
    case 'file':
      return `file://${location.path}`;
    case 's3':
      return `s3://${location.bucket}/${location.key}`;
    case 'http':
      return location.url;
  }
}
