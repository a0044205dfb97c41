/**
 * What went wrong with a network request, in words: fetch() says only "fetch failed" and the
 * AWS SDK passes Node's errors through, with the useful part (ECONNREFUSED, a certificate
 * problem) somewhere down the `cause` chain.
 */
const BY_CODE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ENOTFOUND: 'name not found',
  EAI_AGAIN: 'name lookup failed for now',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the response',
  UND_ERR_SOCKET: 'connection closed',
};

export function describeNetworkError(error: unknown): string {
  for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
    if (cause.name === 'TimeoutError') return 'timed out';
    const code = (cause as NodeJS.ErrnoException).code;
    if (code && BY_CODE[code]) return `${BY_CODE[code]} (${code})`;
    if (code && (/^(ERR_TLS|ERR_SSL|CERT_)/.test(code) || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code))) return `TLS error (${code}): ${cause.message}`;
  }
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return error.message;
}
