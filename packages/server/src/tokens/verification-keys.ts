import type { KeyObject } from 'node:crypto';
import type { JWTVerifyGetKey } from 'jose';
import { JWKS_ALGORITHMS, SECRET_ALGORITHMS } from './algorithm-rules.js';
import { misconfigured } from './external-token-errors.js';
import { remoteJwksFactory, type JwksOptions } from './jwks.js';
import { parsePublicKey, type PublicKeyEntry } from './public-key-pem.js';
import { secretLengthIsValid, type Verification } from './verification.js';

/** Bound on each key cache, so a churn of configurations cannot grow memory without limit. */
const MAX_CACHED_KEYS = 1024;

/** What jose verifies a token with, and the only algorithms it may accept. */
export interface VerificationKey {
  key: Promise<CryptoKey | KeyObject> | JWTVerifyGetKey;
  algorithms: string[];
}

/**
 * The key behind each configured key source, prepared once and kept in bounded caches:
 * a shared secret is imported once, a PEM parsed once, a JWKS URL has one jose key set.
 * A stored configuration that cannot be used is `INVALID_TOKEN`, not a crash.
 */
export class VerificationKeys {
  private readonly secretKeys = new Map<string, Promise<CryptoKey>>();
  private readonly publicKeys = new Map<string, PublicKeyEntry>();
  private readonly jwksSets = new Map<string, JWTVerifyGetKey>();
  private readonly remoteJwks: (url: URL) => JWTVerifyGetKey;

  constructor(jwks: JwksOptions) {
    this.remoteJwks = remoteJwksFactory(jwks);
  }

  keyFor(verification: Verification): VerificationKey {
    const v = verification as Partial<Record<'secret' | 'publicKeyPem' | 'jwksUrl', unknown>>;
    if (typeof v.secret === 'string') return { key: this.secretKey(v.secret), algorithms: SECRET_ALGORITHMS };
    if (typeof v.publicKeyPem === 'string') {
      const entry = this.publicKey(v.publicKeyPem);
      return { key: Promise.resolve(entry.key), algorithms: entry.algorithms };
    }
    if (typeof v.jwksUrl === 'string') return { key: this.jwks(v.jwksUrl), algorithms: JWKS_ALGORITHMS };
    throw misconfigured();
  }

  /** Imported here, once, as a CryptoKey: jose would import a raw secret again on every verify. */
  private secretKey(secret: string): Promise<CryptoKey> {
    let key = this.secretKeys.get(secret);
    if (!key) {
      if (!secretLengthIsValid(secret)) throw misconfigured();
      key = crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
      remember(this.secretKeys, secret, key);
    }
    return key;
  }

  private publicKey(pem: string): PublicKeyEntry {
    let entry = this.publicKeys.get(pem);
    if (!entry) {
      entry = parsePublicKey(pem.trim(), (_message, cause) => misconfigured(cause));
      remember(this.publicKeys, pem, entry);
    }
    return entry;
  }

  private jwks(url: string): JWTVerifyGetKey {
    let set = this.jwksSets.get(url);
    if (!set) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch (cause) {
        throw misconfigured(cause);
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw misconfigured();
      set = this.remoteJwks(parsed);
      remember(this.jwksSets, url, set);
    }
    return set;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= MAX_CACHED_KEYS) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
