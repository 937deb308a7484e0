import type { AccessClaims, AuthState } from '@tessera/protocol';

/** Who the client is, read from the access token (not verified: for display only). */
export interface CurrentUser {
  /** `sub`: the internal user id when signed in, else the anonymous id. */
  id: string;
  /** `uid`: your own user id, when signed in. */
  userId: string | null;
  auth: AuthState;
  sessionId: string | null;
  anonymousId: string | null;
  /** The signed-in user's display name (the token's `name`), null while anonymous or unknown. */
  name: string | null;
  /** The signed-in user's avatar URL (the token's `picture`), null while anonymous or unknown. */
  avatar: string | null;
  /** Custom claims set by your backend (role, workspaceId, permissions...). */
  custom: Record<string, unknown>;
  /** Access-token expiry, epoch ms (server clock). */
  expiresAt: number | null;
}

export function currentUserFromClaims(claims: Partial<AccessClaims> | null): CurrentUser | null {
  if (!claims?.sub) return null;
  return {
    id: claims.sub,
    userId: claims.uid ?? null,
    auth: claims.auth ?? (claims.uid ? 'user' : 'anonymous'),
    sessionId: claims.sid ?? null,
    anonymousId: claims.anon ?? null,
    name: claims.name ?? null,
    avatar: claims.picture ?? null,
    custom: claims.custom ?? {},
    expiresAt: claims.exp ? claims.exp * 1000 : null,
  };
}
