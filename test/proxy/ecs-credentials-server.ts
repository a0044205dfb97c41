import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { fromHttp } from '@aws-sdk/credential-providers';
import type { CredentialProvider } from '../../supervisor/proxy/credentials.ts';

export interface IssuedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface EcsCredentialsServer {
  /** The SDK's own container-credentials provider pointed at this server. */
  provider: CredentialProvider;
  /** The variables that point a process's default credential chain at this server, as ECS does. */
  environment: Record<string, string>;
  /** Every key this server handed out, by access key ID: what an upstream checks signatures against. */
  issued: Map<string, IssuedCredentials>;
  fetches(): number;
  close(): Promise<void>;
}

const TOKEN = 'test-container-authorization-token';

/**
 * Speaks the ECS container-credentials protocol (what AWS_CONTAINER_CREDENTIALS_FULL_URI points
 * at) on loopback, handing out a fresh key on every fetch that expires after `lifetimeMs`, so a
 * client that does not refresh in time is caught signing with an expired key.
 */
export async function startEcsCredentialsServer(options: { lifetimeMs: number }): Promise<EcsCredentialsServer> {
  const issued = new Map<string, IssuedCredentials>();
  let fetches = 0;
  const server = http.createServer((req, res) => {
    if (req.url !== '/v2/credentials/test-task' || req.headers.authorization !== TOKEN) {
      res.writeHead(403, { 'Content-Type': 'application/json' }).end(JSON.stringify({ message: 'bad path or token' }));
      return;
    }
    fetches++;
    const credentials: IssuedCredentials = {
      accessKeyId: `ASIATEST${String(fetches).padStart(8, '0')}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(60).toString('base64'),
      expiration: new Date(Date.now() + options.lifetimeMs),
    };
    issued.set(credentials.accessKeyId, credentials);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        AccessKeyId: credentials.accessKeyId,
        SecretAccessKey: credentials.secretAccessKey,
        Token: credentials.sessionToken,
        Expiration: credentials.expiration.toISOString(),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const uri = `http://127.0.0.1:${port}/v2/credentials/test-task`;
  return {
    provider: fromHttp({ awsContainerCredentialsFullUri: uri, awsContainerAuthorizationToken: TOKEN, maxRetries: 0 }),
    environment: { AWS_CONTAINER_CREDENTIALS_FULL_URI: uri, AWS_CONTAINER_AUTHORIZATION_TOKEN: TOKEN },
    issued,
    fetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
