import { createPublicKey, type KeyObject } from 'node:crypto';
import { publicKeyAlgorithms } from './algorithm-rules.js';

const MAX_PEM_CHARS = 16_384;

/** A parsed public key and the algorithms it may verify. */
export interface PublicKeyEntry {
  key: KeyObject;
  algorithms: string[];
}

/**
 * Parses a public key PEM ("PUBLIC KEY" or "RSA PUBLIC KEY") and fixes the algorithms it
 * may verify. `fail` builds the error: `BAD_REQUEST` when configuring, `INVALID_TOKEN` when verifying.
 */
export function parsePublicKey(pem: string, fail: (message: string, cause?: unknown) => Error): PublicKeyEntry {
  if (pem.length > MAX_PEM_CHARS) throw fail('verification.publicKeyPem is too long');
  if (/PRIVATE KEY/.test(pem)) {
    throw fail('verification.publicKeyPem must be a public key; never share the private key');
  }
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem)) {
    throw fail('verification.publicKeyPem must be a PEM "PUBLIC KEY" block');
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw fail('verification.publicKeyPem is not a valid public key', cause);
  }
  const rule = publicKeyAlgorithms(key);
  if ('refused' in rule) throw fail(rule.refused);
  return { key, algorithms: rule.algorithms };
}
