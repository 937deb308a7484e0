import { verify as cryptoVerify } from 'node:crypto';
import type { AccessClaims } from '@tessera/protocol';
import { TesseraError } from '../errors.js';
import { newSecret } from '../ids.js';
import { strictCompactJws } from './base64url.js';
import { signCompactJws } from './compact-jws.js';
import type { SigningKey, SigningKeyStore } from './signing-keys.js';

export const ACCESS_TOKEN_TYP = 'at+jwt';

export type AccessTokenInput = Omit<AccessClaims, 'iat' | 'exp' | 'jti' | 'iss'>;

/**
 * Signs and verifies our own access tokens. The hot path (every handshake and
 * request) uses node:crypto directly: the algorithm is fixed by our key, so all
 * that is left is one signature check and a few claim comparisons, and WebCrypto's
 * async verify in jose costs several times more than that.
 */
export class AccessTokens {
  /** Header segments already found well-formed, with their key id: most tokens share one. */
  private readonly knownHeaders = new Map<string, string>();

  constructor(
    private readonly keys: SigningKeyStore,
    /** Our `iss`, or how to read it when a token is signed or checked (see edge/issuer.ts). */
    private readonly issuer: string | (() => string),
  ) {}

  private currentIssuer(): string {
    return typeof this.issuer === 'string' ? this.issuer : this.issuer();
  }

  sign(input: AccessTokenInput, nowMs: number, ttlSeconds: number): { token: string; claims: AccessClaims; expiresAt: number } {
    const key = this.keys.signingKey(nowMs);
    const iat = Math.floor(nowMs / 1000);
    const claims: AccessClaims = { iss: this.currentIssuer(), ...input, iat, exp: iat + ttlSeconds, jti: newSecret(12) };
    if (claims.uid === undefined) delete claims.uid;
    return { token: signCompactJws(key, ACCESS_TOKEN_TYP, claims), claims, expiresAt: claims.exp * 1000 };
  }

  /** Whether tokens signed under `kid` are still verifiable (the key was not removed). */
  knowsKey(kid: string, nowMs: number): boolean {
    return this.keys.byKid(kid, nowMs) !== undefined;
  }

  /**
   * Verifies the token's form (strict, canonical base64url: one token, one spelling), signature,
   * `typ`, `iss`, `aud` (when given), `exp` and `nbf` (when present). Session state and `ver` are
   * checked by the caller against the session cache.
   */
  verify(token: string, nowMs: number, audience?: string): AccessClaims {
    const segments = typeof token === 'string' ? strictCompactJws(token) : null;
    if (!segments) throw invalid('malformed token');
    const [header, payload, signature] = segments;
    const key = this.keyOf(header, nowMs);
    const signed = cryptoVerify(
      key.alg === 'ES256' ? 'sha256' : null,
      Buffer.from(token.slice(0, header.length + 1 + payload.length)),
      key.verifyWith,
      Buffer.from(signature, 'base64url'),
    );
    if (!signed) throw invalid('bad signature');
    const claims = decodeJson(payload) as unknown as AccessClaims & { nbf?: unknown };
    if (claims.iss !== this.currentIssuer()) throw invalid('wrong issuer');
    if (audience !== undefined && claims.aud !== audience) throw invalid('wrong audience');
    if (typeof claims.sid !== 'string' || typeof claims.ver !== 'number' || typeof claims.aud !== 'string') {
      throw invalid('missing claims');
    }
    if (typeof claims.exp !== 'number') throw invalid('token has no expiry');
    if (claims.exp * 1000 <= nowMs) throw new TesseraError('TOKEN_EXPIRED', 'access token expired');
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf * 1000 > nowMs)) throw invalid('token not valid yet');
    return claims;
  }

  /** Our key that a header names, with that key's algorithm and our `typ`. */
  private keyOf(headerSegment: string, nowMs: number): SigningKey {
    const knownKid = this.knownHeaders.get(headerSegment);
    if (knownKid !== undefined) return this.liveKey(knownKid, nowMs);
    const header = decodeJson(headerSegment);
    if (typeof header.kid !== 'string') throw invalid('token has no key id');
    if (header.typ !== ACCESS_TOKEN_TYP) throw invalid('not an access token');
    const key = this.liveKey(header.kid, nowMs);
    // The algorithm is the key's, never the token's choice.
    if (header.alg !== key.alg) throw invalid('token was not signed by a Tessera key');
    // Bounded: anyone can spell a valid header in many ways.
    if (this.knownHeaders.size < MAX_KNOWN_HEADERS) this.knownHeaders.set(headerSegment, header.kid);
    return key;
  }

  private liveKey(kid: string, nowMs: number): SigningKey {
    const key = this.keys.byKid(kid, nowMs);
    if (!key) throw invalid('token was not signed by a Tessera key');
    return key;
  }
}

const MAX_KNOWN_HEADERS = 64;

function decodeJson(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw invalid('malformed token');
}

function invalid(message: string): TesseraError {
  return new TesseraError('INVALID_TOKEN', message);
}
