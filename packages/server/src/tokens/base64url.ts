const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Whether `segment` is the one canonical base64url spelling of its bytes (RFC 7515 §2):
 * no padding, no `+/`, nothing outside the alphabet (checked by the caller's pattern), no
 * impossible length, and the unused low bits of the last character zero. Node's decoder
 * accepts all of those as the same bytes; anything keyed on the token string must not.
 */
export function isCanonicalBase64url(segment: string): boolean {
  const rest = segment.length % 4;
  if (rest === 1) return false;
  if (rest === 0) return true;
  const last = ALPHABET.indexOf(segment[segment.length - 1]);
  return (last & (rest === 2 ? 0b1111 : 0b11)) === 0;
}

/** The three segments of a compact JWS, each strictly canonical base64url, or null. */
export function strictCompactJws(token: string): [header: string, payload: string, signature: string] | null {
  if (!COMPACT_JWS.test(token)) return null;
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return isCanonicalBase64url(header) && isCanonicalBase64url(payload) && isCanonicalBase64url(signature)
    ? [header, payload, signature]
    : null;
}
