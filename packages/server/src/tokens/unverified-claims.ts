/**
 * The claims of a compact JWT, NOT verified: only for choosing which key to verify it
 * with (an init token's `iss` names its partner). Never trust anything read here.
 */
export function unverifiedClaims(token: string): Record<string, unknown> | null {
  if (typeof token !== 'string' || token.length > 16_384) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
