/**
 * Every error code Tessera can answer with, declared once: its HTTP status and
 * what a WebSocket peer sees (a close code, or an error frame when `null`).
 */
export const ERROR_CODES = {
  BAD_REQUEST: { http: 400, ws: 1007 },
  UNAUTHENTICATED: { http: 401, ws: 1008 },
  INVALID_TOKEN: { http: 401, ws: 1008 },
  TOKEN_EXPIRED: { http: 401, ws: 4001 },
  SESSION_REVOKED: { http: 401, ws: 1008 },
  REFRESH_TOKEN_REUSED: { http: 401, ws: null },
  INVALID_API_KEY: { http: 401, ws: null },
  INVALID_CREDENTIALS: { http: 401, ws: null },
  FORBIDDEN: { http: 403, ws: null },
  ORIGIN_NOT_ALLOWED: { http: 403, ws: null },
  NOT_FOUND: { http: 404, ws: null },
  CONFLICT: { http: 409, ws: null },
  PAYLOAD_TOO_LARGE: { http: 413, ws: 1009 },
  RATE_LIMITED: { http: 429, ws: null },
  INTERNAL: { http: 500, ws: 1011 },
  UNAVAILABLE: { http: 503, ws: 1012 },
} as const satisfies Record<string, { http: number; ws: number | null }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The body of every HTTP error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Error codes after which retrying a refresh cannot help. */
export const TERMINAL_AUTH_CODES: readonly ErrorCode[] = [
  'INVALID_TOKEN',
  'SESSION_REVOKED',
  'REFRESH_TOKEN_REUSED',
  'UNAUTHENTICATED',
];
