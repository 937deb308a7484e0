import type { TokenPair } from '@tessera/protocol';
import { decodeJwtPayload } from './jwt.js';
import { estimateOffsetMs, isExpired, refreshAtMs, type TokenTiming } from './refresh-schedule.js';

/**
 * - `empty`: no pair
 * - `valid`: a pair, refresh scheduled
 * - `refreshing`: a refresh request is in flight
 * - `retrying`: waiting to retry a failed refresh
 */
export type TokenState = 'empty' | 'valid' | 'refreshing' | 'retrying';

export type TokenSource = 'stored' | 'server' | 'provider' | 'adopted';

/** Everything the token manager knows, as a value: no I/O, no timers. */
export interface TokenSnapshot {
  readonly state: TokenState;
  readonly pair: TokenPair | null;
  readonly timing: TokenTiming | null;
  /** Estimated server clock minus local clock. */
  readonly offsetMs: number;
  /** Whether the offset rests on evidence (a `Date` header, a fresh token's `iat`). */
  readonly offsetKnown: boolean;
  /** After a refresh round fails without being terminal, the next round waits until then. */
  readonly nextRoundAtMs: number;
}

export type TokenEvent =
  /** A refresh request starts (or starts again after a retry pause). */
  | { type: 'refreshing' }
  /** Waiting before retrying a failed refresh request. */
  | { type: 'retrying' }
  /** The refresh in flight finished, however it ended. */
  | { type: 'settled' }
  /** A refresh round failed without being terminal: no new round before `retryAtMs`. */
  | { type: 'round-failed'; retryAtMs: number }
  /** Check now (woken, online): no waiting for the failed round's pause. */
  | { type: 'check' }
  /** A pair was taken; `nowMs` is the local time, `serverDateMs`/`receivedAtMs` come from the HTTP response. */
  | {
      type: 'tokens';
      tokens: TokenPair;
      source: TokenSource;
      nowMs: number;
      serverDateMs?: number | null;
      receivedAtMs?: number;
    }
  /** `clear()`: the pair is dropped; a refresh in flight keeps its state until it settles. */
  | { type: 'cleared'; refreshInFlight: boolean }
  /** The session ended (a terminal refresh failure). */
  | { type: 'ended' };

export const INITIAL_TOKEN_SNAPSHOT: TokenSnapshot = {
  state: 'empty',
  pair: null,
  timing: null,
  offsetMs: 0,
  offsetKnown: false,
  nextRoundAtMs: 0,
};

/** The transition table of the token manager. */
export function nextTokenSnapshot(snapshot: TokenSnapshot, event: TokenEvent): TokenSnapshot {
  switch (event.type) {
    case 'refreshing':
    case 'retrying':
      return { ...snapshot, state: event.type };
    case 'settled':
      if (snapshot.state !== 'refreshing' && snapshot.state !== 'retrying') return snapshot;
      return { ...snapshot, state: snapshot.pair ? 'valid' : 'empty' };
    case 'round-failed':
      return { ...snapshot, nextRoundAtMs: event.retryAtMs };
    case 'check':
      return { ...snapshot, nextRoundAtMs: 0 };
    case 'cleared':
      return { ...snapshot, state: event.refreshInFlight ? snapshot.state : 'empty', pair: null, timing: null, nextRoundAtMs: 0 };
    case 'ended':
      return { ...snapshot, state: 'empty', pair: null, timing: null, nextRoundAtMs: 0 };
    case 'tokens':
      return withTokens(snapshot, event);
  }
}

function withTokens(snapshot: TokenSnapshot, event: Extract<TokenEvent, { type: 'tokens' }>): TokenSnapshot {
  const { tokens, source, nowMs } = event;
  const claims = decodeJwtPayload(tokens.accessToken) ?? {};
  let { offsetMs, offsetKnown } = snapshot;
  // The server's clock is read from its responses; a provider's pair only when nothing better is known.
  if (source === 'server' || (source === 'provider' && !offsetKnown)) {
    const serverMs = event.serverDateMs ?? (claims.iat ? claims.iat * 1000 : null);
    const estimate = estimateOffsetMs(serverMs, event.receivedAtMs ?? nowMs);
    if (estimate !== null) {
      offsetMs = estimate;
      offsetKnown = true;
    }
  }
  const lifetimeMs = claims.iat && claims.exp ? (claims.exp - claims.iat) * 1000 : tokens.expiresAt - offsetMs - nowMs;
  return {
    // A pair means `valid`, unless a refresh is under way: it settles the state itself.
    state: snapshot.state === 'empty' ? 'valid' : snapshot.state,
    pair: tokens,
    timing: { expiresAt: tokens.expiresAt, lifetimeMs },
    offsetMs,
    offsetKnown,
    nextRoundAtMs: 0,
  };
}

/** When the held pair is due for a refresh (local clock), or null with nothing to refresh. */
export function refreshDueAtMs(snapshot: TokenSnapshot, refreshBufferMs: number): number | null {
  if (!snapshot.pair || !snapshot.timing) return null;
  return Math.max(refreshAtMs(snapshot.timing, snapshot.offsetMs, refreshBufferMs), snapshot.nextRoundAtMs);
}

/** The session a pair belongs to: tabs coordinate per session. */
export function sessionKeyOf(tokens: TokenPair | null): string {
  return (tokens && decodeJwtPayload(tokens.accessToken)?.sid) || 'default';
}

/** True while the access token can still be sent (not expired, nor about to be on arrival). */
export function isUsable(tokens: TokenPair, offsetMs: number, nowMs: number): boolean {
  const claims = decodeJwtPayload(tokens.accessToken) ?? {};
  const lifetimeMs = claims.iat && claims.exp ? (claims.exp - claims.iat) * 1000 : 0;
  return !isExpired({ expiresAt: tokens.expiresAt, lifetimeMs }, offsetMs, nowMs);
}

/** `candidate` is of the same session as `held` and expires no earlier. */
export function supersedes(candidate: TokenPair, held: TokenPair): boolean {
  return sessionKeyOf(candidate) === sessionKeyOf(held) && candidate.expiresAt >= held.expiresAt;
}

/** A pair from another tab (or storage) worth adopting instead of `held`. */
export function isNewerPair(candidate: TokenPair | null, held: TokenPair | null): candidate is TokenPair {
  return candidate !== null && held !== null && candidate.accessToken !== held.accessToken && supersedes(candidate, held);
}
