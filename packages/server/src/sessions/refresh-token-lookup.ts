import { hashSecret, safeEqual } from '../secrets.js';
import type { RefreshToken, Session, Store } from '../store/index.js';
import { parseRefreshToken } from './refresh-token-format.js';
import { hasEnded } from './session-state.js';

/** A parent refresh token presented again this soon after its rotation gets the same current pair. */
export const REFRESH_GRACE_MS = 10_000;

/** The stored token a presented refresh token stands for, if it is genuine (any state). */
export async function genuineRefreshToken(store: Store, presented: unknown): Promise<RefreshToken | null> {
  const parsed = parseRefreshToken(presented);
  const token = parsed ? await store.refreshTokens.get(parsed.id) : null;
  return parsed && token && safeEqual(token.secretHash, hashSecret(parsed.secret)) ? token : null;
}

/**
 * The live session a refresh token may still act for: the current token of its family, or
 * its parent within the refresh grace. A superseded, rotated-away or revoked token acts for
 * nothing, on any route.
 */
export async function sessionActingFor(store: Store, presented: unknown, now: number): Promise<Session | null> {
  const token = await genuineRefreshToken(store, presented);
  if (!token) return null;
  const usable =
    token.state === 'current' ||
    (token.state === 'rotated' &&
      token.rotatedAt !== null &&
      now - token.rotatedAt <= REFRESH_GRACE_MS &&
      token.childId !== null &&
      (await store.refreshTokens.get(token.childId))?.state === 'current');
  if (!usable) return null;
  const session = await store.sessions.get(token.sessionId);
  return session && !hasEnded(session, now) ? session : null;
}
