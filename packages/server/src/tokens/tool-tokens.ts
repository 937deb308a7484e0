import { errors, jwtVerify } from 'jose';
import { TesseraError } from '../errors.js';
import { newSecret } from '../ids.js';
import { signCompactJws } from './compact-jws.js';
import type { SigningKeyStore } from './signing-keys.js';

export const TOOL_TOKEN_TYP = 'tessera-tool+jwt';
/** A tool token lives at most this long: a turn's tools act within it, or exchange it. */
export const MAX_TOOL_TOKEN_TTL_SECONDS = 300;

/** What a tool token says: who the agent acts for (RFC 8693 `act`), in which session and conversation, may do what. */
export interface ToolClaims {
  iss: string;
  aud: string;
  /** The session's `sub`: the user's id, or the anonymous id. */
  sub: string;
  /** The customer's own user id, when signed in. */
  uid?: string;
  sid: string;
  /** The session's auth version when issued: a token from before a sign-in is no longer active. */
  ver: number;
  /** The conversation of the turn; absent on a token exchanged from an access token (no turn, no conversation). */
  cid?: string;
  scope: string;
  act: { sub: string };
  /** The API key that obtained this token by token exchange (RFC 8693 `client_id`); absent on a turn's own token. */
  client_id?: string;
  auth_time?: number;
  amr?: string[];
  jti: string;
  iat: number;
  exp: number;
}

export type ToolTokenInput = Omit<ToolClaims, 'iss' | 'jti' | 'iat' | 'exp'>;

/** Signs and verifies tool tokens: our key, our issuer, their own `typ` (never an access token's). */
export class ToolTokens {
  constructor(
    private readonly keys: SigningKeyStore,
    /** Our `iss`, or how to read it when a token is signed or checked (see edge/issuer.ts). */
    private readonly issuer: string | (() => string),
  ) {}

  private currentIssuer(): string {
    return typeof this.issuer === 'string' ? this.issuer : this.issuer();
  }

  sign(input: ToolTokenInput, nowMs: number, ttlSeconds = MAX_TOOL_TOKEN_TTL_SECONDS): { token: string; claims: ToolClaims } {
    const key = this.keys.signingKey(nowMs);
    const iat = Math.floor(nowMs / 1000);
    const claims: ToolClaims = {
      iss: this.currentIssuer(),
      ...input,
      jti: newSecret(12),
      iat,
      exp: iat + Math.min(ttlSeconds, MAX_TOOL_TOKEN_TTL_SECONDS),
    };
    return { token: signCompactJws(key, TOOL_TOKEN_TYP, claims), claims };
  }

  /** The claims of a genuine, unexpired tool token; INVALID_TOKEN or TOKEN_EXPIRED otherwise. */
  async verify(token: string, nowMs: number): Promise<ToolClaims> {
    try {
      const { payload } = await jwtVerify(
        token,
        (header) => {
          const key = header.kid === undefined ? undefined : this.keys.byKid(header.kid, nowMs);
          if (!key || key.alg !== header.alg) throw new TesseraError('INVALID_TOKEN', 'token was not signed by a Tessera key');
          return key.publicKey;
        },
        { typ: TOOL_TOKEN_TYP, issuer: this.currentIssuer(), currentDate: new Date(nowMs), requiredClaims: ['sid', 'ver', 'sub', 'exp'] },
      );
      return payload as unknown as ToolClaims;
    } catch (error) {
      if (error instanceof TesseraError) throw error;
      if (error instanceof errors.JWTExpired) throw new TesseraError('TOKEN_EXPIRED', 'tool token expired');
      throw new TesseraError('INVALID_TOKEN', 'invalid tool token', { cause: error });
    }
  }
}
