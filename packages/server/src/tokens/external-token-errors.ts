import { TesseraError } from '../errors.js';

/** A token that does not verify: always `INVALID_TOKEN`, whatever the reason. */
export function invalidToken(message: string, cause?: unknown): TesseraError {
  return new TesseraError('INVALID_TOKEN', message, { cause });
}

/** A stored verification that cannot be used: the token is refused, the server does not crash. */
export function misconfigured(cause?: unknown): TesseraError {
  return invalidToken('token verification is not configured correctly', cause);
}

/** A verification configuration refused when it is written. */
export function badConfig(message: string, cause?: unknown): TesseraError {
  return new TesseraError('BAD_REQUEST', message, { cause });
}

const MESSAGES: Record<string, string> = {
  ERR_JWT_EXPIRED: 'token expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'bad signature',
  ERR_JOSE_ALG_NOT_ALLOWED: 'token algorithm is not allowed for this key',
  ERR_JWS_INVALID: 'malformed token',
  ERR_JWT_INVALID: 'malformed token',
  ERR_JWKS_NO_MATCHING_KEY: 'no key in the JWKS matches the token',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'no key in the JWKS verifies the token',
  ERR_JWKS_TIMEOUT: 'timed out fetching the JWKS',
  ERR_JWKS_INVALID: 'the JWKS is malformed',
  ERR_JOSE_NOT_SUPPORTED: 'token algorithm is not supported',
};

const CLAIM_MESSAGES: Record<string, string> = {
  iss: 'wrong issuer',
  aud: 'wrong audience',
  typ: 'wrong token type',
  nbf: 'token not yet valid',
};

/** A jose (or fetch) failure as an `INVALID_TOKEN` with a short reason; the original is the cause. */
export function fromJoseError(cause: unknown): TesseraError {
  if (cause instanceof TesseraError) return cause;
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
    const { claim, reason } = cause as { claim?: string; reason?: string };
    if (reason === 'missing') return invalidToken(`token has no "${claim}" claim`, cause);
    if (claim && CLAIM_MESSAGES[claim]) return invalidToken(CLAIM_MESSAGES[claim], cause);
    return invalidToken(`invalid "${claim}" claim`, cause);
  }
  if (typeof code === 'string' && MESSAGES[code]) return invalidToken(MESSAGES[code], cause);
  // Other jose errors, fetch failures (connection refused, non-JSON body, oversized JWKS) and key type errors.
  return invalidToken('token could not be verified', cause);
}
