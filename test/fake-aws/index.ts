import { CallLog } from './calls.ts';
import { CredentialStore, FakeClock, type Credentials } from './credentials.ts';
import { Faults } from './faults.ts';
import { S3Store } from './s3-store.ts';
import { listen, type ServerState } from './server.ts';
import { Throttler, type ThrottlingOptions } from './throttling.ts';
import { parseWorld } from './world.ts';
import { FakeWorld } from './world-store.ts';

export type { WorldSpec, TaskSpec, ClusterSpec, TaskDefinitionSpec, AccountSpec } from './world.ts';
export type { FaultRule, FaultKind, FaultHandle } from './faults.ts';
export type { CallRecord, CallOutcome } from './calls.ts';
export type { ClusterRef } from './world-store.ts';
export { parseWorld } from './world.ts';

export interface FakeAwsOptions {
  /** A world object (validated and copied; the live copy is `aws.world.spec`). */
  world: unknown;
  /** Added before every answer, in ms (the benchmark uses 20). */
  latencyMs?: number;
  /** AWS-shaped token buckets; on by default. `false` turns them off. */
  throttling?: boolean | ThrottlingOptions;
  port?: number;
  host?: string;
  /** Lifetime of STS-issued credentials, overriding the DurationSeconds asked for. */
  temporaryCredentialTtlSeconds?: number;
}

export interface FakeAws {
  /** http://HOST:PORT, for AWS_ENDPOINT_URL or a client's `endpoint`. */
  url: string;
  port: number;
  /** Long-term keys of the first account in the world. */
  credentials: Credentials;
  credentialsFor(accountId: string): Credentials;
  /** Environment for a child process: endpoint, first account's keys, first region. */
  env: Record<string, string>;
  world: FakeWorld;
  calls: CallLog;
  /** Calls answered with a throttling error by the token buckets (not by faults). */
  readonly throttles: number;
  throttling: Throttler;
  faults: Faults;
  s3: S3Store;
  /** Issued and long-term keys; `expire()` ends temporary ones now. */
  keys: CredentialStore;
  clock: FakeClock;
  latencyMs: number;
  /** Unexpected exceptions inside the fake; a test may assert this stays empty. */
  internalErrors: string[];
  stop(): Promise<void>;
}

export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  const spec = parseWorld(options.world);
  const clock = new FakeClock();
  const keys = new CredentialStore(clock, options.temporaryCredentialTtlSeconds);
  const byAccount = new Map(spec.accounts.map((a) => [a.id, keys.addAccount(a)]));
  const s3 = new S3Store();
  for (const bucket of spec.buckets ?? []) {
    s3.createBucket(bucket.name);
    for (const [key, body] of Object.entries(bucket.objects ?? {})) s3.putObject(bucket.name, key, body);
  }
  const state: ServerState = {
    world: new FakeWorld(spec),
    credentials: keys,
    s3,
    calls: new CallLog(),
    faults: new Faults(),
    throttler: new Throttler(options.throttling ?? true),
    latencyMs: options.latencyMs ?? 0,
    internalErrors: [],
  };
  const host = options.host ?? '127.0.0.1';
  const running = await listen(state, host, options.port ?? 0);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${running.port}`;
  const first = spec.accounts[0]!;
  const credentials = byAccount.get(first.id)!;
  let stopped: Promise<void> | undefined;

  return {
    url,
    port: running.port,
    credentials,
    credentialsFor(accountId) {
      const c = byAccount.get(accountId);
      if (!c) throw new Error(`no account ${accountId} in the fake world`);
      return c;
    },
    env: {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: first.regions?.[0]?.name ?? 'us-east-1',
    },
    world: state.world,
    calls: state.calls,
    get throttles() {
      return state.calls.count({ outcome: 'throttled' });
    },
    throttling: state.throttler,
    faults: state.faults,
    s3,
    keys,
    clock,
    get latencyMs() {
      return state.latencyMs;
    },
    set latencyMs(ms: number) {
      state.latencyMs = ms;
    },
    internalErrors: state.internalErrors,
    stop: () => (stopped ??= running.close()),
  };
}
