import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newId } from '../ids.js';
import type { Identity, IdentityKind, Store, User } from '../store/index.js';

export interface UserProfile {
  name?: string | null;
  avatar?: string | null;
  custom?: Record<string, unknown>;
}

/** Users of a tenant, known by the customer's own id (`externalId`). */
export class Users {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Creates the user, or updates the profile fields that were given. */
  async upsert(tenantId: string, externalId: string, profile: UserProfile = {}): Promise<User> {
    const now = this.clock.now();
    const existing = await this.store.users.findByExternalId(tenantId, externalId);
    if (existing) {
      const updated: User = {
        ...existing,
        name: profile.name !== undefined ? profile.name : existing.name,
        avatar: profile.avatar !== undefined ? profile.avatar : existing.avatar,
        custom: profile.custom ?? existing.custom,
        updatedAt: now,
      };
      await this.store.users.updateProfile(existing.id, updated);
      return updated;
    }
    const user: User = {
      id: newId('usr'),
      tenantId,
      externalId,
      name: profile.name ?? null,
      avatar: profile.avatar ?? null,
      custom: profile.custom ?? {},
      email: null,
      passwordHash: null,
      createdAt: now,
      updatedAt: now,
      emailVerifiedAt: null,
    };
    try {
      await this.insertWithIdentity(user, { kind: 'external' });
      return user;
    } catch (error) {
      // Two requests created the same user at once: the other one won.
      const winner = await this.store.users.findByExternalId(tenantId, externalId);
      if (winner) return winner;
      throw error;
    }
  }

  /** A hosted account: the email doubles as the user id the customer sees. */
  async createWithPassword(tenantId: string, account: { email: string; passwordHash: string; name: string | null }): Promise<User> {
    const now = this.clock.now();
    const user: User = {
      id: newId('usr'),
      tenantId,
      externalId: account.email,
      name: account.name,
      avatar: null,
      custom: {},
      email: account.email,
      passwordHash: account.passwordHash,
      createdAt: now,
      updatedAt: now,
      emailVerifiedAt: null,
    };
    try {
      await this.insertWithIdentity(user, { kind: 'password', email: account.email });
    } catch (error) {
      throw new TesseraError('CONFLICT', 'an account with this email already exists', { cause: error });
    }
    return user;
  }

  /**
   * A user who first signed in with a provider account. The customer sees `{provider}:{subject}`
   * as the user id (the internal id when that is taken); the email is kept only when the provider
   * verified it and no account has it.
   */
  async createWithProvider(
    tenantId: string,
    account: { provider: string; subject: string; email: string | null; name: string | null; avatar: string | null },
  ): Promise<User> {
    const now = this.clock.now();
    const user: User = {
      id: newId('usr'),
      tenantId,
      externalId: `${account.provider}:${account.subject}`,
      name: account.name,
      avatar: account.avatar,
      custom: {},
      email: account.email,
      passwordHash: null,
      createdAt: now,
      updatedAt: now,
      // Only an email the provider verified is kept.
      emailVerifiedAt: account.email !== null ? now : null,
    };
    const identity = { kind: 'oauth' as const, provider: account.provider, subject: account.subject, email: account.email };
    if (await this.store.users.findByExternalId(tenantId, user.externalId)) {
      // The id is taken by the user this account was once connected to (and since removed from).
      user.externalId = user.id;
    }
    await this.insertWithIdentity(user, identity);
    return user;
  }

  /** A user who first signed in with a code or link mailed to `email` (verified now): the email is their user id. */
  async createWithEmail(tenantId: string, email: string): Promise<User> {
    const now = this.clock.now();
    const user: User = {
      id: newId('usr'),
      tenantId,
      externalId: email,
      name: null,
      avatar: null,
      custom: {},
      email,
      passwordHash: null,
      createdAt: now,
      updatedAt: now,
      emailVerifiedAt: now,
    };
    if (await this.store.users.findByExternalId(tenantId, email)) user.externalId = user.id;
    try {
      await this.insertWithIdentity(user, { kind: 'email', email });
      return user;
    } catch (error) {
      // Two sign-ins created the account at once: the other one won.
      const winner = await this.store.users.findByEmail(tenantId, email);
      if (winner) return winner;
      throw error;
    }
  }

  /** Another way for an existing user to sign in. */
  async addIdentity(
    user: User,
    identity: { kind: IdentityKind; provider?: string; subject?: string; email?: string | null },
  ): Promise<Identity> {
    const record = this.identityOf(user, identity);
    await this.store.identities.insert(record);
    return record;
  }

  private async insertWithIdentity(
    user: User,
    identity: { kind: IdentityKind; provider?: string; subject?: string; email?: string | null },
  ): Promise<void> {
    await this.store.transaction(async (tx) => {
      await tx.users.insert(user);
      await tx.identities.insert(this.identityOf(user, identity));
    });
  }

  private identityOf(user: User, identity: { kind: IdentityKind; provider?: string; subject?: string; email?: string | null }): Identity {
    return {
      id: newId('idn'),
      tenantId: user.tenantId,
      userId: user.id,
      kind: identity.kind,
      provider: identity.provider ?? null,
      subject: identity.subject ?? null,
      email: identity.email ?? null,
      createdAt: this.clock.now(),
    };
  }

  async byExternalId(tenantId: string, externalId: string): Promise<User> {
    const user = await this.store.users.findByExternalId(tenantId, externalId);
    if (!user) throw new TesseraError('NOT_FOUND', 'no such user');
    return user;
  }

  get(id: string): Promise<User | null> {
    return this.store.users.get(id);
  }
}

export function describeUser(user: User) {
  return { id: user.externalId, name: user.name, avatar: user.avatar, custom: user.custom };
}
