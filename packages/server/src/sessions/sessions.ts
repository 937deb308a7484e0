import type { AccessClaims, AuthMethod, CloseReason, SessionInfo } from '@tessera/protocol';
import type { Bus } from '../bus/index.js';
import type { Clock } from '../clock.js';
import { TesseraError } from '../errors.js';
import { newSecret, newTimeOrderedId } from '../ids.js';
import { hashSecret, safeEqual } from '../secrets.js';
import type { ConversationSummary, Session, Store, Tenant, User } from '../store/index.js';
import type { AccessTokens, VerifiedTokens } from '../tokens/index.js';
import type { Audit, Tenants } from '../tenancy/index.js';
import type { Metrics } from '../metrics.js';
import { childSecret, formatRefreshToken, freshRefreshToken, parseRefreshToken } from './refresh-token-format.js';
import { signInToSession } from './session-link.js';
import type { SessionCache } from './session-cache.js';
import { monthOf } from './month.js';
import { accessClaimsOf, describeSession } from './session-views.js';
import { genuineRefreshToken, REFRESH_GRACE_MS, sessionActingFor } from './refresh-token-lookup.js';
import { assertLive, idleExpiry, type OpenSocket, readSocketEnds } from './session-state.js';

export { REFRESH_GRACE_MS };
/** Idle expiry is pushed forward at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
  session: Session;
  claims: AccessClaims;
}

/** A verified caller: the token's claims and the live session they belong to. */
export interface AuthContext {
  claims: AccessClaims;
  session: Session;
}

export interface SessionsDeps {
  store: Store;
  clock: Clock;
  bus: Bus;
  tenants: Tenants;
  accessTokens: AccessTokens;
  /** The signature check, done once per token per node. */
  verifiedTokens: VerifiedTokens;
  cache: SessionCache;
  serverSecret: Buffer;
  audit: Audit;
  metrics?: Metrics;
}

export class Sessions {
  constructor(private readonly deps: SessionsDeps) {}

  /** A new anonymous session, under `anonymousId` when the browser already has one. */
  startAnonymous(tenant: Tenant, anonymousId?: string): Promise<IssuedTokens> {
    return this.start(tenant, null, anonymousId);
  }

  /** A new session that starts signed in as `user` (backend-minted tokens, trusted partners). */
  startForUser(tenant: Tenant, user: User, anonymousId?: string, amr: AuthMethod[] = ['srv']): Promise<IssuedTokens> {
    return this.start(tenant, user, anonymousId, amr);
  }

