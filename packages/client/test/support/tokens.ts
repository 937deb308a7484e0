import type { TokenPair } from '@tessera/protocol';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned JWT-shaped access token (the client never verifies signatures). */
export function makeAccessToken(claims: Record<string, unknown>): string {
  return `${encode({ alg: 'ES256', typ: 'at+jwt' })}.${encode(claims)}.signature`;
}

let serial = 0;

/** A pair issued at `issuedAtMs` (server clock) living `lifetimeMs`. */
export function makePair(issuedAtMs: number, lifetimeMs = 15 * 60_000, claims: Record<string, unknown> = {}): TokenPair {
  const iat = Math.floor(issuedAtMs / 1000);
  const exp = iat + Math.floor(lifetimeMs / 1000);
  serial++;
  return {
    accessToken: makeAccessToken({
      sub: 'anon_1',
      sid: 'sess_1',
      anon: 'anon_1',
      auth: 'anonymous',
      ver: 1,
      iat,
      exp,
      jti: `j${serial}`,
      ...claims,
    }),
    refreshToken: `rt_1_secret${serial}`,
    expiresAt: exp * 1000,
  };
}
