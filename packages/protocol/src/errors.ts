import { CLOSE } from './close-codes.js';

/**
 * Every error code Tessera can answer with, declared once: its HTTP status and
 * what a WebSocket peer sees (a close code, or an error frame when `null`).
 */
export const ERROR_CODES = {
  BAD_REQUEST: { http: 400, ws: null },
  UNAUTHENTICATED: { http: 401, ws: CLOSE.POLICY_VIOLATION },
  INVALID_TOKEN: { http: 401, ws: CLOSE.POLICY_VIOLATION },
  TOKEN_EXPIRED: { http: 401, ws: CLOSE.TOKEN_EXPIRED },
  SESSION_REVOKED: { http: 401, ws: CLOSE.POLICY_VIOLATION },
  REFRESH_TOKEN_REUSED: { http: 401, ws: null },
  INVALID_API_KEY: { http: 401, ws: null },
  INVALID_CREDENTIALS: { http: 401, ws: null },
  FORBIDDEN: { http: 403, ws: null },
  ORIGIN_NOT_ALLOWED: { http: 403, ws: null },
  NOT_FOUND: { http: 404, ws: null },
  /** The path exists, not with this method; the answer's `Allow` header lists the methods it has. */
  METHOD_NOT_ALLOWED: { http: 405, ws: null },
  CONFLICT: { http: 409, ws: null },
  PAYLOAD_TOO_LARGE: { http: 413, ws: CLOSE.MESSAGE_TOO_BIG },
  /** A request body of a media type the route does not take (JSON routes take `application/json`). */
  UNSUPPORTED_MEDIA_TYPE: { http: 415, ws: null },
  RATE_LIMITED: { http: 429, ws: null },
  INTERNAL: { http: 500, ws: CLOSE.INTERNAL_ERROR },
  UNAVAILABLE: { http: 503, ws: CLOSE.SERVICE_RESTART },
  /** The tenant's agent could not be reached, failed, or answered with something unusable. */
  AGENT_UNAVAILABLE: { http: 502, ws: null },
  /** The tenant's agent did not answer (or finish answering) in time. */
  AGENT_TIMEOUT: { http: 504, ws: null },
  /** A sign-in flow, link or callback that was used, or expired. */
  FLOW_EXPIRED: { http: 410, ws: null },
  /** A sign-in flow the provider or the person refused (e.g. `access_denied` on the consent page). */
  FLOW_DENIED: { http: 403, ws: null },
  /** A one-time code that is wrong, used or expired. */
  CODE_INVALID: { http: 401, ws: null },
} as const satisfies Record<string, { http: number; ws: number | null }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/**
 * Codes only a client can produce: the server was not reached, did not answer in time,
 * the client was closed before an answer came, or it holds no credentials to send.
 */
export const CLIENT_ERROR_CODES = ['NETWORK_ERROR', 'TIMEOUT', 'CLIENT_CLOSED', 'NO_CREDENTIALS'] as const;

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];

/** The body of every HTTP error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Error codes after which retrying a refresh cannot help. */
export const TERMINAL_AUTH_CODES: readonly ErrorCode[] = ['INVALID_TOKEN', 'SESSION_REVOKED', 'REFRESH_TOKEN_REUSED', 'UNAUTHENTICATED'];
