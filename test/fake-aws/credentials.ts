import { randomAlnum, randomSecret } from './ids.ts';
import type { AccountSpec } from './world.ts';

/** Who signed a request: the account whose world it sees, and the identity STS reports. */
export interface Principal {
  accountId: string;
  arn: string;
  userId: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** Epoch ms; only temporary credentials expire. */
  expiresAt?: number;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A clock tests can move forward to make temporary credentials expire without waiting. */
export class FakeClock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/**
 * Long-term keys (one pair per account, fixed so they can be exported to child processes) and the
 * temporary ones STS hands out. Looking a key up is how a request finds its account.
 */
export class CredentialStore {
  private readonly byKey = new Map<string, Principal>();

  constructor(
    readonly clock: FakeClock,
    /** Overrides the lifetime of issued credentials (the Expiration they carry too). */
    private readonly temporaryTtlSeconds?: number,
  ) {}

  /** The fixed long-term keys of an account: from the world file, or derived from its id. */
  addAccount(account: AccountSpec): Credentials {
    const accessKeyId = account.accessKeyId ?? `AKIAFAKE${account.id}`;
    const secretAccessKey = account.secretAccessKey ?? `fake-secret-key-for-account-${account.id}`;
    this.byKey.set(accessKeyId, { accountId: account.id, arn: `arn:aws:iam::${account.id}:user/fake-aws`, userId: `AIDAFAKE${account.id}`, accessKeyId, secretAccessKey });
    return { accessKeyId, secretAccessKey };
  }

  /** Temporary credentials for an assumed role, valid for `durationSeconds` (or the TTL override). */
  issue(roleArn: string, sessionName: string, durationSeconds: number): Principal {
    const accountId = roleArn.split(':')[4]!;
    const roleName = roleArn.slice(roleArn.indexOf(':role/') + ':role/'.length).split('/').pop()!;
    const roleId = `AROA${randomAlnum(17)}`;
    const principal: Principal = {
      accountId,
      arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`,
      userId: `${roleId}:${sessionName}`,
      accessKeyId: `ASIA${randomAlnum(16)}`,
      secretAccessKey: randomSecret(30),
      sessionToken: `FakeSessionToken/${randomSecret(90)}`,
      expiresAt: this.clock.now() + (this.temporaryTtlSeconds ?? durationSeconds) * 1000,
    };
    this.byKey.set(principal.accessKeyId, principal);
    return principal;
  }

  lookup(accessKeyId: string): Principal | undefined {
    return this.byKey.get(accessKeyId);
  }

  isExpired(principal: Principal): boolean {
    return principal.expiresAt !== undefined && principal.expiresAt <= this.clock.now();
  }

  /** Expires one temporary key now, or every temporary key when none is named. */
  expire(accessKeyId?: string): void {
    for (const p of this.byKey.values()) {
      if (p.expiresAt !== undefined && (accessKeyId === undefined || p.accessKeyId === accessKeyId)) p.expiresAt = this.clock.now();
    }
  }

  /** Every temporary key issued so far (tests assert on role use through this). */
  issued(): Principal[] {
    return [...this.byKey.values()].filter((p) => p.sessionToken !== undefined);
  }
}
