import { sign as cryptoSign } from 'node:crypto';
import type { SigningKey } from './signing-keys.js';

/**
 * Signs `claims` as a compact JWS with our key, synchronously with node:crypto: the algorithm is
 * the key's, so there is nothing to negotiate, and WebCrypto's async sign (what jose uses) costs
 * a thread-pool round trip per token, which queues under load.
 */
export function signCompactJws(key: SigningKey, typ: string, claims: object): string {
  const header = { alg: key.alg, typ, kid: key.kid };
  const signingInput = `${encodeSegment(header)}.${encodeSegment(claims)}`;
  const signature = cryptoSign(key.alg === 'ES256' ? 'sha256' : null, Buffer.from(signingInput), key.signWith);
  return `${signingInput}.${signature.toString('base64url')}`;
}

export function encodeSegment(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
