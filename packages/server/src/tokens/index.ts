export { SigningKeyStore, type SigningKey, type SigningAlgorithm } from './signing-keys.js';
export { AccessTokens, ACCESS_TOKEN_TYP, type AccessTokenInput } from './access-tokens.js';
export { loadServerSecret } from './server-secret.js';
export { ExternalTokenVerifier } from './external-token-verifier.js';
export { validateVerification, type Verification } from './verification.js';
export type { ExternalTokenRules } from './external-token-rules.js';
export { claimAtPath } from './claim-path.js';
export { unverifiedClaims } from './unverified-claims.js';
export { VerifiedTokens } from './verified-tokens.js';
