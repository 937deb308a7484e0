import type { CloseReason } from '@tessera/protocol';
import type { BusEvent } from '../bus/index.js';
import { TesseraError } from '../errors.js';
import type { Session, Store, TenantSettings } from '../store/index.js';

/** Past its idle or absolute expiry. */
export function isExpired(session: Session, now: number): boolean {
  return session.idleExpiresAt <= now || session.absoluteExpiresAt <= now;
}

/** SESSION_REVOKED unless the session is live. */
export function assertLive(session: Session, now: number): void {
  if (session.revokedAt !== null) throw new TesseraError('SESSION_REVOKED', 'session was revoked', { sessionId: session.id });
  if (isExpired(session, now)) throw new TesseraError('SESSION_REVOKED', 'session expired', { sessionId: session.id });
}

/** Revoked or expired: nothing of it may act any more. */
export function hasEnded(session: Session, now: number): boolean {
  return session.revokedAt !== null || isExpired(session, now);
}

/** The idle expiry that activity at `now` gives a session, never past its absolute expiry. */
export function idleExpiry(
  settings: TenantSettings['sessions'],
  session: Pick<Session, 'userId' | 'absoluteExpiresAt'>,
  now: number,
): number {
  const idleSeconds = session.userId ? settings.userIdleSeconds : settings.anonymousIdleSeconds;
  return Math.min(now + idleSeconds * 1000, session.absoluteExpiresAt);
}

/**
 * Why a socket signed in at `ver` may no longer stay open on `session` (missing: erased),
 * or null while it may.
 */
export function socketEnd(session: Session | undefined, ver: number | undefined, now: number): CloseReason | null {
  if (!session || session.revokedAt !== null) return session?.revokedReason === 'logout' ? 'LOGGED_OUT' : 'SESSION_REVOKED';
  if (isExpired(session, now)) return 'SESSION_REVOKED';
  if (ver !== undefined && session.ver > ver) return 'AUTH_CHANGED';
  return null;
}

/** An open socket: its session and the `ver` it signed in at (when known). */
export interface OpenSocket {
  readonly sessionId: string;
  readonly sessionVer?: number;
}

/** Sessions read per query when open sockets are re-checked against the store. */
const SWEEP_CHUNK = 500;

/** `socketEnd` of each socket, with its session read from the store (not the cache). */
export async function readSocketEnds(store: Store, sockets: readonly OpenSocket[], now: number): Promise<(CloseReason | null)[]> {
  const ids = [...new Set(sockets.map((socket) => socket.sessionId))];
  const sessions = new Map<string, Session>();
  for (let i = 0; i < ids.length; i += SWEEP_CHUNK) {
    for (const session of await store.sessions.listByIds(ids.slice(i, i + SWEEP_CHUNK))) sessions.set(session.id, session);
  }
  return sockets.map((socket) => socketEnd(sessions.get(socket.sessionId), socket.sessionVer, now));
}

/** How the sockets of a session that changed on some node are closed. */
export const CLOSE_REASON_OF_CHANGE: Record<Extract<BusEvent, { type: 'session.changed' }>['reason'], CloseReason> = {
  auth_changed: 'AUTH_CHANGED',
  revoked: 'SESSION_REVOKED',
  logged_out: 'LOGGED_OUT',
};
