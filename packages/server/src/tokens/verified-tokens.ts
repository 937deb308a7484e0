import { hash } from 'node:crypto';
import type { AccessClaims } from '@tessera/protocol';
import { decodeProtectedHeader } from 'jose';
import { TesseraError } from '../errors.js';
import type { AccessTokens } from './access-tokens.js';

const MAX_ENTRIES = 20_000;

interface Verified {
  claims: AccessClaims;
  kid: string;
}

/**
 * Access tokens whose signature this node already checked. A reconnect presents the
 * same bytes again, and a signature check is a pure function of those bytes and our
 * keys, so it is done once per token while its key is still ours; expiry and audience
 * are checked every time, and session state (revocation, `ver`) always by the caller.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, Verified>();

  constructor(private readonly accessTokens: AccessTokens) {}

  verify(token: string, nowMs: number, audience?: string): AccessClaims {
    // Keyed by the token's digest: a token is about 500 bytes, and one sliced from a handshake's
    // header keeps that whole header alive; one entry per open socket made it most of its memory.
    const key = typeof token === 'string' ? hash('sha256', token, 'base64url') : '';
    const known = this.entries.get(key);
    if (!known || !this.accessTokens.knowsKey(known.kid, nowMs)) {
      this.entries.delete(key);
      const claims = this.accessTokens.verify(token, nowMs, audience);
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { claims, kid: keyIdOf(token) });
      return claims;
    }
    if (known.claims.exp * 1000 <= nowMs) {
      this.entries.delete(key);
      throw new TesseraError('TOKEN_EXPIRED', 'access token expired');
    }
    if (audience !== undefined && known.claims.aud !== audience) throw new TesseraError('INVALID_TOKEN', 'wrong audience');
    return known.claims;
  }
}

/** The `kid` of a token that has just verified (so its header is well-formed). */
function keyIdOf(token: string): string {
  return decodeProtectedHeader(token).kid as string;
}
