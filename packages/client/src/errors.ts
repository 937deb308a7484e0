import type { ClientErrorCode, ErrorCode } from '@tessera/protocol';
import { TERMINAL_AUTH_CODES } from '@tessera/protocol';

export type { ClientErrorCode };

export type TesseraErrorCode = ErrorCode | ClientErrorCode;

export interface TesseraErrorOptions {
  cause?: unknown;
  status?: number;
  retryAfterMs?: number;
}

/** The one error type of the SDK: `code` is for programs, `message` for people. */
export class TesseraError extends Error {
  readonly code: TesseraErrorCode;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: TesseraErrorCode, message: string, options: TesseraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** True when retrying with the same credentials cannot help: the session is gone. */
export function isTerminalAuthError(error: unknown): boolean {
  return error instanceof TesseraError && (TERMINAL_AUTH_CODES as readonly string[]).includes(error.code);
}

/** True for failures worth retrying later: no network, timeouts, 5xx, 429. */
export function isRetryableError(error: unknown): boolean {
  if (!(error instanceof TesseraError)) return false;
  if (error.code === 'NETWORK_ERROR' || error.code === 'TIMEOUT') return true;
  return error.status !== undefined && (error.status >= 500 || error.status === 429);
}

/**
 * True when a connection cannot go on by retrying: the session is gone, there are no credentials,
 * or the server refuses this origin (a deployment setting only an administrator can change).
 */
export function endsConnection(error: unknown): boolean {
  if (isTerminalAuthError(error)) return true;
  return error instanceof TesseraError && (error.code === 'NO_CREDENTIALS' || error.code === 'ORIGIN_NOT_ALLOWED');
}
