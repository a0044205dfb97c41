import { z } from 'zod';

/** Where the proxy sends signed requests: the workspace base URL (no trailing slash) and its region. */
export interface AmpTarget {
  upstream: string;
  region: string;
}

const WORKSPACE_ID = /^ws-[A-Za-z0-9-]+$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;
const AMP_HOST = /^aps-workspaces(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
/** What people paste from the console: the remote_write or query URL rather than the workspace root. */
const API_SUFFIX = /\/api\/v1\/(?:remote_write|query)\/?$/;

/** The AMP part of the bundle: a workspace URL, or a workspace ID and region. */
export const ampSettingsSchema = z
  .strictObject({
    workspaceUrl: z.url({ protocol: /^https?$/ }).optional(),
    workspaceId: z.string().regex(WORKSPACE_ID, 'expected an AMP workspace ID such as ws-0123abcd-4567-89ef-0123-456789abcdef').optional(),
    region: z.string().regex(REGION, 'expected an AWS region such as eu-west-1').optional(),
    /** Role to assume for signing; omitted to sign with the appliance's own credentials. */
    roleArn: z.string().regex(/^arn:aws[\w-]*:iam::\d{12}:role\/.+$/, 'expected an IAM role ARN').optional(),
    externalId: z.string().min(1).optional(),
    /** `proxy`: Prometheus and Grafana go through the in-process proxy; `sigv4`: Prometheus signs itself. */
    mode: z.enum(['proxy', 'sigv4']).default('proxy'),
    proxyPort: z.number().int().min(1).max(65535).default(8005),
    maxBodyBytes: z.number().int().positive().optional(),
  })
  .refine((amp) => amp.workspaceUrl ?? amp.workspaceId, { message: 'AMP needs workspaceUrl, or workspaceId and region' })
  .refine((amp) => !(amp.workspaceUrl && amp.workspaceId), { message: 'give AMP either workspaceUrl or workspaceId, not both' })
  .refine((amp) => !amp.workspaceId || amp.region, { message: 'AMP workspaceId needs region', path: ['region'] });

export type AmpSettings = z.infer<typeof ampSettingsSchema>;

/** The region an AMP endpoint lives in, read from its host name; undefined for any other host. */
export function regionFromAmpHost(hostname: string): string | undefined {
  return AMP_HOST.exec(hostname.toLowerCase())?.[1];
}

export function workspaceUrlFor(workspaceId: string, region: string): string {
  if (!WORKSPACE_ID.test(workspaceId)) throw new Error(`AMP workspace ID '${workspaceId}' does not look like ws-…`);
  if (!REGION.test(region)) throw new Error(`AWS region '${region}' does not look like a region name`);
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://aps-workspaces.${region}.${domain}/workspaces/${workspaceId}`;
}

/**
 * Upstream URL and region from either form of settings. An explicit region wins over the one in
 * the host, so endpoints that do not follow the AMP host pattern (VPC endpoints, test receivers) work.
 */
export function resolveAmpTarget(settings: { workspaceUrl?: string; workspaceId?: string; region?: string }): AmpTarget {
  if (settings.workspaceId) {
    if (!settings.region) throw new Error('AMP workspaceId needs region');
    return { upstream: workspaceUrlFor(settings.workspaceId, settings.region), region: settings.region };
  }
  if (!settings.workspaceUrl) throw new Error('AMP needs workspaceUrl, or workspaceId and region');
  return normalizeUpstream(settings.workspaceUrl, settings.region);
}

/** Validates an upstream URL, strips a pasted API suffix and settles the region. */
export function normalizeUpstream(upstream: string, region?: string): AmpTarget {
  let url: URL;
  try {
    url = new URL(upstream);
  } catch {
    throw new Error(`upstream '${upstream}' is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`upstream '${upstream}': scheme must be https or http`);
  if (url.search || url.hash || url.username || url.password) throw new Error(`upstream '${upstream}': must not carry a query, fragment or user info`);
  const path = url.pathname.replace(API_SUFFIX, '').replace(/\/+$/, '');
  const resolvedRegion = region ?? regionFromAmpHost(url.hostname);
  if (!resolvedRegion) throw new Error(`upstream '${upstream}': cannot tell the AWS region from host '${url.hostname}'; give the region`);
  return { upstream: `${url.origin}${path}`, region: resolvedRegion };
}
