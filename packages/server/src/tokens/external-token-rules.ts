import type { JWTVerifyOptions } from 'jose';
import { invalidToken } from './external-token-errors.js';
import type { Verification } from './verification.js';

/** What a token signed by someone else must satisfy: its key source, then claim checks. */
export interface ExternalTokenRules {
  verification: Verification;
  /** Required `iss` when set. */
  issuer?: string;
  /** Required `aud` (or one of it) when set. */
  audience?: string;
  /** `exp - now` must be at most this, and `exp - iat` too when `iat` is present. */
  maxLifetimeSeconds?: number;
  /** Claims that must be present; `exp` always is. */
  requiredClaims?: string[];
  /** Required header `typ` when set (compared as jose does, `application/` prefix ignored). */
  typ?: string;
  /** Leeway for `exp` and `nbf`, for the other party's clock. Default 0. */
  clockToleranceSeconds?: number;
}

/** The claim checks jose makes for `rules` (`exp`, `nbf`, `iss`, `aud`, `typ`, required claims), judged at `nowMs`. */
export function joseClaimOptions(rules: ExternalTokenRules, algorithms: string[], nowMs: number): JWTVerifyOptions {
  const options: JWTVerifyOptions = {
    algorithms,
    requiredClaims: [...new Set(['exp', ...(rules.requiredClaims ?? [])])],
    currentDate: new Date(nowMs),
    clockTolerance: rules.clockToleranceSeconds ?? 0,
  };
  if (rules.issuer !== undefined) options.issuer = rules.issuer;
  if (rules.audience !== undefined) options.audience = rules.audience;
  if (rules.typ !== undefined) options.typ = rules.typ;
  return options;
}

/**
 * The check jose does not make: a bound on how far ahead `exp` is and, when `iat` is
 * present, on the lifetime the token was minted with. `payload` has passed jose (`exp` is a number).
 */
export function checkLifetime(payload: Record<string, unknown>, rules: ExternalTokenRules, nowMs: number): void {
  const max = rules.maxLifetimeSeconds;
  if (max === undefined) return;
  const exp = payload.exp as number;
  const tooLong = exp - nowMs / 1000 > max || (typeof payload.iat === 'number' && exp - payload.iat > max);
  if (tooLong) throw invalidToken(`token lifetime exceeds ${max} seconds`);
}
