import { strictCompactJws } from './base64url.js';
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { Clock } from '../clock.js';
import { forbiddenHeaderIn } from './algorithm-rules.js';
import { fromJoseError, invalidToken } from './external-token-errors.js';
import { checkLifetime, joseClaimOptions, type ExternalTokenRules } from './external-token-rules.js';
import { VerificationKeys } from './verification-keys.js';

export interface ExternalTokenVerifierOptions {
  clock: Clock;
  /** Abort a JWKS fetch after this long. Default 5000. */
  jwksTimeoutMs?: number;
  /** After a fetch, an unknown `kid` triggers no new fetch for this long. Default 30000. */
  jwksCooldownMs?: number;
  /** Refetch a JWKS that is older than this before using it. Default 600000. */
  jwksCacheMaxAgeMs?: number;
  fetch?: typeof fetch;
}

/** Longer tokens are refused before any parsing. */
export const MAX_EXTERNAL_TOKEN_CHARS = 16_384;

/**
 * Verification of JWTs signed by someone else: the customer's own app (identity
 * tokens) and partners (init tokens). The algorithm is fixed by the configured key,
 * never chosen by the token; key-bearing and key-pointing headers are refused.
 */
export class ExternalTokenVerifier {
  private readonly clock: Clock;
  private readonly keys: VerificationKeys;

  constructor(options: ExternalTokenVerifierOptions) {
    this.clock = options.clock;
    this.keys = new VerificationKeys({
      timeoutMs: options.jwksTimeoutMs,
      cooldownMs: options.jwksCooldownMs,
      cacheMaxAgeMs: options.jwksCacheMaxAgeMs,
      fetch: options.fetch,
    });
  }

  /** Verifies `token` under `rules` and returns its payload; any failure is `INVALID_TOKEN`. */
  async verify(token: string, rules: ExternalTokenRules): Promise<Record<string, unknown>> {
    if (typeof token !== 'string' || token.length === 0) throw invalidToken('no token');
    if (token.length > MAX_EXTERNAL_TOKEN_CHARS) throw invalidToken('token is too large');
    // One token, one spelling: single-use ids and anything else keyed on the string rely on it.
    if (!strictCompactJws(token)) throw invalidToken('malformed token');

    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
    } catch (cause) {
      throw invalidToken('malformed token', cause);
    }
    const forbidden = forbiddenHeaderIn(header);
    if (forbidden !== undefined) throw invalidToken(`token header "${forbidden}" is not accepted`);

    const { key, algorithms } = this.keys.keyFor(rules.verification);
    const options = joseClaimOptions(rules, algorithms, this.clock.now());
    let payload: JWTPayload;
    try {
      const result = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, await key, options);
      payload = result.payload;
    } catch (cause) {
      throw fromJoseError(cause);
    }
    checkLifetime(payload, rules, this.clock.now());
    return payload;
  }
}
