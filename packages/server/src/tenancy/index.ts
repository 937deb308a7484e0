export { Tenants, TENANT_CACHE_TTL_MS, type TenantsDeps } from './tenants.js';
export {
  applySettingsPatch,
  DEFAULT_SETTINGS,
  describeSettings,
  identitySettingsSchema,
  isOrigin,
  settingsPatchSchema,
  signupAllowed,
} from './settings.js';
export type { IdentitySettings, SettingsPatch } from './settings.js';
export { ApiKeys, describeKey, hasScope, SCOPES, type CreateKeyInput, type Scope } from './api-keys.js';
export { ApiKeyAccess, type ApiKeyAccessDeps } from './api-key-access.js';
export { Partners, describePartner, MAX_PARTNER_ORIGINS, MAX_PARTNERS_PER_TENANT, type CreatePartnerInput } from './partners.js';
export { OriginPolicy } from './origin-policy.js';
export { RefusedOrigins, REFUSED_ORIGIN_LOG_INTERVAL_MS } from './refused-origins.js';
export { SpikeGuard, DEFAULT_SPIKE_GUARD, type SpikeGuardOptions, type SpikeVerdict } from './spike-guard.js';
export { ipAllowed, parseAllowlist, MAX_ALLOWLIST_ENTRIES } from './ip-allowlist.js';
export { Users, describeUser, type UserProfile } from './users.js';
export { Audit, MAX_AUDIT_PAGE, scrubDetails, type AuditAction, type AuditEvent, type AuditPage, type Auditor } from './audit.js';
export { VisitorLimits, type MessageSender, type SessionOrigin } from './visitor-limits.js';
export { initialise, type InitResult } from './bootstrap.js';
export { monthlyUsage, type MonthlyUsage } from './usage.js';
export { AGENT_DEFAULTS, agentSettingsOf, agentSettingsSchema, defaultToolAudience, type AgentSettings } from './agent-settings.js';
export { signInMethodsOf } from './sign-in-methods.js';
export { AgentSecrets, AGENT_SECRET_OVERLAP_MS, newSigningSecret, type AgentSecretsDeps, type RotatedSecret } from './agent-secrets.js';
export { SecretBox } from './secret-box.js';
export {
  clientSecretContext,
  oauthProviderOf,
  oauthSettingsOf,
  oauthSettingsSchema,
  type GitHubProvider,
  type OAuthProvider,
  type OidcProvider,
  type OAuthSettings,
} from './oauth-settings.js';
export { UserIdentities, describeIdentity } from './user-identities.js';