  private async start(tenant: Tenant, user: User | null, anonymousId?: string, amr: AuthMethod[] = []): Promise<IssuedTokens> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const limits = tenant.settings.sessions;
    const absoluteExpiresAt = now + limits.absoluteSeconds * 1000;
    const session: Session = {
      id: newTimeOrderedId('sess', now),
      tenantId: tenant.id,
      anonymousId: anonymousId ?? newTimeOrderedId('anon', now),
      userId: user?.id ?? null,
      ver: 1,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: idleExpiry(limits, { userId: user?.id ?? null, absoluteExpiresAt }, now),
      absoluteExpiresAt,
      revokedAt: null,
      revokedReason: null,
      authTime: user ? now : null,
      amr: user ? amr : [],
    };
    const secret = newSecret();
    const refreshId = newTimeOrderedId('rt', now);
    await store.sharedTransaction(async (tx) => {
      await tx.sessions.insert(session);
      await tx.refreshTokens.insert(freshRefreshToken(refreshId, session.id, secret, null, now));
    });
    store.usageMeter.active(tenant.id, monthOf(now), user ? 'user' : 'anonymous', user ? user.id : session.anonymousId);
    store.usageMeter.count(tenant.id, monthOf(now), { sessions: 1 });
    this.deps.cache.remember(session);
    return this.issue(tenant, session, user, formatRefreshToken(refreshId, secret));
  }

  /**
   * Verifies an access token and the live state of its session: signature, expiry,
   * audience, then revocation, idle/absolute expiry and `ver`, from the cache.
   */
  async verify(token: string, tenantId?: string): Promise<AuthContext> {
    const now = this.deps.clock.now();
    const claims = this.deps.verifiedTokens.verify(token, now, tenantId);
    const session = await this.deps.cache.get(claims.sid);
    if (!session || session.tenantId !== claims.aud) throw new TesseraError('INVALID_TOKEN', 'unknown session');
    assertLive(session, now);
    if (claims.ver !== session.ver) {
      throw new TesseraError('INVALID_TOKEN', 'token superseded by a newer sign-in state', { sessionId: session.id });
    }
    return { claims, session };
  }

  /**
   * The session as it is now (from the cache every node keeps current over the bus), or `session`
   * when it has changed owner or ended since: what a turn reads `auth_time` and `amr` from, since a
   * re-authentication elsewhere changes them without closing this socket.
   */
  async current(session: Session): Promise<Session> {
    const latest = await this.deps.cache.get(session.id).catch(() => null);
    return latest && latest.ver === session.ver && latest.revokedAt === null ? latest : session;
  }

  /** Whether a verified context still matches its session (not revoked, same `ver`). */
  async stillCurrent(auth: AuthContext): Promise<boolean> {
    const session = await this.deps.cache.get(auth.session.id).catch(() => null);
    return session !== null && session.revokedAt === null && session.ver === auth.claims.ver;
  }

  /**
   * Why each socket (its session and the `ver` it signed in at) may no longer stay open, or
   * null: read from the store, for when the bus may have missed changes made elsewhere.
   */
  socketEnds(sockets: readonly OpenSocket[]): Promise<(CloseReason | null)[]> {
    return readSocketEnds(this.deps.store, sockets, this.deps.clock.now());
  }

  /**
   * Rotates a refresh token: one atomic claim, so concurrent callers never mint two children.
   * `admit` sees its session first, live or not (the edge checks the origin): nothing is read twice.
   */
  async refresh(presented: unknown, admit?: (session: Session) => Promise<void>): Promise<IssuedTokens> {
    const { store, clock } = this.deps;
    const parsed = parseRefreshToken(presented);
    const token = parsed ? await genuineRefreshToken(store, presented) : null;
    if (!parsed || !token) throw new TesseraError('INVALID_TOKEN', 'invalid refresh token');
    const session = await store.sessions.get(token.sessionId);
    if (!session) throw new TesseraError('INVALID_TOKEN', 'invalid refresh token');
    await admit?.(session);
    assertLive(session, clock.now());
    const tenant = await this.deps.tenants.get(session.tenantId);
    const secret = childSecret(this.deps.serverSecret, parsed.secret);

    if (token.state === 'current') {
      const now = clock.now();
      const childId = newTimeOrderedId('rt', now);
      const idleExpiresAt = idleExpiry(tenant.settings.sessions, session, now);
      const claimed = await store.sharedTransaction(async (tx) => {
        if (!(await tx.refreshTokens.claimRotation(token.id, childId, now))) return false;
        await tx.refreshTokens.insert(freshRefreshToken(childId, session.id, secret, token.id, now));
        await tx.sessions.touch(session.id, now, idleExpiresAt);
        return true;
      });
      if (claimed) {
        const touched = { ...session, lastSeenAt: now, idleExpiresAt };
        this.deps.cache.remember(touched);
        this.deps.metrics?.refreshes.inc({ outcome: 'rotated' });
        return this.issue(tenant, touched, await this.userOf(touched), formatRefreshToken(childId, secret));
      }
    }

    // Rotated already: by a concurrent caller just now, or this is a replay.
    const rotated = await store.refreshTokens.get(token.id);
    const child = rotated?.childId ? await store.refreshTokens.get(rotated.childId) : null;
    const withinGrace = rotated?.rotatedAt != null && clock.now() - rotated.rotatedAt <= REFRESH_GRACE_MS;
    if (rotated?.state === 'rotated' && child?.state === 'current' && withinGrace && safeEqual(child.secretHash, hashSecret(secret))) {
      this.deps.metrics?.refreshes.inc({ outcome: 'grace' });
      return this.issue(tenant, session, await this.userOf(session), formatRefreshToken(child.id, secret));
    }
    if (rotated?.state === 'revoked') {
      // The family was replaced (sign-in) or the session ended: dead, but not evidence of theft.
      throw new TesseraError('INVALID_TOKEN', 'refresh token is no longer valid');
    }
    this.deps.metrics?.refreshReuse.inc();
    await this.revoke(session.id, 'refresh_token_reused');
    // A reused refresh token is a sign of theft: the revocation goes in the audit log.
    await this.deps.audit.record({
      tenantId: session.tenantId,
      actor: 'system',
      action: 'session.revoked',
      target: session.id,
      details: { reason: 'refresh_token_reused' },
    });
    throw new TesseraError('REFRESH_TOKEN_REUSED', 'refresh token was already used; the session is revoked');
  }

  /** The session of a genuine refresh token, live or not: only to choose whose origins apply. */
  async sessionOfRefreshToken(presented: unknown): Promise<Session | null> {
    const token = await genuineRefreshToken(this.deps.store, presented);
    return token ? this.deps.store.sessions.get(token.sessionId) : null;
  }

  /** The live session a refresh token may still act for (log out); see refresh-token-lookup.ts. */
  sessionActingFor(presented: unknown): Promise<Session | null> {
    return sessionActingFor(this.deps.store, presented, this.deps.clock.now());
  }

  /** Ends a session: tokens die at once and its sockets close. False if it was already ended. */
  async revoke(sessionId: string, reason: string): Promise<boolean> {
    const { store, clock } = this.deps;
    const revoked = await store.transaction(async (tx) => {
      const changed = await tx.sessions.revoke(sessionId, clock.now(), reason);
      if (changed) await tx.refreshTokens.revokeSession(sessionId);
      return changed;
    });
    this.deps.cache.invalidate(sessionId);
    if (revoked)
      await this.deps.bus.publish({ type: 'session.changed', sessionId, reason: reason === 'logout' ? 'logged_out' : 'revoked' });
    return revoked;
  }

  /** Sessions deleted from the store (erasure): every node drops them and closes their sockets. */
  async forgetErased(sessionIds: readonly string[]): Promise<void> {
    for (const sessionId of sessionIds) {
      this.deps.cache.invalidate(sessionId);
      await this.deps.bus.publish({ type: 'session.changed', sessionId, reason: 'revoked' });
    }
  }

  /**
   * Signs `user` in to a session, the one way any sign-in route changes a session's owner
   * (see session-link.ts): linked, every socket of the session but `keepSocketId` is told the
   * auth state changed; re-authenticated (the same user again), no socket is touched.
   */
  async link(
    sessionId: string,
    user: User,
    options: { keepSocketId?: string; amr: AuthMethod[] },
  ): Promise<IssuedTokens & { previousConversations: ConversationSummary[]; reauthenticated: boolean }> {
    const { store, clock } = this.deps;
    const session = await store.sessions.get(sessionId);
    if (!session || session.tenantId !== user.tenantId) throw new TesseraError('NOT_FOUND', 'no such session');
    const now = clock.now();
    assertLive(session, now);
    const tenant = await this.deps.tenants.get(session.tenantId);
    const signedIn = await signInToSession(store, tenant, session, user, options.amr, now);
    this.deps.cache.invalidate(session.id);
    this.deps.cache.remember(signedIn.session);
    await this.deps.bus.publish(
      signedIn.reauthenticated
        ? { type: 'session.reauthenticated', sessionId: session.id }
        : { type: 'session.changed', sessionId: session.id, reason: 'auth_changed', keepSocketId: options.keepSocketId },
    );
    const all = await store.conversations.listByUser(user.id);
    const previousConversations = all.filter((conversation) => conversation.sessionId !== session.id);
    return {
      ...this.issue(tenant, signedIn.session, user, signedIn.refreshToken),
      previousConversations,
      reauthenticated: signedIn.reauthenticated,
    };
  }

  /** Pushes idle expiry forward on activity, at most once a minute per session. */
  async touch(session: Session): Promise<Session> {
    const now = this.deps.clock.now();
    if (now - session.lastSeenAt < TOUCH_INTERVAL_MS) return session;
    const tenant = await this.deps.tenants.get(session.tenantId);
    const touched = { ...session, lastSeenAt: now, idleExpiresAt: idleExpiry(tenant.settings.sessions, session, now) };
    this.deps.cache.remember(touched);
    await this.deps.store.sessions.touch(session.id, now, touched.idleExpiresAt);
    return touched;
  }

  /** A fresh access token for a live session, e.g. for a socket that asks to be re-issued one. */
  async reissueAccess(session: Session): Promise<{ accessToken: string; expiresAt: number }> {
    const tenant = await this.deps.tenants.get(session.tenantId);
    const { token, expiresAt } = this.signAccess(tenant, session, await this.userOf(session));
    return { accessToken: token, expiresAt };
  }

  async userOf(session: Session): Promise<User | null> {
    return session.userId ? this.deps.store.users.get(session.userId) : null;
  }

  describe(session: Session, user: User | null = null): SessionInfo {
    return describeSession(session, user);
  }

  private issue(tenant: Tenant, session: Session, user: User | null, refreshToken: string): IssuedTokens {
    const { token, claims, expiresAt } = this.signAccess(tenant, session, user);
    return { accessToken: token, refreshToken, expiresAt, session, claims };
  }

  private signAccess(tenant: Tenant, session: Session, user: User | null) {
    return this.deps.accessTokens.sign(
      accessClaimsOf(tenant, session, user),
      this.deps.clock.now(),
      tenant.settings.tokens.accessTokenTtlSeconds,
    );
  }
}
