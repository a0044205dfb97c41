/**
 * Offset pagination behind opaque tokens, as the AWS list APIs present it. The token carries the
 * offset and a tag naming the listing, so a token from one listing is rejected by another.
 */

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export class BadTokenError extends Error {}

export function paginate<T>(all: T[], limit: number, token: string | undefined, listing: string): Page<T> {
  const start = token === undefined ? 0 : decode(token, listing);
  const items = all.slice(start, start + limit);
  const end = start + items.length;
  return end < all.length ? { items, nextToken: encode(end, listing) } : { items };
}

function encode(offset: number, listing: string): string {
  return Buffer.from(JSON.stringify({ o: offset, l: listing })).toString('base64url');
}

function decode(token: string, listing: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; l?: unknown };
    if (typeof parsed.o === 'number' && parsed.o >= 0 && parsed.l === listing) return parsed.o;
  } catch {
    // fall through: any undecodable token is simply invalid
  }
  throw new BadTokenError(`invalid pagination token '${token.slice(0, 40)}'`);
}
