import { ERROR_CODES, type ErrorCode } from '@tessera/protocol';

/** The one error type of Tessera: a stable code for programs, a message for people. */
export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs?: number;
  /** The session the refusal concerns, when it is known and genuine: for logs, never for the caller. */
  readonly sessionId?: string;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryAfterMs?: number; sessionId?: string } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TesseraError';
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.sessionId = options.sessionId;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  /** The close code a socket gets for this error, or null when it is answered with an error frame. */
  get closeCode(): number | null {
    return ERROR_CODES[this.code].ws;
  }
}

export function isTesseraError(value: unknown): value is TesseraError {
  return value instanceof TesseraError;
}
