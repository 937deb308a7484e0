/** Row shapes of every table, as Kysely sees them. Times are epoch milliseconds. */
import type { Generated } from 'kysely';

export interface TenantsTable {
  id: string;
  name: string;
  settings: string;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  kind: 'secret' | 'publishable';
  name: string;
  secret_hash: string;
  scopes: string;
  allowed_ips: string | null;
  expires_at: number | null;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
  replaced_by: string | null;
  rate_limit_per_minute: number | null;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  external_id: string;
  name: string | null;
  avatar: string | null;
  custom: string;
  email: string | null;
  password_hash: string | null;
  created_at: number;
  updated_at: number;
  email_verified_at: Generated<number | null>;
}

export interface SessionsTable {
  id: string;
  tenant_id: string;
  anonymous_id: string;
  user_id: string | null;
  ver: number;
  created_at: number;
  last_seen_at: number;
  idle_expires_at: number;
  absolute_expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
  /** Epoch ms of the last sign-in or re-authentication; null while anonymous. */
  auth_time: number | null;
  /** JSON array of RFC 8176 method values; null while anonymous. */
  amr: string | null;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  secret_hash: string;
  parent_id: string | null;
  child_id: string | null;
  state: 'current' | 'rotated' | 'revoked';
  created_at: number;
  rotated_at: number | null;
}

export interface ConversationsTable {
  id: string;
  tenant_id: string;
  session_id: string;
  anonymous_id: string;
  user_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface MessagesTable {
  seq: Generated<number>;
  id: string;
  tenant_id: string;
  conversation_id: string;
  session_id: string;
  role: 'user' | 'assistant';
  content: string;
  client_id: string | null;
  reply_to: string | null;
  created_at: number;
  /** 1 on an assistant reply cut short by a stop. */
  stopped: Generated<number>;
  /** On a user message whose reply failed: the error code the client was told (or would have been). */
  reply_error: string | null;
}

export interface PendingTurnsTable {
  session_id: string;
  tenant_id: string;
  conversation_id: string;
  message_id: string;
  max_age_seconds: number | null;
  created_at: number;
}

export interface AgentSecretsTable {
  id: string;
  tenant_id: string;
  /** The signing secret, sealed with the node's server secret (it must be recoverable to sign). */
  secret_sealed: string;
  created_at: number;
  /** When a rotated-out secret stops signing; null for the current one. */
  retires_at: number | null;
}

export interface AnonymousLinksTable {
  tenant_id: string;
  anonymous_id: string;
  user_id: string;
  linked_at: number;
}

export interface MonthlyActivesTable {
  tenant_id: string;
  month: string;
  subject_kind: 'anonymous' | 'user';
  subject_id: string;
}

export interface UsageCountersTable {
  tenant_id: string;
  month: string;
  sessions: number;
  messages: number;
}

export interface PartnersTable {
  id: string;
  tenant_id: string;
  name: string;
  allowed_origins: string;
  verification: string;
  trusted_to_assert_users: number;
  created_at: number;
}

export interface UsedTokenIdsTable {
  id: string;
  expires_at: number;
}

export interface AuditLogTable {
  id: string;
  tenant_id: string;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  details: string | null;
}

export interface SignInFlowsTable {
  id: string;
  tenant_id: string;
  session_id: string;
  method: string;
  provider: string | null;
  secret_hash: string;
  state_hash: string | null;
  origin: string | null;
  return_to: string | null;
  status: string;
  user_id: string | null;
  amr: string | null;
  error_code: string | null;
  created_at: number;
  expires_at: number;
  email: string | null;
  match_code: string | null;
  browser_hash: string | null;
  tries: Generated<number>;
}

export interface EmailCodesTable {
  id: string;
  tenant_id: string;
  email: string;
  purpose: string;
  code_hash: string;
  tries: Generated<number>;
  details: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface PasskeysTable {
  id: string;
  tenant_id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: number;
  transports: string | null;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export interface WebauthnChallengesTable {
  session_id: string;
  purpose: string;
  challenge: string;
  expires_at: number;
}

export interface PasswordResetsTable {
  token_hash: string;
  tenant_id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface IdentitiesTable {
  id: string;
  tenant_id: string;
  user_id: string;
  kind: string;
  provider: string | null;
  subject: string | null;
  email: string | null;
  created_at: number;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  anonymous_links: AnonymousLinksTable;
  monthly_actives: MonthlyActivesTable;
  usage_counters: UsageCountersTable;
  partners: PartnersTable;
  used_token_ids: UsedTokenIdsTable;
  audit_log: AuditLogTable;
  pending_turns: PendingTurnsTable;
  agent_secrets: AgentSecretsTable;
  sign_in_flows: SignInFlowsTable;
  identities: IdentitiesTable;
  email_codes: EmailCodesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  password_resets: PasswordResetsTable;
}
