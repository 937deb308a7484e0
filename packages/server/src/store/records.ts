/** What the store hands to domain code: camelCase records, parsed JSON, epoch-ms times. */

export interface TenantSettings {
  allowedOrigins: string[];
  sessions: { anonymousIdleSeconds: number; userIdleSeconds: number; absoluteSeconds: number };
  tokens: { accessTokenTtlSeconds: number };
  limits: {
    /** Per session, and per visitor (a user's sessions, or an anonymous id's). */
    messagesPerMinute: number;
    messagesPerMinutePerAddress: number;
    sessionsPerMinutePerAddress: number;
    sessionsPerMinutePerKey: number;
  };
  retention: { messageDays: number | null };
  [extension: string]: unknown;
}

export interface Tenant {
  id: string;
  name: string;
  settings: TenantSettings;
  createdAt: number;
}

export type ApiKeyKind = 'secret' | 'publishable';

export interface ApiKey {
  id: string;
  tenantId: string;
  kind: ApiKeyKind;
  name: string;
  secretHash: string;
  scopes: string[];
  allowedIps: string[] | null;
  expiresAt: number | null;
  createdAt: number;
  revokedAt: number | null;
  lastUsedAt: number | null;
  replacedBy: string | null;
  /** This key's own request limit; null: the server default. */
  rateLimitPerMinute?: number | null;
}

export interface User {
  id: string;
  tenantId: string;
  externalId: string;
  name: string | null;
  avatar: string | null;
  custom: Record<string, unknown>;
  email: string | null;
  passwordHash: string | null;
  createdAt: number;
  updatedAt: number;
  /** When the user proved they read `email` (a code or a link sent there); null: never. */
  emailVerifiedAt: number | null;
}

export interface Session {
  id: string;
  tenantId: string;
  anonymousId: string;
  userId: string | null;
  ver: number;
  createdAt: number;
  lastSeenAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
  /** Epoch ms of the last sign-in or re-authentication; null while anonymous. */
  authTime: number | null;
  /** How the person signed in (RFC 8176); empty while anonymous. */
  amr: string[];
}

export interface RefreshToken {
  id: string;
  sessionId: string;
  secretHash: string;
  parentId: string | null;
  childId: string | null;
  state: 'current' | 'rotated' | 'revoked';
  createdAt: number;
  rotatedAt: number | null;
}

export interface Conversation {
  id: string;
  tenantId: string;
  sessionId: string;
  anonymousId: string;
  userId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface Message {
  id: string;
  tenantId: string;
  conversationId: string;
  sessionId: string;
  role: 'user' | 'assistant';
  content: string;
  clientId: string | null;
  replyTo: string | null;
  createdAt: number;
  /** An assistant reply cut short by a stop (set after the insert, see messages.markStopped). */
  stopped?: boolean;
  /** On a user message whose reply failed, set after the insert: the error code. */
  replyError?: 'AGENT_UNAVAILABLE' | 'AGENT_TIMEOUT';
}

export interface ConversationSummary extends Conversation {
  messageCount: number;
  preview: string | null;
}

/** How a partner's (or a tenant's) tokens are verified: exactly one of the three. */
export type VerificationConfig = { secret: string } | { publicKeyPem: string } | { jwksUrl: string };

/** A third party allowed to embed the chat with init tokens it signs. */
export interface Partner {
  id: string;
  tenantId: string;
  name: string;
  allowedOrigins: string[];
  verification: VerificationConfig;
  trustedToAssertUsers: boolean;
  createdAt: number;
}

/** One line of a tenant's audit log: who did what to what, when. Never a secret. */
export interface AuditEntry {
  id: string;
  tenantId: string;
  at: number;
  /** A key id (`key_...`), `cli`, `system`, or a session id for end-user actions. */
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
}

/** A turn the agent answered with `auth_required`: it runs again once the session signs in. */
export interface PendingTurn {
  sessionId: string;
  tenantId: string;
  conversationId: string;
  messageId: string;
  maxAgeSeconds: number | null;
  createdAt: number;
}

export interface AgentSecret {
  id: string;
  tenantId: string;
  secretSealed: string;
  createdAt: number;
  retiresAt: number | null;
}

export type SignInFlowMethod = 'oauth' | 'magic_link';
/** `completing`: a callback claimed the flow and is talking to the provider. */
export type SignInFlowStatus = 'pending' | 'completing' | 'completed' | 'failed' | 'redeemed';

/** A sign-in started by a chat, completed out of band, redeemed once by its starter. */
export interface SignInFlow {
  id: string;
  tenantId: string;
  sessionId: string;
  method: SignInFlowMethod;
  provider: string | null;
  /** Hash of the secret only the starting chat holds. */
  secretHash: string;
  /** Hash of the provider round trip's `state` (or the link's token): how the callback finds the flow. */
  stateHash: string | null;
  /** The page origin that started it: the only one the callback page tells. */
  origin: string | null;
  returnTo: string | null;
  status: SignInFlowStatus;
  /** Set on completion: who signed in, and how. */
  userId: string | null;
  amr: string[] | null;
  errorCode: string | null;
  createdAt: number;
  expiresAt: number;
  /** Magic links: where the link was sent, the two digits the chat shows, the starting browser's cookie (hashed). */
  email: string | null;
  matchCode: string | null;
  browserHash: string | null;
  /** Wrong match codes so far. */
  tries: number;
}

export type IdentityKind = 'external' | 'password' | 'oauth' | 'passkey' | 'email';

/** One way a user signs in: the customer's own login, a hosted password, a provider account… */
export interface Identity {
  id: string;
  tenantId: string;
  userId: string;
  kind: IdentityKind;
  provider: string | null;
  subject: string | null;
  email: string | null;
  createdAt: number;
}

export type EmailCodePurpose = 'sign_in' | 'signup';

/** A one-time code sent to an address: hashed, tried at most so often, used once. */
export interface EmailCode {
  id: string;
  tenantId: string;
  email: string;
  purpose: EmailCodePurpose;
  codeHash: string;
  tries: number;
  /** What the code completes (a sign-up's password hash and name). */
  details: Record<string, unknown> | null;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

export interface Passkey {
  id: string;
  tenantId: string;
  userId: string;
  /** base64url, as WebAuthn names it. */
  credentialId: string;
  /** base64url COSE public key. */
  publicKey: string;
  counter: number;
  transports: string[] | null;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export type WebauthnPurpose = 'registration' | 'authentication';

export interface WebauthnChallenge {
  sessionId: string;
  purpose: WebauthnPurpose;
  challenge: string;
  expiresAt: number;
}

export interface PasswordReset {
  tokenHash: string;
  tenantId: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}
