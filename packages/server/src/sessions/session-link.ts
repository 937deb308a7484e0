import type { AuthMethod } from '@tessera/protocol';
import { TesseraError } from '../errors.js';
import { newSecret, newTimeOrderedId } from '../ids.js';
import type { Session, Store, Tenant, User } from '../store/index.js';
import { monthOf } from './month.js';
import { formatRefreshToken, freshRefreshToken } from './refresh-token-format.js';
import { idleExpiry } from './session-state.js';

export interface SignedInSession {
  session: Session;
  refreshToken: string;
  /** The session already had this user: a fresh sign-in, not a change of owner. */
  reauthenticated: boolean;
}

/**
 * Records in the store that `user` signed in to `session` just now, by `amr`. An anonymous
 * session is linked in one transaction: the session and its conversations become the user's,
 * `ver` is bumped (old access tokens die), the refresh family is replaced and the anonymous
 * id ↔ user link is recorded. The session's own user signing in again re-authenticates: a
 * fresh `auth_time` and `amr` and a new refresh token, nothing else changes (no `ver` bump, so
 * no socket is closed). Another user is a CONFLICT.
 */
export async function signInToSession(
  store: Store,
  tenant: Tenant,
  session: Session,
  user: User,
  amr: AuthMethod[],
  now: number,
): Promise<SignedInSession> {
  if (session.userId !== null && session.userId !== user.id) throw new TesseraError('CONFLICT', 'session is signed in as another user');
  const secret = newSecret();
  const refreshId = newTimeOrderedId('rt', now);
  const refreshToken = formatRefreshToken(refreshId, secret);
  if (session.userId === user.id) {
    await store.transaction(async (tx) => {
      if (!(await tx.sessions.reauthenticate(session.id, user.id, now, amr))) throw new TesseraError('CONFLICT', 'session has ended');
      await tx.refreshTokens.insert(freshRefreshToken(refreshId, session.id, secret, null, now));
    });
    return { session: { ...session, authTime: now, amr, lastSeenAt: now }, refreshToken, reauthenticated: true };
  }
  const idleExpiresAt = idleExpiry(tenant.settings.sessions, { userId: user.id, absoluteExpiresAt: session.absoluteExpiresAt }, now);
  await store.transaction(async (tx) => {
    if (!(await tx.sessions.assignUser(session.id, user.id, session.ver, now, idleExpiresAt, amr))) {
      throw new TesseraError('CONFLICT', 'session changed concurrently; try again');
    }
    await tx.conversations.assignSessionToUser(session.id, user.id);
    await tx.refreshTokens.revokeSession(session.id);
    await tx.refreshTokens.insert(freshRefreshToken(refreshId, session.id, secret, null, now));
    await tx.usage.linkAnonymous(session.tenantId, session.anonymousId, user.id, now);
  });
  store.usageMeter.active(session.tenantId, monthOf(now), 'user', user.id);
  const linked: Session = { ...session, userId: user.id, ver: session.ver + 1, lastSeenAt: now, idleExpiresAt, authTime: now, amr };
  return { session: linked, refreshToken, reauthenticated: false };
}
