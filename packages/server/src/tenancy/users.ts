import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newId } from '../ids.js';
import type { Store, User } from '../store/index.js';

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
    };
    try {
      await this.store.users.insert(user);
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
    };
    try {
      await this.store.users.insert(user);
    } catch (error) {
      throw new TesseraError('CONFLICT', 'an account with this email already exists', { cause: error });
    }
    return user;
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
