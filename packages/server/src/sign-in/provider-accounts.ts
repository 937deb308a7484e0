import { TesseraError } from '../errors.js';
import type { Session, Store, Tenant, User } from '../store/index.js';
import { type Audit, oauthSettingsOf, type Users } from '../tenancy/index.js';
import type { ProviderAccount } from './oauth/provider-client.js';

export interface ProviderAccountsDeps {
  store: Store;
  users: Users;
  audit: Audit;
}

/**
 * Which user a provider account signs in, for the session that started the flow:
 * 1. the user who already holds this (provider, subject) identity;
 * 2. the session's own user, when it is signed in: the account is connected to them;
 * 3. the account of the same email, when the provider verified it and the tenant opted in
 *    (`oauth.linkByVerifiedEmail`): the identity joins that account;
 * 4. otherwise a new user.
 * A session signed in as someone else than the account's holder is a CONFLICT.
 */
export class ProviderAccounts {
  constructor(private readonly deps: ProviderAccountsDeps) {}

  async userFor(tenant: Tenant, session: Session, account: ProviderAccount): Promise<User> {
    const { store, users } = this.deps;
    const held = await store.identities.findByProvider(tenant.id, account.provider, account.subject);
    if (held) {
      if (session.userId !== null && session.userId !== held.userId) {
        throw new TesseraError('CONFLICT', 'this account is connected to another user');
      }
      const user = await users.get(held.userId);
      if (!user) throw new TesseraError('CONFLICT', 'the account was removed; try again');
      return user;
    }
    const verifiedEmail = account.emailVerified ? account.email : null;
    if (session.userId !== null) {
      const user = await users.get(session.userId);
      if (!user) throw new TesseraError('CONFLICT', 'session has ended');
      return this.connect(user, account, verifiedEmail, 'identity.connected');
    }
    if (verifiedEmail !== null && oauthSettingsOf(tenant.settings).linkByVerifiedEmail) {
      const existing = await store.users.findByEmail(tenant.id, verifiedEmail);
      if (existing) return this.connect(existing, account, verifiedEmail, 'identity.joined_by_email');
    }
    const emailFree = verifiedEmail !== null && !(await store.users.findByEmail(tenant.id, verifiedEmail));
    try {
      return await users.createWithProvider(tenant.id, {
        provider: account.provider,
        subject: account.subject,
        email: emailFree ? verifiedEmail : null,
        name: account.name,
        avatar: account.avatar,
      });
    } catch (error) {
      // Two callbacks for one new account at once: the other one made the user.
      const winner = await store.identities.findByProvider(tenant.id, account.provider, account.subject);
      const user = winner && (await users.get(winner.userId));
      if (user) return user;
      throw error;
    }
  }

  private async connect(
    user: User,
    account: ProviderAccount,
    verifiedEmail: string | null,
    action: 'identity.connected' | 'identity.joined_by_email',
  ) {
    try {
      await this.deps.users.addIdentity(user, {
        kind: 'oauth',
        provider: account.provider,
        subject: account.subject,
        email: verifiedEmail,
      });
    } catch (error) {
      const winner = await this.deps.store.identities.findByProvider(user.tenantId, account.provider, account.subject);
      if (winner?.userId !== user.id) throw error;
    }
    await this.deps.audit.record({
      tenantId: user.tenantId,
      actor: user.id,
      action,
      target: user.id,
      details: { provider: account.provider },
    });
    return user;
  }
}
