import { createHmac, randomUUID } from 'node:crypto';

/**
 * Signs a compact HS256 JWT. The demo plays the customer's own app and a partner's
 * backend, which would sign with their own JWT library; Tessera verifies these
 * tokens in tokens/ like any other external token.
 */
export function signHs256(payload: Record<string, unknown>, secret: string, typ = 'JWT'): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'HS256', typ })}.${encode(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** Standard short-lived claims: `iat`, `exp` (`lifetimeSeconds` ahead) and a unique `jti`. */
export function timedClaims(nowMs: number, lifetimeSeconds: number): { iat: number; exp: number; jti: string } {
  const iat = Math.floor(nowMs / 1000);
  return { iat, exp: iat + lifetimeSeconds, jti: randomUUID() };
}
