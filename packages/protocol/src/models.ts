/** Shapes shared by HTTP responses and WebSocket frames. */

export type AuthState = 'anonymous' | 'user';

export interface SessionInfo {
  id: string;
  tenantId: string;
  anonymousId: string;
  auth: AuthState;
  userId: string | null;
  ver: number;
  createdAt: number;
  expiresAt: number;
}

export interface UserInfo {
  id: string;
  name: string | null;
  avatar: string | null;
  custom: Record<string, unknown>;
}

export interface ConversationInfo {
  id: string;
  createdAt: number;
  updatedAt: number;
  preview: string | null;
  messageCount: number;
}

export interface MessageInfo {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  clientId: string | null;
  replyTo: string | null;
  createdAt: number;
}

/** What a client holds to stay signed in. */
export interface TokenPair {
  accessToken: string;
  refreshToken?: string;
  /** Access-token expiry, epoch milliseconds. */
  expiresAt: number;
}

/** Claims of a Tessera access token. */
export interface AccessClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  anon: string;
  auth: AuthState;
  ver: number;
  uid?: string;
  custom?: Record<string, unknown>;
  iat: number;
  exp: number;
  jti: string;
}
