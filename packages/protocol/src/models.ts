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
  /** The signed-in user's display name (OIDC `name`), when known. */
  name?: string;
  /** The signed-in user's avatar URL (OIDC `picture`), when known. */
  picture?: string;
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

/** A sign-in that finishes elsewhere, as `POST /v1/auth/flows` answers it. Only its starter holds `flowSecret`. */
export interface SignInFlowStart {
  flowId: string;
  flowSecret: string;
  /** Epoch ms after which the flow can no longer be completed or redeemed. */
  expiresAt: number;
  /** For `oauth`: the provider's authorization page, to open in a popup (or a redirect). */
  url?: string;
  /** For `magic_link`: two digits the chat shows; the link's page asks for them on another device. */
  matchCode?: string;
}

export type SignInFlowState = 'pending' | 'completed' | 'failed' | 'expired';

/** A sign-in provider a chat can offer (`GET /v1/auth/providers`). */
export interface SignInProviderInfo {
  id: string;
  kind: 'oidc' | 'github';
  /** What a button says: "Continue with {name}". */
  name: string;
}

/** One way a user signs in. */
export interface IdentityInfo {
  id: string;
  kind: 'external' | 'password' | 'oauth' | 'passkey' | 'email';
  provider?: string;
  subject?: string;
  email?: string;
  createdAt: number;
}
