import type { RawRequest } from './protocol.ts';

/** Query-protocol input (EC2, STS): form fields from a POST body, or the URL query of a GET. */
export function formParams(request: RawRequest): URLSearchParams {
  const params = new URLSearchParams(request.query);
  if (request.body.length > 0) for (const [k, v] of new URLSearchParams(request.body.toString('utf8'))) params.append(k, v);
  return params;
}

/** `Prefix.1`, `Prefix.2`, ... in order, as the Query protocol flattens lists. */
export function listParam(params: URLSearchParams, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 1; params.has(`${prefix}.${i}`); i++) out.push(params.get(`${prefix}.${i}`)!);
  return out;
}
