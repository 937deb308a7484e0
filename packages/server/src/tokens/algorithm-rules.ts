import type { KeyObject } from 'node:crypto';

/**
 * Which algorithms a configured key verifies. The algorithm is fixed by the key,
 * never chosen by the token, and headers that carry or point to a key are refused.
 */

/** A shared secret verifies HS256 only. */
export const SECRET_ALGORITHMS = ['HS256'];

/** What a key from a JWKS may verify (jose further matches each key's type and `alg`). */
export const JWKS_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Header parameters that carry or point to a key: never followed, the token is refused. */
export const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;

/** Smaller RSA keys are refused. */
export const MIN_RSA_BITS = 2048;

const EC_ALGORITHM: Record<string, string> = { prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' };

/** The algorithms a public key verifies, or why it may not verify any. */
export function publicKeyAlgorithms(key: KeyObject): { algorithms: string[] } | { refused: string } {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      if ((details.modulusLength ?? 0) < MIN_RSA_BITS) {
        return { refused: `verification.publicKeyPem: RSA keys must be at least ${MIN_RSA_BITS} bits` };
      }
      return { algorithms: ['RS256', 'PS256'] };
    case 'ec': {
      const alg = details.namedCurve ? EC_ALGORITHM[details.namedCurve] : undefined;
      if (!alg) return { refused: 'verification.publicKeyPem: EC keys must be on P-256, P-384 or P-521' };
      return { algorithms: [alg] };
    }
    case 'ed25519':
      return { algorithms: ['EdDSA', 'Ed25519'] };
    default:
      return { refused: 'verification.publicKeyPem must be an RSA, EC or Ed25519 public key' };
  }
}

/** The first forbidden header `header` carries, if any. */
export function forbiddenHeaderIn(header: Record<string, unknown>): string | undefined {
  return FORBIDDEN_HEADERS.find((name) => Object.hasOwn(header, name));
}
