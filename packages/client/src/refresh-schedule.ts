/**
 * When to refresh: pure arithmetic on the server's `expiresAt`, corrected for
 * the difference between the server's clock and ours.
 */

/** Offsets below this are within the one-second resolution of `Date` and `iat`. */
const OFFSET_RESOLUTION_MS = 1000;

/**
 * Server time minus local time, from a `Date` header or a just-minted token's
 * `iat` (both in whole seconds, so we take the middle of the second). Returns
 * 0 when the difference is within that resolution, null with no evidence.
 */
export function estimateOffsetMs(serverSecondsMs: number | null | undefined, receivedAtMs: number): number | null {
  if (serverSecondsMs == null || !Number.isFinite(serverSecondsMs)) return null;
  const offsetMs = serverSecondsMs + OFFSET_RESOLUTION_MS / 2 - receivedAtMs;
  return Math.abs(offsetMs) < OFFSET_RESOLUTION_MS ? 0 : Math.round(offsetMs);
}

export interface TokenTiming {
  /** Access-token expiry on the server's clock, epoch ms. */
  expiresAt: number;
  /** Full lifetime of the token (exp - iat), or what was left of it when we got it. */
  lifetimeMs: number;
}

/** The local time at which to refresh: expiry minus a buffer of at most half the lifetime. */
export function refreshAtMs(timing: TokenTiming, offsetMs: number, refreshBufferMs: number): number {
  const bufferMs = Math.min(refreshBufferMs, Math.max(0, timing.lifetimeMs) / 2);
  return timing.expiresAt - offsetMs - bufferMs;
}

/** True once the token is expired, or will be before a request carrying it arrives. */
export function isExpired(timing: TokenTiming, offsetMs: number, nowMs: number): boolean {
  const marginMs = Math.min(1000, Math.max(0, timing.lifetimeMs) / 10);
  return nowMs >= timing.expiresAt - offsetMs - marginMs;
}
