import { sign as cryptoSign, type KeyObject } from 'node:crypto';

export const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The header and claims of a compact JWT, unverified. */
export function decodeJwt(token: string): { header: Record<string, any>; claims: Record<string, any>; signature: string } {
  const [header, claims, signature] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(claims, 'base64url').toString()),
    signature,
  };
}

/** Signs any header and claims with an EC P-256 key (ES256, raw r||s), by hand: nothing checks what we forge. */
export function signEs256(header: Record<string, unknown>, claims: Record<string, unknown>, privateKey: KeyObject): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  const signature = cryptoSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** A token with its payload replaced and the original signature kept. */
export function withClaims(token: string, change: (claims: Record<string, any>) => void): string {
  const [header, , signature] = token.split('.');
  const claims = decodeJwt(token).claims;
  change(claims);
  return `${header}.${b64url(claims)}.${signature}`;
}
