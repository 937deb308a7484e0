import type { AccessClaims } from '@tessera/protocol';

/**
 * Reads a JWT's payload without checking its signature: the client only uses
 * it for display and scheduling; the server verifies every token it receives.
 */
export function decodeJwtPayload<T = AccessClaims>(token: string): Partial<T> | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return payload && typeof payload === 'object' ? (payload as Partial<T>) : null;
  } catch {
    return null;
  }
}
