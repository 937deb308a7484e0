import type { ConversationInfo, SessionInfo } from '@tessera/protocol';
import type { Audit } from '../tenancy/index.js';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { describeConversation, hasEnded, type IssuedTokens, type Sessions } from '../sessions/index.js';
import type { ConversationSummary, Session, Store, Tenant, User } from '../store/index.js';
import type { UserProfile, Users } from '../tenancy/index.js';

export interface BackendUserInput {
  /** The customer's own id of the user. */
  userId: string;
  name?: string | null;
  avatar?: string | null;
  custom?: Record<string, unknown>;
}

export type MintedTokens = IssuedTokens & { user: User; previousConversations?: ConversationSummary[] };

export interface BackendSessionsDeps {
  store: Store;
  clock: Clock;
  users: Users;
  sessions: Sessions;
  audit: Audit;
}

/**
 * What a customer backend does with a secret key: mint tokens for its signed-in users
 * (ChatSDK-style), link a visitor's anonymous session to a user from the server side
 * (through `Sessions.link`, history kept), end sessions, and list a user's sessions
 * and conversations. A session of another tenant is NOT_FOUND, never an oracle.
 */
export class BackendSessions {
  constructor(private readonly deps: BackendSessionsDeps) {}

  /** `POST /v1/auth/tokens`: a new signed-in session, or with `sessionId` that session linked. */
  async mint(tenant: Tenant, input: BackendUserInput & { sessionId?: string }, actor: string): Promise<MintedTokens> {
    if (input.sessionId !== undefined) return this.link(tenant, input.sessionId, input, actor, 'auth/tokens');
    const user = await this.deps.users.upsert(tenant.id, input.userId, profileOf(input));
    return { ...(await this.deps.sessions.startForUser(tenant, user)), user };
  }

  /** Links a live session of this tenant to the user (created or updated first). */
  async link(tenant: Tenant, sessionId: string, input: BackendUserInput, actor: string, via = 'sessions/link'): Promise<MintedTokens> {
    const session = await this.sessionOf(tenant, sessionId);
    const now = this.deps.clock.now();
    if (hasEnded(session, now)) {
      throw new TesseraError('CONFLICT', 'session has ended');
    }
    if (session.userId !== null) {
      const owner = await this.deps.users.get(session.userId);
      if (owner && owner.externalId !== input.userId) throw new TesseraError('CONFLICT', 'session is signed in as another user');
    }
    const user = await this.deps.users.upsert(tenant.id, input.userId, profileOf(input));
    const linked = await this.deps.sessions.link(session.id, user, { amr: ['srv'] });
    await this.deps.audit.record({
      tenantId: tenant.id,
      actor,
      action: 'session.linked',
      target: session.id,
      details: { userId: user.externalId, via, anonymousId: session.anonymousId, wasAnonymous: session.userId === null },
    });
    return { ...linked, user };
  }

  /** Ends one session: its tokens die and its sockets close. Idempotent. */
  async revoke(tenant: Tenant, sessionId: string, actor: string): Promise<void> {
    const session = await this.sessionOf(tenant, sessionId);
    if (await this.deps.sessions.revoke(session.id, 'revoked_by_backend')) {
      await this.deps.audit.record({ tenantId: tenant.id, actor, action: 'session.revoked', target: session.id, details: { via: 'api' } });
    }
  }

  async sessionsOf(
    tenant: Tenant,
    userId: string,
  ): Promise<Array<SessionInfo & { lastSeenAt: number; revokedAt: number | null; active: boolean }>> {
    const user = await this.userOf(tenant, userId);
    const now = this.deps.clock.now();
    const sessions = await this.deps.store.sessions.listByUser(user.id);
    return sessions
      .filter((session) => session.tenantId === tenant.id)
      .map((session) => ({
        ...this.deps.sessions.describe(session, user),
        lastSeenAt: session.lastSeenAt,
        revokedAt: session.revokedAt,
        active: !hasEnded(session, now),
      }));
  }

  async conversationsOf(tenant: Tenant, userId: string): Promise<Array<ConversationInfo & { sessionId: string }>> {
    const user = await this.userOf(tenant, userId);
    const conversations = await this.deps.store.conversations.listByUser(user.id);
    return conversations.filter((c) => c.tenantId === tenant.id).map((c) => ({ ...describeConversation(c), sessionId: c.sessionId }));
  }

  private async sessionOf(tenant: Tenant, sessionId: string): Promise<Session> {
    const session = await this.deps.store.sessions.get(sessionId);
    if (!session || session.tenantId !== tenant.id) throw new TesseraError('NOT_FOUND', 'no such session');
    return session;
  }

  private async userOf(tenant: Tenant, userId: string): Promise<User> {
    return this.deps.users.byExternalId(tenant.id, userId);
  }
}

function profileOf(input: BackendUserInput): UserProfile {
  return {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.avatar !== undefined ? { avatar: input.avatar } : {}),
    ...(input.custom !== undefined ? { custom: input.custom } : {}),
  };
}
