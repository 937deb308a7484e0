import { decodeJwt } from 'jose';

/**
 * The claims of a compact JWT, NOT verified: only for choosing which key to verify it
 * with (an init token's `iss` names its partner). Never trust anything read here.
 */
export function unverifiedClaims(token: string): Record<string, unknown> | null {
  if (typeof token !== 'string' || token.length > 16_384) return null;
  try {
    return decodeJwt(token);
  } catch {
    return null;
  }
}
