import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Parses `HOST:PORT` (`[::1]:PORT` for IPv6). `localhost` becomes 127.0.0.1 so that what is checked
 * for loopback is exactly what gets bound, whatever the resolver says `localhost` means.
 */
export function parseListenAddress(text: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) throw new Error(`listen address '${text}': expected HOST:PORT, e.g. 127.0.0.1:8005 or [::1]:8005`);
  const host = match[1] ?? match[2]!;
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`listen address '${text}': port ${port} is above 65535`);
  if (host === 'localhost') return { host: '127.0.0.1', port };
  if (isIP(host) === 0) throw new Error(`listen address '${text}': host must be an IP address or localhost, not '${host}'`);
  return { host, port };
}

export function isLoopbackHost(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  const lower = host.toLowerCase();
  return lower === '::1' || lower === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(lower);
}

/**
 * Whoever reaches a signing proxy acts with the appliance's AWS identity, so it only listens on
 * loopback unless the operator says, in so many words, that it should not.
 */
export function assertListenAllowed(address: ListenAddress, allowNonLoopback: boolean): void {
  if (allowNonLoopback || isLoopbackHost(address.host)) return;
  throw new Error(
    `refusing to listen on ${address.host}: the SigV4 proxy signs every request with the appliance's AWS credentials, ` +
      'so anyone who can reach it can act as this account; listen on 127.0.0.1 or [::1], or force it with allowNonLoopback (--allow-non-loopback)',
  );
}
