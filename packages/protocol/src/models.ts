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
  /** On an assistant reply cut short by a `stop` frame: the text is what was streamed until then. */
  stopped?: true;
  /** On a user message whose reply failed (the agent failed, or the node answering it stopped): why. */
  replyError?: 'AGENT_UNAVAILABLE' | 'AGENT_TIMEOUT';
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
  /** Epoch seconds of the last sign-in or re-authentication (signed-in sessions only). */
  auth_time?: number;
  /** How the person signed in, RFC 8176 values (`pwd`, `otp`, `email`, `hwk`, `swk`, `fed`, `jwt`, `srv`). */
  amr?: string[];
  iat: number;
  exp: number;
  jti: string;
}

/** RFC 8176 authentication method references Tessera records. */
export type AuthMethod = 'pwd' | 'otp' | 'email' | 'hwk' | 'swk' | 'fed' | 'jwt' | 'srv';

/** What an agent asked for when it answered that it needs a signed-in person. */
export interface AuthRequirement {
  reason: string;
  /** Sign-in methods the agent accepts; the tenant's methods when it does not say. */
  methods: string[];
  /** The person must have signed in within this many seconds (re-authenticate otherwise). */
  maxAgeSeconds?: number;
}
