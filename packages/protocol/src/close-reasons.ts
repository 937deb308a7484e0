import { CLOSE } from './close-codes.js';
import { ERROR_CODES, type ErrorCode } from './errors.js';

/**
 * Reasons the server closes a socket with that are not errors, and their close codes.
 * Any error code is a close reason too: see `closeCodeOf`.
 */
export const CLOSE_REASONS = {
  /** The session logged out (here or on another socket). */
  LOGGED_OUT: CLOSE.NORMAL,
  /** The session signed in or out elsewhere: reconnect with the newer token. */
  AUTH_CHANGED: CLOSE.AUTH_CHANGED,
  /** A binary frame: the protocol is JSON text only. */
  UNSUPPORTED_DATA: CLOSE.UNSUPPORTED_DATA,
  /** The socket went away before it was registered; no peer reads this. */
  GONE: CLOSE.NORMAL,
} as const;

export type CloseReason = keyof typeof CLOSE_REASONS | ErrorCode;

/**
 * The close code a socket closed for `reason` gets. An error that an open socket answers
 * with an error frame (`ws: null`) closes only a handshake, with 1008.
 */
export function closeCodeOf(reason: CloseReason): number {
  return Object.hasOwn(CLOSE_REASONS, reason)
    ? CLOSE_REASONS[reason as keyof typeof CLOSE_REASONS]
    : (ERROR_CODES[reason as ErrorCode].ws ?? CLOSE.POLICY_VIOLATION);
}
