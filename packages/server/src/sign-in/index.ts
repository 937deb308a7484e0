export { normalizeEmail } from './email-address.js';
export type { Proof } from './proof.js';
export { SignIn, type Credentials, type SignInContext, type SignInDeps, type SignInResult } from './sign-in.js';
export { BackendSessions, type BackendSessionsDeps, type BackendUserInput, type MintedTokens } from './backend-sessions.js';
export { InitTokens, INIT_TOKEN_MAX_LIFETIME_SECONDS, INIT_TOKEN_TYP, type InitTokenDeps, type InitTokenOutcome } from './init-tokens.js';
export { verifyIdentityToken, type AssertedIdentity } from './identity-tokens.js';
export {
  checkPasswordPolicy,
  PasswordHasher,
  PASSWORD_HASH_PARAMS,
  MAX_PASSWORD_CHARS,
  MIN_PASSWORD_CHARS,
  type PasswordHasherOptions,
} from './passwords.js';
export { DatabaseReplayGuard, type ReplayGuard } from './replay-guard.js';
export { customClaimsSchema, avatarSchema, externalUserIdSchema, userNameSchema } from './custom-claims.js';
export {
  SignInFlows,
  type CallbackOutcome,
  type FlowRequestContext,
  type OAuthFlowInput,
  type SignInFlowsDeps,
} from './sign-in-flows.js';
export { ProviderAccounts } from './provider-accounts.js';
export { OAuthProviders } from './oauth/oauth-providers.js';
export type { ProviderAccount } from './oauth/provider-client.js';
export { EmailCodes, EMAIL_CODE_TTL_MS, MAX_CODE_TRIES, type EmailCodesDeps } from './email-codes.js';
export { Passkeys } from './passkeys.js';
export { FlowOutcomes, failureOf } from './flow-outcomes.js';
export { MagicLinks, MAX_MATCH_CODE_TRIES, type MagicLinkStart, type MagicLinkView } from './magic-links.js';
export { PasswordResets, PASSWORD_RESET_TTL_MS } from './password-resets.js';
export { FLOW_TTL_MS } from './new-flow.js';
